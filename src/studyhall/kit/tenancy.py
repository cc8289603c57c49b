"""The one place tenant-owned rows are queried from.

Every table with an `org_id` column is tenant-owned. Queries on them start here, so the
organisation filter cannot be forgotten; a test parses the source tree and fails when a
`select()`, `update()` or `delete()` of a tenant-owned model is written anywhere else.
"""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import BindParameter, Delete, Select, Update, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from studyhall.kit.errors import NotFound

M = TypeVar("M")


def _org_column(model: Any) -> Any:
    column = getattr(model, "org_id", None)
    if column is None:
        raise TypeError(f"{model.__name__} is not tenant-owned (it has no org_id)")
    return column


def scoped(model: type[M], org_id: UUID | BindParameter[Any]) -> Select[M]:
    """`SELECT model WHERE org_id = :org_id`; add further filters to the result. The org may
    be a `bindparam` when a hot statement is built once and run with the org's id."""
    return select(model).where(_org_column(model) == org_id)


def scoped_delete(model: type[M], org_id: UUID) -> Delete:
    return delete(model).where(_org_column(model) == org_id)


def scoped_update(model: type[M], org_id: UUID) -> Update:
    """`UPDATE model … WHERE org_id = :org_id`: a set-based change that loads no rows."""
    return update(model).where(_org_column(model) == org_id)


async def get_scoped(
    session: AsyncSession, model: type[M], org_id: UUID, object_id: Any, *, what: str
) -> M:
    """The object with this id in this organisation, or 404: no hint that it exists elsewhere."""
    query = scoped(model, org_id).where(model.id == object_id)  # type: ignore[attr-defined]
    found: M | None = await session.scalar(query)
    if found is None:
        raise NotFound(f"No such {what}.")
    return found


def across_orgs(model: type[M], *, reason: str) -> Select[M]:
    """A deliberate query over every organisation (a user's own memberships, a key's lookup).

    The reason is required so each such query says, where it is written, why it may cross.
    """
    if not reason.strip():
        raise ValueError("say why this query may cross organisations")
    return select(model)


def across_orgs_delete(model: type[M], *, reason: str) -> Delete:
    """A deliberate delete over every organisation (housekeeping pruning expired rows)."""
    if not reason.strip():
        raise ValueError("say why this delete may cross organisations")
    _org_column(model)
    return delete(model)


def across_orgs_update(model: type[M], *, reason: str) -> Update:
    """A deliberate update over every organisation (the dispatcher marking events sent)."""
    if not reason.strip():
        raise ValueError("say why this update may cross organisations")
    _org_column(model)
    return update(model)
