"""Demo content: an organisation with one account per role, two practice tracks with their
published questions, and a study plan for the learner, so a new install can be tried at once."""

from __future__ import annotations

from collections.abc import Callable

from studyhall.accounts import service as accounts
from studyhall.demo.loader import bundled_tracks, load_track
from studyhall.kit.context import Context
from studyhall.orgs import service as orgs
from studyhall.orgs.roles import Role
from studyhall.planning.demo import give_demo_plan

DEMO_SLUG = "demo"
DEMO_NAME = "Studyhall Demo"
DEMO_DOMAIN = "demo.example.org"  # RFC 2606: never a real mailbox


async def create(ctx: Context, *, password_factory: Callable[[], str]) -> dict[str, str] | None:
    """Create the demo organisation and its people; None if it exists already.

    Returns email -> password, to be shown once: only the hashes are kept.
    """
    if await orgs.get_org_by_slug(ctx, DEMO_SLUG) is not None:
        return None
    credentials: dict[str, str] = {}
    people = {}
    for role in Role:
        email = f"{role.value}@{DEMO_DOMAIN}"
        password = password_factory()
        people[role] = await accounts.register(
            ctx, email=email, password=password, display_name=f"Demo {role.value.title()}"
        )
        credentials[email] = password
    owner = people[Role.OWNER]
    as_owner = ctx.acting_as(user_id=owner.id)
    org = await orgs.create_org(as_owner, owner=owner, slug=DEMO_SLUG, name=DEMO_NAME)
    for role, user in people.items():
        if role != Role.OWNER:
            await orgs.add_member(as_owner, org, user, role)
    loaded = [
        await load_track(
            ctx, org, track, author_id=people[Role.AUTHOR].id, reviewer_id=people[Role.REVIEWER].id
        )
        for track in bundled_tracks()
    ]
    # The learner starts with a goal for the first track and the plan made from it.
    await give_demo_plan(ctx, org, people[Role.LEARNER].id, loaded[0].track_id)
    return credentials
