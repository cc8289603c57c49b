"""Benchmark: sign-in and `GET /api/v1/me`, Studyhall against a bare Starlette baseline.

How to run (from the repository root, after `make install`, with wrk on the PATH):

    make bench                                  # options via BENCH_ARGS="..."
    .venv/bin/python bench/bench_auth.py [--duration S] [--login-duration S] [--rounds N]
                                         [--connections 64] [--log-level INFO]
                                         [--only login|me] [--keep]

wrk is Debian's `wrk` package: `apt-get update && apt-get install -y wrk`; without it the
script says so and exits with status 2. With the defaults a run takes about three minutes.

What it does, all in one run and only on 127.0.0.1:

1. starts `studyhall serve --migrate` (one uvicorn process; SQLite in a fresh temporary data
   directory; argon2id at its production defaults, whatever STUDYHALL_* the caller has set;
   STUDYHALL_LOG_LEVEL from --log-level, INFO by default, as deployed) and
   `bench/bare_auth_app.py` (bare Starlette: no FastAPI, pydantic, ORM or middleware, the
   same SQL and argon2id) against the very database file Studyhall's migrations just made;
2. signs up one account through Studyhall's API and makes it a member of two organisations;
3. checks that both servers answer login and `/me` alike, then warms both up;
4. measures each server in turn with `wrk -t2 -c<connections> --latency`:
   `POST /api/v1/auth/login` (right password, so throttling never engages) for
   --login-duration seconds, waiting after each run until the logins the server had already
   read are done; then `GET /api/v1/me` with a fresh bearer token for --duration seconds.
   With --rounds N each is measured N times, alternating which server goes first;
5. prints requests/s (2xx only), p50 and p99 latency and the failures for each (medians over
   the rounds), and the ratio Studyhall / bare; then stops both servers by their process ids
   and removes the temporary directory (--keep keeps it: database, server logs, wrk output).

The figures belong to the machine and the run; docs/benchmarks.md records one and reads it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BARE_APP = Path(__file__).resolve().parent / "bare_auth_app.py"
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
EMAIL = "bench@example.com"
PASSWORD = "bench-password-correct-horse"
ORGS = (("bench-north", "Bench North"), ("bench-south", "Bench South"))
BUSY_WARNING = (
    "WARNING: the machine was already busy with other work (1-minute load above half the "
    "CPUs);\nthe figures, and less so the ratios, are unreliable: rerun on a quiet machine "
    "(or with --rounds 3)."
)
WRK_INSTALL = "wrk is not installed; on Debian/Ubuntu: apt-get update && apt-get install -y wrk"

LUA_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
    .. '"max_us": %d, "status_errors": %d, "timeouts": %d, "socket_errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.status, e.timeout, e.connect + e.read + e.write))
end
"""


@dataclass
class Result:
    server: str
    endpoint: str
    seconds: float
    requests: int
    status_errors: int
    socket_errors: int
    timeouts: int
    p50_ms: float
    p99_ms: float

    @property
    def ok_per_second(self) -> float:
        return (self.requests - self.status_errors) / self.seconds

    @property
    def errors(self) -> int:
        return self.status_errors + self.socket_errors + self.timeouts


