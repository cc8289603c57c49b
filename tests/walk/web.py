"""Tenancy walk plugin: the web app's pages.

Pages declare the API's rules; a caller the API would answer 401 is sent to the sign-in page
(303) instead, which the walk checks. Forms carry the CSRF token of the walk's browser
cookie (callers with a bearer token need none).
"""

from __future__ import annotations

import re
import uuid

from tests.factories import PASSWORD
from tests.walk.search_media import Upload, png
from tests.walk.world import Entries, FormBody, World

ORG = "/o/{org}"
ATTEMPT = ORG + "/attempts/{attempt_id}"
QUESTION = ORG + "/questions/{question_id}"
ADMIN = ORG + "/admin"
TRACK_IMPORTS = ORG + "/tracks/{track_id}/imports/{import_id}"
HOOK = ADMIN + "/webhooks/{webhook_id}"
DELIVERY = HOOK + "/deliveries/{delivery_id}"
HOOKS_MANAGE = "org:webhooks:manage"


def _hook(w: World) -> dict[str, str]:
    return {"webhook_id": w.ids["webhook"]}  # made by the events plugin, with a queued ping


def _delivery(w: World) -> dict[str, str]:
    return {"webhook_id": w.ids["webhook"], "delivery_id": w.ids["delivery"]}


def form(w: World, **fields: str) -> FormBody:
    return FormBody(csrf_token=w.ids["csrf"], **fields)


def image_form(w: World) -> Upload:
    """The images page's multipart form, as a browser without JavaScript sends it."""
    return Upload(
        {"file": ("walk.png", png("olive"), "image/png"), "csrf_token": (None, w.ids["csrf"])}
    )


def upload_form(w: World) -> Upload:
    """The import page's multipart form: a small GIFT file, checked only (a dry run)."""
    gift = b"Which walk page question is this? {=The uploaded one ~Another}\n"
    return Upload(
        {
            "file": ("walk.gift", gift),
            "csrf_token": (None, w.ids["csrf"]),
            "dry_run": (None, "true"),
        }
    )


