"""`InstanceAdmin`: the access rule of the instance-wide job routes (site administrators,
made with `studyhall createuser --admin`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from studyhall.accounts.permissions import Caller, resolve_user
from studyhall.kit.access import AccessRule
from studyhall.kit.context import Context
from studyhall.kit.errors import Forbidden, Unauthenticated
from studyhall.kit.transaction import request_context


class InstanceAdminRule(AccessRule):
    def describe(self) -> str:
        return "instance-admin"

    async def __call__(
        self, request: Request, ctx: Annotated[Context, Depends(request_context)]
    ) -> Caller:
        caller = await resolve_user(request, ctx)
        if caller is None:
            raise Unauthenticated("Sign in, or send a valid `Authorization: Bearer` token.")
        if not caller.user.is_superuser:
            raise Forbidden("Only site administrators may see and steer the job queue.")
        return caller


InstanceAdmin = Annotated[Caller, Depends(InstanceAdminRule())]