class Server:
    """A server subprocess on a free port; stopped by its own process id, never by name."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [*argv, "--port", str(self.port)],
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_until_answering(self, path: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(
                    f"{self.name} exited with {self.process.returncode}:\n" + self.log_tail()
                )
            try:
                with urllib.request.urlopen(self.base + path, timeout=2):  # noqa: S310
                    return
            except urllib.error.HTTPError:
                return  # any HTTP answer means it is listening
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"{self.name} did not answer within {timeout:.0f} s:\n" + self.log_tail())

    def log_tail(self, lines: int = 20) -> str:
        self._log.flush()
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def call(
    method: str, url: str, body: dict[str, Any] | None = None, token: str | None = None
) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        answer = error.read()
        try:
            return error.code, json.loads(answer or b"null")
        except ValueError:
            return error.code, answer.decode(errors="replace")


def expect(status: int, wanted: int, payload: Any, what: str) -> Any:
    if status != wanted:
        raise SystemExit(f"{what}: HTTP {status}, expected {wanted}: {payload}")
    return payload


def login(server: Server) -> str:
    status, payload = call(
        "POST", server.base + "/api/v1/auth/login", {"email": EMAIL, "password": PASSWORD}
    )
    return str(expect(status, 200, payload, f"login on {server.name}")["token"])


def set_up_account(studyhall: Server) -> None:
    status, payload = call(
        "POST",
        studyhall.base + "/api/v1/auth/register",
        {"email": EMAIL, "password": PASSWORD, "display_name": "Bench"},
    )
    expect(status, 201, payload, "register")
    token = login(studyhall)
    for slug, name in ORGS:
        status, payload = call(
            "POST", studyhall.base + "/api/v1/orgs", {"slug": slug, "name": name}, token
        )
        expect(status, 201, payload, "create organisation")


def check_same_answers(studyhall: Server, bare: Server) -> None:
    """Both servers sign the account in and describe it alike, so they do comparable work."""
    answers = []
    for server in (studyhall, bare):
        token = login(server)
        status, me = call("GET", server.base + "/api/v1/me", token=token)
        expect(status, 200, me, f"/me on {server.name}")
        me.pop("created_at")  # the same instant, written differently
        answers.append(me)
    if answers[0] != answers[1] or len(answers[0]["memberships"]) != len(ORGS):
        raise SystemExit(
            "the servers disagree about /me (has Studyhall's /me changed? then change "
            f"bench/bare_auth_app.py to match):\n  studyhall: {answers[0]}\n  bare:      "
            f"{answers[1]}"
        )


def wait_for_quiet(db_path: Path, *, quiet: float = 2.0, limit: float = 90.0) -> None:
    """Wait until no sign-in has finished for `quiet` seconds.

    wrk stops sending at the end of a run, but a server keeps working through the logins it
    has already read (at 64 connections and ~170 ms of argon2 each, a backlog of ~10 s), and
    that work would hold SQLite's write lock during the next measurement.
    """
    deadline = time.monotonic() + limit
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        with closing(sqlite3.connect(db_path, timeout=10)) as db:
            count = db.execute("SELECT count(*) FROM auth_sessions").fetchone()[0]
        if count != last:
            last, since = count, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.25)
    raise SystemExit(f"the servers were still signing people in after {limit:.0f} s")


def write_lua(
    path: Path, *, method: str, body: str | None = None, headers: dict[str, str] | None = None
) -> Path:
    lines = [f'wrk.method = "{method}"']
    if body is not None:
        lines.append(f"wrk.body = [[{body}]]")
    for name, value in (headers or {}).items():
        lines.append(f'wrk.headers["{name}"] = "{value}"')
    path.write_text("\n".join(lines) + "\n" + LUA_DONE)
    return path


def me_script(workdir: Path, studyhall: Server) -> Path:
    """A wrk script for `/me` with a token fresh from a sign-in (both servers accept it)."""
    token = login(studyhall)
    return write_lua(workdir / "me.lua", method="GET", headers={"Authorization": f"Bearer {token}"})


def run_wrk(
    url: str, script: Path, *, seconds: int, connections: int, raw_log: Path | None = None
) -> dict[str, Any]:
    # The timeout exceeds the run, so every answered request's latency is recorded.
    argv = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        f"--timeout={seconds + 10}s",
        "--latency",
        "-s",
        str(script),
        url,
    ]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 120, check=False)
    if raw_log is not None:
        with raw_log.open("a") as log:
            log.write(f"$ {' '.join(argv)}\n{out.stdout}{out.stderr}\n")
    for line in out.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            return dict(json.loads(line.removeprefix("BENCH_RESULT ")))
    raise SystemExit(f"wrk gave no result (exit {out.returncode}):\n{out.stdout}{out.stderr}")


def measure(
    server: Server, endpoint: str, script: Path, *, seconds: int, connections: int, raw_log: Path
) -> Result:
    path = "/api/v1/auth/login" if endpoint == "login" else "/api/v1/me"
    print(f"  {endpoint:5} on {server.name:9} {seconds} s ...", end=" ", flush=True)
    raw = run_wrk(
        server.base + path, script, seconds=seconds, connections=connections, raw_log=raw_log
    )
    result = Result(
        server=server.name,
        endpoint=endpoint,
        seconds=raw["duration_us"] / 1e6,
        requests=raw["requests"],
        status_errors=raw["status_errors"],
        socket_errors=raw["socket_errors"],
        timeouts=raw["timeouts"],
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
    )
    print(
        f"{result.ok_per_second:7.1f} req/s, {result.requests} answered, "
        f"{result.status_errors} non-2xx, {result.socket_errors + result.timeouts} socket errors"
    )
    return result


def machine() -> list[str]:
    cpu = "unknown"
    with Path("/proc/cpuinfo").open() as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with Path("/proc/meminfo").open() as info:
        for line in info:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return [
        f"date:    {time.strftime('%Y-%m-%d %H:%M %Z')}",
        f"machine: {os.cpu_count()} CPUs ({cpu}), {mem_kib / 1024 / 1024:.1f} GiB RAM, "
        f"{platform.system()} {platform.release()}",
        f"python:  {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
        f"wrk:     {(wrk.stdout or wrk.stderr).splitlines()[0]}",
        f"code:    {commit or 'unknown'} (git describe --dirty); studyhall imported from "
        f"{studyhall_source()}",
        f"load:    {load_average()} (1, 5, 15 min) before the run",
    ]


def studyhall_source() -> str:
    spec = importlib.util.find_spec("studyhall")
    origin = spec.origin if spec else None
    return str(Path(origin).parent) if origin else "nowhere (not installed?)"


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def table(results: list[Result], endpoints: list[str]) -> str:
    """One row per endpoint and server (the median of its rounds), then Studyhall / bare."""
    lines = [
        f"{'endpoint':10} {'server':14} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} "
        f"{'answered':>9} {'non-2xx':>8} {'sock err':>8}"
    ]
    for endpoint in endpoints:
        label = "login" if endpoint == "login" else "/me"
        medians = {}
        for name in ("studyhall", "bare"):
            runs = [r for r in results if r.endpoint == endpoint and r.server == name]
            rps = median(r.ok_per_second for r in runs)
            p50, p99 = median(r.p50_ms for r in runs), median(r.p99_ms for r in runs)
            medians[name] = (rps, p50, p99)
            lines.append(
                f"{label:10} {name:14} {rps:9.1f} {p50:9.1f} {p99:9.1f} "
                f"{sum(r.requests for r in runs):9d} {sum(r.status_errors for r in runs):8d} "
                f"{sum(r.socket_errors + r.timeouts for r in runs):8d}"
            )
        (rps, p50, p99), (bare_rps, bare_p50, bare_p99) = medians["studyhall"], medians["bare"]
        lines.append(
            f"{label:10} {'studyhall/bare':14} {rps / bare_rps:8.2f}x "
            f"{p50 / bare_p50:8.2f}x {p99 / bare_p99:8.2f}x"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Login and /me: Studyhall against a bare Starlette baseline (wrk)."
    )
    parser.add_argument("--duration", type=int, default=15, help="seconds per /me measurement")
    parser.add_argument(
        "--login-duration",
        type=int,
        default=30,
        help="seconds per login measurement (argon2 makes login slow, so "
        "it needs longer for its percentiles to mean something)",
    )
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per endpoint")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure each endpoint this many times per server, alternating which server "
        "goes first, and report the medians (a busy machine wobbles)",
    )
    parser.add_argument(
        "--only", choices=["login", "me"], help="measure one endpoint only [default: both]"
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        help="Studyhall's STUDYHALL_LOG_LEVEL (INFO logs every request, as "
        "deployed; WARNING leaves the access log out)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the temporary directory (database, server logs, wrk output)",
    )
    args = parser.parse_args()

    if shutil.which("wrk") is None:
        print(WRK_INSTALL, file=sys.stderr)
        return 2
    studyhall_cli = VENV_BIN / "studyhall"
    if not studyhall_cli.exists():
        print(f"{studyhall_cli} is missing: run `make install` first", file=sys.stderr)
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="studyhall-bench-"))
    data_dir = workdir / "data"
    db_path = data_dir / "studyhall.db"
    raw_log = workdir / "wrk.txt"
    # A clean environment: none of the caller's STUDYHALL_* settings (the argon2 cost above
    # all) leak in, so the run uses the production defaults.
    env = {k: v for k, v in os.environ.items() if not k.startswith("STUDYHALL_")}
    env.update(
        STUDYHALL_ENV="development",
        STUDYHALL_DATA_DIR=str(data_dir),
        STUDYHALL_LOG_LEVEL=args.log_level,
    )
    servers: list[Server] = []
    try:
        print("\n".join(machine()))
        busy = os.getloadavg()[0] > (os.cpu_count() or 1) / 2
        if busy:
            print(BUSY_WARNING)
        print(
            f"studyhall log level {args.log_level}; wrk -t2 -c{args.connections}; "
            f"login {args.login_duration} s, /me {args.duration} s per server and round, "
            f"{args.rounds} round(s)\n"
        )
        studyhall = Server(
            "studyhall", [str(studyhall_cli), "serve", "--host", HOST, "--migrate"], env, workdir
        )
        servers.append(studyhall)
        studyhall.wait_until_answering("/healthz")
        set_up_account(studyhall)
        bare = Server(
            "bare",
            [sys.executable, str(BARE_APP), "--host", HOST, "--db", str(db_path)],
            env,
            workdir,
        )
        servers.append(bare)
        bare.wait_until_answering("/api/v1/me")
        check_same_answers(studyhall, bare)

        login_lua = write_lua(
            workdir / "login.lua",
            method="POST",
            body=json.dumps({"email": EMAIL, "password": PASSWORD}),
            headers={"Content-Type": "application/json"},
        )
        print("warming up ...", flush=True)
        endpoints = [args.only] if args.only else ["login", "me"]
        for server in (studyhall, bare):
            if "me" in endpoints:
                run_wrk(
                    server.base + "/api/v1/me",
                    me_script(workdir, studyhall),
                    seconds=args.warmup,
                    connections=args.connections,
                )
            if "login" in endpoints:
                run_wrk(
                    server.base + "/api/v1/auth/login",
                    login_lua,
                    seconds=args.warmup,
                    connections=args.connections,
                )
                wait_for_quiet(db_path)

        print("measuring ...")
        results = []
        for endpoint in endpoints:
            for round_ in range(args.rounds):
                order = (studyhall, bare) if round_ % 2 == 0 else (bare, studyhall)
                for server in order:
                    if endpoint == "login":
                        script, seconds = login_lua, args.login_duration
                    else:
                        # A fresh token, so no run reaches the 5-minute bookkeeping write.
                        script, seconds = me_script(workdir, studyhall), args.duration
                    results.append(
                        measure(
                            server,
                            endpoint,
                            script,
                            seconds=seconds,
                            connections=args.connections,
                            raw_log=raw_log,
                        )
                    )
                    if endpoint == "login":
                        wait_for_quiet(db_path)

        print()
        print(table(results, endpoints))
        print(
            "\nreq/s counts 2xx answers only; the latencies cover every answered request "
            "(non-2xx too);\nsock err counts connections the server dropped or that timed "
            "out. Studyhall/bare below 1x\nin req/s, or above 1x in latency, is Studyhall's "
            "overhead over the same database work."
        )
        print(f"\nload average after the run (the run's own load included): {load_average()}")
        if busy:
            print(BUSY_WARNING)
        if any(r.errors for r in results):
            print(
                "\nWARNING: some requests failed; see the non-2xx and sock err columns"
                + (f" and {workdir}" if args.keep else " (rerun with --keep for logs)")
            )
        for server in servers:
            if server.process.poll() is not None:
                print(f"WARNING: {server.name} died during the run:\n{server.log_tail()}")
    finally:
        for server in servers:
            server.stop()
        if args.keep:
            print(f"\nkept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
