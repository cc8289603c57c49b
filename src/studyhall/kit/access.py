"""Access rules are dependencies that say who may call an endpoint.

Every API route declares exactly one rule (public, signed in, or an organisation permission);
the tenancy test walks the app's routes and fails on any route that declares none, so a route
added later cannot silently be open.
"""

from __future__ import annotations

from typing import Any


class AccessRule:
    """Marker base class of access dependencies; `describe()` names the rule for tests and docs."""

    def describe(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover
        raise NotImplementedError
