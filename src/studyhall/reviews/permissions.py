"""Who may call the reviews API: cards are personal, so whoever may take attempts in the
organisation manages their own (never API keys: a key is no learner)."""

from __future__ import annotations

from typing import Annotated

from studyhall.orgs.permissions import OrgCaller, require
from studyhall.orgs.roles import Permission

Reviewer = Annotated[OrgCaller, require(Permission.ATTEMPTS_TAKE)]
