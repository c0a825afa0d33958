"""Staff names are personal data for `reporter`: one rule, applied by every service.

The rule. A staff member's name (a project team member's `display_name`, an engagement's
`facilitator`, an engagement plan's `owner`, who validated a benefit value) is personal data.
Colleagues (every role but `reporter`: viewer, contributor, evaluator, governance, admin, and other
services) see it, because working together needs it. A reporter reads and exports for reports and
never sees it: the name is served as `null`, while roles, dates, counts and the token subject stay.
A token subject is the identity provider's opaque, pseudonymous `sub` (deployments must not use
e-mail addresses as subjects), so it is an id, not a name. A caller holding `reporter` and any
other role is a colleague. Names never appear in audit entries or change events either
(`__audit_redact__`), so the change feed a reporter may read carries none.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from pydantic import BaseModel

from shared.auth import Principal, Role
from shared.pagination import Page

ModelT = TypeVar("ModelT", bound=BaseModel)


def sees_staff_names(principal: Principal) -> bool:
    """False for a caller whose only known role is `reporter`."""
    return bool(principal.roles - {str(Role.reporter)})


def without_staff_names(principal: Principal, model: ModelT, fields: Iterable[str]) -> ModelT:
    """`model` (one record, or a `Page` of them) as `principal` may see it: the staff-name
    `fields` set to None for a reporter. Each must be nullable in the response model, and its
    description should say so."""
    if sees_staff_names(principal):
        return model
    hidden = dict.fromkeys(fields)
    if isinstance(model, Page):
        items = [item.model_copy(update=hidden) for item in model.items]
        return model.model_copy(update={"items": items})
    return model.model_copy(update=hidden)
