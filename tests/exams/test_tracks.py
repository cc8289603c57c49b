from __future__ import annotations

import httpx
import pytest

from tests.factories import Person, leaf_topics, make_org, make_track, sign_up, track_payload


@pytest.fixture
async def owner(client: httpx.AsyncClient) -> Person:
    person = await sign_up(client, "owner")
    await make_org(client, person, slug="acme")
    return person


async def test_create_and_read_a_track_with_its_syllabus(
    client: httpx.AsyncClient, owner: Person
) -> None:
    track = await make_track(client, "acme", owner)
    assert [t["name"] for t in track["topics"]] == ["Architecture", "DataFrames"]
    shares = {t["name"]: t["exam_share"] for t in leaf_topics(track)}
    assert shares == {"Cluster": 30, "Execution": 30, "DataFrames": 40}
    read = await client.get(f"/api/v1/orgs/acme/tracks/{track['id']}", headers=owner.auth)
    assert read.json() == track
    assert read.headers["etag"] == '"r1"'
    listed = await client.get("/api/v1/orgs/acme/tracks", headers=owner.auth)
    assert [t["slug"] for t in listed.json()] == ["spark"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"topics": [{"name": "A", "weight": 60}, {"name": "B", "weight": 30}]}, "body.topics"),
        ({"topics": [{"name": "A", "weight": 100, "children": [
            {"name": "A1", "weight": 70}, {"name": "A2", "weight": 20}]}]},
         "body.topics.0.children"),
        ({"passing_score": 120}, "body.passing_score"),
        ({"scoring": {"kind": "scaled", "min": 100, "max": 1000}, "passing_score": 50},
         "body.passing_score"),
        ({"scoring": {"kind": "scaled", "min": 1000, "max": 100}, "passing_score": 500},
         "body.scoring.max"),
        ({"exam_length": 0}, "body.exam_length"),
        ({"navigation": "random"}, "body.navigation"),
    ],
)  # fmt: skip
async def test_inconsistent_tracks_are_refused_naming_the_field(
    client: httpx.AsyncClient, owner: Person, change: dict[str, object], field: str
) -> None:
    response = await client.post(
        "/api/v1/orgs/acme/tracks", json=track_payload(**change), headers=owner.auth
    )
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    assert (await client.get("/api/v1/orgs/acme/tracks", headers=owner.auth)).json() == []


async def test_replace_keeps_topics_by_id_and_refuses_a_stale_etag(
    client: httpx.AsyncClient, owner: Person
) -> None:
    track = await make_track(client, "acme", owner)
    dataframes = track["topics"][1]
    payload = track_payload(name="Renamed", topics=[
        {"id": dataframes["id"], "name": "DataFrame API", "weight": 100}])  # fmt: skip
    url = f"/api/v1/orgs/acme/tracks/{track['id']}"
    replaced = await client.put(url, json=payload, headers={**owner.auth, "If-Match": '"r1"'})
    assert replaced.status_code == 200, replaced.text
    assert replaced.headers["etag"] == '"r2"'
    assert replaced.json()["topics"][0]["id"] == dataframes["id"]
    assert replaced.json()["topics"][0]["name"] == "DataFrame API"
    stale = await client.put(url, json=payload, headers={**owner.auth, "If-Match": '"r1"'})
    assert stale.status_code == 412
    assert stale.json()["type"] == "urn:studyhall:problem:precondition-failed"


async def test_a_slug_is_unique_within_an_organisation(
    client: httpx.AsyncClient, owner: Person
) -> None:
    await make_track(client, "acme", owner)
    again = await client.post("/api/v1/orgs/acme/tracks", json=track_payload(), headers=owner.auth)
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "body.slug"


async def test_track_changes_are_audited(client: httpx.AsyncClient, owner: Person) -> None:
    track = await make_track(client, "acme", owner)
    await client.delete(f"/api/v1/orgs/acme/tracks/{track['id']}", headers=owner.auth)
    log = await client.get("/api/v1/orgs/acme/audit?action=track.", headers=owner.auth)
    assert [e["action"] for e in log.json()["items"]] == ["track.deleted", "track.created"]
