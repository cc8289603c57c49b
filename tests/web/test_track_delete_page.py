"""Deleting a track from the tracks page: a confirmation step (a page, so it holds without
JavaScript), then the track is gone and the deletion audited as through the API; a track
with questions is refused with the API's reason on the page, not an error page; a learner is
refused."""

from __future__ import annotations

import httpx

from tests.factories import make_track
from tests.web.conftest import School
from tests.web.helpers import browser_sign_in, post_form

TRACKS = "/o/school/tracks"


async def test_an_empty_track_is_deleted_after_confirming(
    client: httpx.AsyncClient, school: School
) -> None:
    spare = await make_track(client, "school", school.owner, slug="spare", name="Spare one")
    await browser_sign_in(client, school.author.email)
    listed = await client.get(TRACKS)
    confirm = f"{TRACKS}/{spare['id']}/delete"
    assert f'href="{confirm}"' in listed.text

    asked = await client.get(confirm)
    assert asked.status_code == 200
    assert "Spare one" in asked.text
    assert f'action="{confirm}"' in asked.text
    assert (
        await client.get(f"/api/v1/orgs/school/tracks/{spare['id']}", headers=school.owner.auth)
    ).status_code == 200

    deleted = await post_form(client, confirm, {})
    assert deleted.status_code == 303, deleted.text
    after = await client.get(deleted.headers["location"])
    assert "The track “Spare one” is deleted." in after.text
    assert spare["id"] not in after.text
    gone = await client.get(f"/api/v1/orgs/school/tracks/{spare['id']}", headers=school.owner.auth)
    assert gone.status_code == 404
    audit = await client.get(
        "/api/v1/orgs/school/audit", params={"action": "track.deleted"}, headers=school.owner.auth
    )
    assert [e["target_id"] for e in audit.json()["items"]] == [spare["id"]]


async def test_a_track_with_questions_is_refused_with_the_reason(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.owner.email)
    confirm = f"{TRACKS}/{school.track['id']}/delete"
    refused = await post_form(client, confirm, {})
    assert refused.status_code == 409
    assert 'id="delete-refused"' in refused.text
    assert "retire or move them first" in refused.text
    kept = await client.get(
        f"/api/v1/orgs/school/tracks/{school.track['id']}", headers=school.owner.auth
    )
    assert kept.status_code == 200


async def test_a_learner_cannot_delete_a_track(client: httpx.AsyncClient, school: School) -> None:
    spare = await make_track(client, "school", school.owner, slug="spare")
    await browser_sign_in(client, school.learner.email)
    confirm = f"{TRACKS}/{spare['id']}/delete"
    assert (await client.get(confirm)).status_code == 403
    assert (await post_form(client, confirm, {}, page="/o/school")).status_code == 403
    kept = await client.get(f"/api/v1/orgs/school/tracks/{spare['id']}", headers=school.owner.auth)
    assert kept.status_code == 200
