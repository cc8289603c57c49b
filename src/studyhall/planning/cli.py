"""`studyhall plan show --user EMAIL --track SLUG`: a learner's plan for operators."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID
from zoneinfo import ZoneInfo

import click
from sqlalchemy import select

from studyhall.accounts import service as accounts
from studyhall.exams.models import Topic, Track
from studyhall.kit.context import Context
from studyhall.kit.tenancy import across_orgs, scoped
from studyhall.ops.command_line import in_unit_of_work, load_settings
from studyhall.orgs.models import Membership, Org
from studyhall.planning import service
from studyhall.planning.models import PlanBlock, StudyGoal, StudyPlan, StudyProfile


@click.group("plan")
def plan_group() -> None:
    """Look at learners' study plans."""


@plan_group.command("show")
@click.option("--user", "email", required=True, help="The learner's email.")
@click.option("--track", "track_slug", required=True, help="The slug of the goal's track.")
@click.option("--org", "org_slug", help="The organisation (when the slug is in several).")
def plan_show(email: str, track_slug: str, org_slug: str | None) -> None:
    """Print the learner's plan for that track: its days, blocks and their status, and why a
    goal does not fit (shortfalls) or which topics were left out."""

    async def work(ctx: Context) -> str:
        user = await accounts.get_user_by_email(ctx, email)
        if user is None:
            raise click.ClickException(f"no account with the email {email}")
        org, track = await _track_of(ctx, user.id, track_slug, org_slug)
        plan = await service.get_plan(ctx, org, user.id)
        if plan is None:
            raise click.ClickException(f"{email} has no plan in {org.slug}")
        profile = await service.get_profile(ctx, org, user.id)
        assert profile is not None  # a plan is made from a profile
        goals = [g for g in await service.list_goals(ctx, org, user.id) if g.track_id == track.id]
        if not goals:
            raise click.ClickException(f"{email} has no goal for the track {track_slug}")
        rows = await service.plan_blocks(ctx, org, plan)
        names = {
            t.id: t.name
            for t in (
                await ctx.session.scalars(scoped(Topic, org.id).where(Topic.track_id == track.id))
            )
        }
        return render(plan, profile, track, goals, rows, names)

    click.echo(in_unit_of_work(load_settings(), work), nl=False)


async def _track_of(
    ctx: Context, user_id: UUID, slug: str, org_slug: str | None
) -> tuple[Org, Track]:
    """The track of this slug in an organisation the user belongs to."""
    query = (
        across_orgs(Track, reason="an operator names a track by slug; its org is found here")
        .join(Membership, Membership.org_id == Track.org_id)
        .where(Track.slug == slug, Membership.user_id == user_id)
    )
    found = list((await ctx.session.scalars(query)).all())
    orgs = {o.id: o for o in (await ctx.session.scalars(select(Org))).all()} if found else {}
    if org_slug is not None:
        found = [t for t in found if orgs[t.org_id].slug == org_slug]
    if not found:
        raise click.ClickException(f"the learner belongs to no organisation with a track {slug}")
    if len(found) > 1:
        raise click.ClickException("several organisations have this track: give --org")
    return orgs[found[0].org_id], found[0]


def render(
    plan: StudyPlan,
    profile: StudyProfile,
    track: Track,
    goals: Sequence[StudyGoal],
    rows: Sequence[PlanBlock],
    names: dict[UUID, str],
) -> str:
    """The plan as text: header, goals, shortfalls and left-out topics, then day by day."""
    goal_ids = {g.id for g in goals}
    zone = ZoneInfo(profile.time_zone)
    lines = [
        f"Plan revision {plan.revision}, made {plan.generated_at:%Y-%m-%d %H:%M} UTC",
        f"Why: {plan.reason}",
        f"Time zone {profile.time_zone}; {'final stretch' if plan.final_stretch else 'full plan'}",
    ]
    for goal in goals:
        lines.append(
            f"Goal: {track.name} on {goal.exam_date} "
            f"(target {goal.target_score:g} %, {goal.status})"
        )
    for short in plan.shortfalls:
        if UUID(short["goal_id"]) in goal_ids:
            lines.append(
                f"Shortfall: needs {service.duration(short['needed_minutes'])}, "
                f"{service.duration(short['available_minutes'])} available"
            )
            lines.extend(f"  - {s}" for s in short["suggestions"])
    for left in plan.left_out:
        if UUID(left["goal_id"]) in goal_ids:
            topic = names.get(UUID(left["topic_id"]), left["topic_id"])
            lines.append(f"Left out: {topic}: {left['reason']}")
    day: date | None = None
    for block in rows:
        if block.goal_id is not None and block.goal_id not in goal_ids:
            continue  # another exam's block
        if block.day != day:
            day = block.day
            lines.append(f"{day:%Y-%m-%d %a}")
        local = block.starts_at.astimezone(zone)
        what = names.get(block.topic_id, "") if block.topic_id else ""
        done = f" ({block.done_minutes} min done)" if block.status in ("done", "partial") else ""
        lines.append(
            f"  {local:%H:%M} {block.kind:<10} {block.minutes:>4} min  {block.status:<8}"
            f"{done} {what}".rstrip()
        )
    return "\n".join(lines) + "\n"
