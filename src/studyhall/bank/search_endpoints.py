"""HTTP for search."""

from __future__ import annotations

from fastapi import APIRouter

from studyhall.kit.transaction import TransactionalRoute

router = APIRouter(prefix="/api/v1", tags=["search"], route_class=TransactionalRoute)
