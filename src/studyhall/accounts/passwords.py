"""Password policy and hashing (argon2id)."""

from __future__ import annotations

from functools import lru_cache

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
# argon2 hashes whatever it is given; a cap stops a megabyte "password" from costing CPU.
MAX_LENGTH = 256

_hasher = PasswordHasher()  # argon2id with RFC 9106's second recommended parameters


def configure_hasher(*, time_cost: int, memory_cost_kib: int, parallelism: int) -> None:
    """Set the argon2id cost (tests lower it; production keeps the defaults or raises them)."""
    global _hasher
    _hasher = PasswordHasher(
        time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism
    )
    dummy_hash.cache_clear()


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    # zxcvbn ships a ranked list of the 30,000 most common leaked passwords; we keep our own
    # rule (length, not common, not the email) and use only its list.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def policy_violations(password: str, *, email: str) -> list[str]:
    """Why this password is refused for this account; empty when it is acceptable."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"must be at least {MIN_LENGTH} characters long")
    if len(password) > MAX_LENGTH:
        problems.append(f"must be at most {MAX_LENGTH} characters long")
    folded = password.strip().casefold()
    if folded in _common_passwords():
        problems.append("is one of the most common passwords; choose another")
    email_folded = email.strip().casefold()
    if folded and (folded == email_folded or folded == email_folded.split("@", 1)[0]):
        problems.append("must not be your email address")
    return problems


# argon2 is CPU and memory heavy (64 MiB a hash by default): run it off the event loop, two
# at a time, so a burst of sign-ins neither stalls other requests nor exhausts memory.
_argon2_slots = anyio.CapacityLimiter(2)


async def hash_password_async(password: str) -> str:
    return await anyio.to_thread.run_sync(hash_password, password, limiter=_argon2_slots)


async def verify_password_async(password_hash: str, password: str) -> bool:
    return await anyio.to_thread.run_sync(
        verify_password, password_hash, password, limiter=_argon2_slots
    )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# Verified against when the account does not exist, so a wrong email costs as much time as a
# wrong password and response times do not reveal which accounts exist.
@lru_cache(maxsize=1)
def dummy_hash() -> str:
    return _hasher.hash("not-a-real-password-for-timing")
