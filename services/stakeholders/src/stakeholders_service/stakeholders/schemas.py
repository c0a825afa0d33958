"""Two representations of a stakeholder, chosen per caller (see `access.py`):

- `StakeholderPersonal` (`view: personal`): names, contact details and other personal fields;
  only for admins, the relationship owner and the linked projects' teams.
- `StakeholderRestricted` (`view: restricted`): ids, kind, category, organisation and status;
  the personal fields are absent from the JSON, not null.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.types import Bool, InputModel, NotBlank, omittable
from stakeholders_service.stakeholders.models import (
    PreferredChannel,
    RoleInProject,
    StakeholderCategory,
    StakeholderKind,
    StakeholderStatus,
)

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NotBlank()
]
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), NotBlank()
]
Subject = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NotBlank()
]
# No `\s` here: Python's and ECMAScript's `\s` differ (\x1c-\x1f, \x85, \ufeff), so a client
# validating against the published JSON Schema would accept what we refuse. Spelled out, the class
# means the same in both: no "@", no control character, no space of any kind.
_EMAIL_PART = r"[^@\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+"
EMAIL_PATTERN = rf"^{_EMAIL_PART}@{_EMAIL_PART}\.{_EMAIL_PART}$"
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254, pattern=EMAIL_PATTERN)
]
# First and last characters are not spaces, so stripping never turns a value that matches the
# published pattern into one that does not (6 to 40 characters after an optional "+").
PHONE_PATTERN = r"^\+?[0-9()-][0-9 ()-]{4,38}[0-9()-]$"
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=PHONE_PATTERN)]


class ContactWrite(InputModel):
    """Replaces the contact details as a whole (PUT)."""

    email: Email | None = None
    phone: Phone | None = None
    postal_address: str | None = Field(None, max_length=500)
    preferred_channel: PreferredChannel | None = None
    accessibility_needs: str | None = Field(None, max_length=2000)


class ContactRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    email: str | None
    phone: str | None
    postal_address: str | None
    preferred_channel: PreferredChannel | None
    accessibility_needs: str | None
    updated_at: dt.datetime


class StakeholderCreate(InputModel):
    kind: StakeholderKind
    display_name: Name
    category: StakeholderCategory
    organisation_id: uuid.UUID | None = None
    is_public_contributor: Bool = False
    external_ref: str | None = Field(None, max_length=120)
    under_served_group_codes: list[Code] = Field(default_factory=list, max_length=20)
    contact: ContactWrite | None = None


class StakeholderPatch(InputModel):
    """JSON merge patch. `status` moves between `active` and `inactive` only (erasure is its
    own operation)."""

    display_name: Name = omittable()
    kind: StakeholderKind = omittable()
    category: StakeholderCategory = omittable()
    organisation_id: uuid.UUID | None = None
    is_public_contributor: Bool = omittable()
    status: Literal[StakeholderStatus.active, StakeholderStatus.inactive] = omittable()
    external_ref: str | None = Field(None, max_length=120)
    under_served_group_codes: list[Code] | None = Field(None, max_length=20)


class _StakeholderCore(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: StakeholderKind
    category: StakeholderCategory
    organisation_id: uuid.UUID | None
    is_public_contributor: bool
    status: StakeholderStatus
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class StakeholderRestricted(_StakeholderCore):
    view: Literal["restricted"] = "restricted"


class StakeholderPersonal(_StakeholderCore):
    view: Literal["personal"] = "personal"
    display_name: str | None
    external_ref: str | None
    under_served_group_codes: list[str]
    contactable: bool = Field(
        description="True when a current `contact_for_engagement` consent allows contact."
    )
    contact: ContactRead | None = Field(
        description="Contact details, served only while the person may be contacted."
    )
    erased_at: dt.datetime | None
    created_by: str | None


StakeholderView = Annotated[
    StakeholderPersonal | StakeholderRestricted, Field(discriminator="view")
]


class LinkCreate(InputModel):
    project_id: uuid.UUID
    role_in_project: RoleInProject
    relationship_owner: Subject = Field(description="The owning team member's token subject.")
    boundary_partner_id: uuid.UUID | None = None


class LinkPatch(InputModel):
    relationship_owner: Subject = omittable()
    boundary_partner_id: uuid.UUID | None = None


class LinkRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    stakeholder_id: uuid.UUID
    project_id: uuid.UUID
    role_in_project: RoleInProject
    boundary_partner_id: uuid.UUID | None
    relationship_owner: str
    orphaned_on: dt.date | None = Field(
        description="When set, the owner's last role on the project ended that day and they "
        "owned this relationship alone: name a new `relationship_owner` (PATCH) to clear it."
    )
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