ENTRIES: Entries = {
    ("GET", "/"): ("public", lambda w: ({}, None)),
    ("GET", "/sign-up"): ("public", lambda w: ({}, None)),
    ("POST", "/sign-up"): ("public", lambda w: ({}, form(
        w, email=f"new-{uuid.uuid4().hex[:6]}@example.com", password=PASSWORD,
        display_name="New"))),
    ("POST", "/sign-up/password-rules"): (
        "public", lambda w: ({}, form(w, password="x", email="a@example.com"))),
    ("GET", "/sign-in"): ("public", lambda w: ({}, None)),
    ("POST", "/sign-in"): (
        "public", lambda w: ({}, form(w, email=w.target.email, password=PASSWORD))),
    ("POST", "/sign-out"): ("signed-in", lambda w: ({}, form(w))),
    ("GET", "/invitations/accept"): (
        "public", lambda w: ({"?": f"token={w.invitation_token}"}, None)),
    ("POST", "/invitations/accept"): (
        "signed-in", lambda w: ({}, form(w, token=w.invitation_token))),
    ("GET", "/dashboard"): ("signed-in", lambda w: ({}, None)),
    ("POST", "/orgs/new"): ("signed-in", lambda w: ({}, form(
        w, name="Walk School", slug=f"walk-{uuid.uuid4().hex[:6]}"))),
    ("GET", ORG): ("org:attempts:take", lambda w: ({}, None)),
    ("GET", ORG + "/tracks/{track_id}/start"): (
        "org:attempts:take", lambda w: ({"track_id": w.ids["track"]}, None)),
    ("POST", ORG + "/tracks/{track_id}/start"): (
        "org:attempts:take",
        lambda w: ({"track_id": w.ids["track"]}, form(w, mode="practice", count="1"))),
    ("GET", ORG + "/attempts"): ("org:attempts:take", lambda w: ({}, None)),
    ("GET", ORG + "/mistakes"): ("org:attempts:take", lambda w: ({}, None)),
    ("GET", ATTEMPT): ("org:attempts:take", lambda w: ({"attempt_id": w.ids["attempt"]}, None)),
    ("POST", ATTEMPT + "/submit"): (
        "org:attempts:take", lambda w: ({"attempt_id": w.ids["attempt"]}, form(w))),
    ("GET", ATTEMPT + "/result"): (
        "org:attempts:take", lambda w: ({"attempt_id": w.ids["submitted_attempt"]}, None)),
    ("GET", ATTEMPT + "/review"): (
        "org:attempts:take", lambda w: ({"attempt_id": w.ids["submitted_attempt"]}, None)),
    ("GET", ATTEMPT + "/feedback/{position}"): (
        "org:attempts:take", lambda w: ({"attempt_id": w.ids["attempt"], "position": "1"}, None)),
    ("GET", ORG + "/questions"): ("org:questions:read", lambda w: ({"?": "q=question"}, None)),
    ("GET", ORG + "/media"): ("org:questions:read", lambda w: ({}, None)),
    ("POST", ORG + "/media"): ("org:questions:write", lambda w: ({}, image_form(w))),
    ("GET", ORG + "/tracks/{track_id}/questions/new"): (
        "org:questions:write", lambda w: ({"track_id": w.ids["track"]}, None)),
    ("POST", ORG + "/tracks/{track_id}/questions/new"): (
        "org:questions:write", lambda w: ({"track_id": w.ids["track"]}, form(
            w, type="true_false", topic_id=w.ids["topic"], stem="New", explanation="Why",
            tf_correct="true"))),
    ("GET", QUESTION): ("org:questions:read", lambda w: ({"question_id": w.ids["question"]}, None)),
    ("GET", QUESTION + "/edit"): (
        "org:questions:write", lambda w: ({"question_id": w.ids["spare_question"]}, None)),
    ("POST", QUESTION + "/edit"): (
        "org:questions:write", lambda w: ({"question_id": w.ids["spare_question"]}, form(
            w, type="true_false", topic_id=w.ids["topic"], stem="Edited", explanation="Why",
            tf_correct="false"))),
    ("GET", QUESTION + "/versions"): (
        "org:questions:read", lambda w: ({"question_id": w.ids["question"]}, None)),
    ("POST", QUESTION + "/submit"): (
        "org:questions:write", lambda w: ({"question_id": w.ids["spare_question"]}, form(w))),
    ("POST", QUESTION + "/retire"): (
        "org:questions:write", lambda w: ({"question_id": w.ids["spare_question"]}, form(w))),
    ("POST", QUESTION + "/approve"): (
        "org:questions:review", lambda w: ({"question_id": w.ids["draft_question"]}, form(w))),
    ("POST", QUESTION + "/send-back"): (
        "org:questions:review",
        lambda w: ({"question_id": w.ids["draft_question"]}, form(w, comment="Cite a source."))),
    ("POST", ORG + "/preview"): ("org:questions:write", lambda w: ({}, form(w, stem="*Hi*"))),
    ("GET", ORG + "/review"): ("org:questions:review", lambda w: ({}, None)),
    ("GET", ORG + "/tracks"): ("org:tracks:manage", lambda w: ({}, None)),
    ("GET", ORG + "/tracks/new"): ("org:tracks:manage", lambda w: ({}, None)),
    ("POST", ORG + "/tracks/new"): ("org:tracks:manage", lambda w: ({}, form(
        w, name="New track", slug=f"t-{uuid.uuid4().hex[:6]}", exam_length="5",
        time_limit_minutes="10", passing_score="70", navigation="free", scoring="percent",
        topics="Only | 100"))),
    ("GET", ORG + "/tracks/{track_id}/edit"): (
        "org:tracks:manage", lambda w: ({"track_id": w.ids["spare_track"]}, None)),
    ("POST", ORG + "/tracks/{track_id}/edit"): (
        "org:tracks:manage", lambda w: ({"track_id": w.ids["spare_track"]}, form(
            w, name="Spare", slug="spare", exam_length="5", time_limit_minutes="10",
            passing_score="70", navigation="free", scoring="percent",
            topics="Architecture | 60\n  Cluster | 50\n  Execution | 50\nDataFrames | 40"))),
    ("GET", ORG + "/tracks/{track_id}/syllabus/import"): (
        "org:tracks:manage", lambda w: ({"track_id": w.ids["spare_track"]}, None)),
    ("POST", ORG + "/tracks/{track_id}/syllabus/import"): (
        "org:tracks:manage", lambda w: ({"track_id": w.ids["spare_track"]}, form(
            w, step="read", text="DIREITO\n1 Penal"))),
    ("GET", ORG + "/tracks/{track_id}/delete"): (
        "org:tracks:manage", lambda w: ({"track_id": w.ids["spare_track"]}, None)),
    ("POST", ORG + "/tracks/{track_id}/delete"): (
        "org:tracks:manage", lambda w: ({"track_id": w.ids["spare_track"]}, form(w))),
    ("GET", ORG + "/tracks/{track_id}/import"): (
        "org:questions:write", lambda w: ({"track_id": w.ids["track"]}, None)),
    ("POST", ORG + "/tracks/{track_id}/import"): (
        "org:questions:write", lambda w: ({"track_id": w.ids["track"]}, upload_form(w))),
    ("GET", ORG + "/tracks/{track_id}/export"): (
        "org:questions:read",
        lambda w: ({"track_id": w.ids["track"], "?": "format=gift&topic=&tag=&q="}, None)),
    ("GET", TRACK_IMPORTS): (
        "org:questions:write",
        lambda w: ({"track_id": w.ids["track"], "import_id": w.ids["import"]}, None)),
    # The walk's import is queued (no worker runs), so this sends the author back to it.
    ("POST", TRACK_IMPORTS + "/run"): (
        "org:questions:write",
        lambda w: ({"track_id": w.ids["track"], "import_id": w.ids["import"]}, form(w))),
    ("POST", TRACK_IMPORTS + "/retry"): (
        "org:questions:write",
        lambda w: (
            {"track_id": w.ids["track"], "import_id": w.ids["import"]},
            form(w, default_topic=w.ids["topic"]),
        ),
    ),
    ("GET", "/invite"): ("public", lambda w: ({}, None)),
    ("GET", ADMIN + "/members"): ("org:members:read", lambda w: ({}, None)),
    ("POST", ADMIN + "/members/{user_id}/role"): (
        "org:members:manage", lambda w: ({"user_id": w.target.id}, form(w, role="instructor"))),
    ("POST", ADMIN + "/members/{user_id}/remove"): (
        "org:members:manage", lambda w: ({"user_id": w.target.id}, form(w))),
    ("GET", ADMIN + "/invitations"): ("org:invitations:manage", lambda w: ({}, None)),
    ("POST", ADMIN + "/invitations"): (
        "org:invitations:manage",
        lambda w: ({}, form(w, email="someone@example.com", role="learner"))),
    ("POST", ADMIN + "/invitations/{invitation_id}/revoke"): (
        "org:invitations:manage", lambda w: ({"invitation_id": w.invitation_id}, form(w))),
    ("GET", ADMIN + "/settings"): ("org:org:update", lambda w: ({}, None)),
    ("POST", ADMIN + "/settings"): ("org:org:update", lambda w: ({}, form(w, name="Renamed"))),
    ("GET", ADMIN + "/api-keys"): ("org:api_keys:manage", lambda w: ({}, None)),
    ("POST", ADMIN + "/api-keys"): (
        "org:api_keys:manage", lambda w: ({}, form(w, name="robot", scopes="org:read"))),
    ("POST", ADMIN + "/api-keys/{key_id}/revoke"): (
        "org:api_keys:manage", lambda w: ({"key_id": w.key_id}, form(w))),
    ("GET", ADMIN + "/audit"): ("org:audit:read", lambda w: ({"?": "action=member."}, None)),
    ("GET", ADMIN + "/webhooks"): (HOOKS_MANAGE, lambda w: ({}, None)),
    ("POST", ADMIN + "/webhooks"): (HOOKS_MANAGE, lambda w: ({}, form(
        w, url="https://page-receiver.example.com/in", event_types="member.added"))),
    ("GET", HOOK): (HOOKS_MANAGE, lambda w: (_hook(w), None)),
    ("POST", HOOK): (HOOKS_MANAGE, lambda w: (_hook(w), form(
        w, url="https://page-receiver.example.com/in", event_types="*"))),
    ("POST", HOOK + "/enabled"): (HOOKS_MANAGE, lambda w: (_hook(w), form(w, enabled="false"))),
    ("POST", HOOK + "/ping"): (HOOKS_MANAGE, lambda w: (_hook(w), form(w))),
    ("POST", HOOK + "/rotate-secret"): (HOOKS_MANAGE, lambda w: (_hook(w), form(w))),
    ("POST", HOOK + "/remove"): (HOOKS_MANAGE, lambda w: (_hook(w), form(w))),
    ("GET", DELIVERY): (HOOKS_MANAGE, lambda w: (_delivery(w), None)),
    ("POST", DELIVERY + "/redeliver"): (HOOKS_MANAGE, lambda w: (_delivery(w), form(w))),
    # The job queue: site administrators only (no caller of the walk is one).
    ("GET", "/admin/jobs"): ("instance-admin", lambda w: ({}, None)),
    ("POST", "/admin/jobs/dead-letters/{dead_letter_id}/requeue"): (
        "instance-admin", lambda w: ({"dead_letter_id": "1"}, form(w))),
}  # fmt: skip

PERSONAL = {404}  # attempts are the learner's own; everyone else is told they do not exist
ALLOWED_REFUSALS = {
    ("POST", "/invitations/accept"): {403},  # the invitation is for invitee@example.com
    ("GET", ATTEMPT): PERSONAL,
    ("POST", ATTEMPT + "/submit"): PERSONAL,
    ("GET", ATTEMPT + "/result"): PERSONAL,
    ("GET", ATTEMPT + "/review"): PERSONAL,
    # The walk's attempt gives no instant feedback, so its owner is told there is none too.
    ("GET", ATTEMPT + "/feedback/{position}"): PERSONAL,
    # The walk's delivery is a ping nobody has sent yet: sending it again is refused.
    ("POST", DELIVERY + "/redeliver"): {409},
}


async def extend(world: World) -> None:
    """The walk's browser gets its CSRF cookie, and the token its forms carry."""
    page = await world.client.get("/sign-in")
    found = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert found, page.text[:300]
    world.ids["csrf"] = found.group(1)
