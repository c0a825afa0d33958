"""Machine clients: the client table (audited) and its usage row (not audited)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import ClassVar

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from integrations_service.db import Base
from shared.changes import Audited
from shared.db import IdMixin, JSONDocument, TimestampMixin, UTCDateTime, VersionedMixin


class OAuthClient(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """A machine client (a reporting job, an integration). Its id is the OAuth `client_id` and
    the `sub` of its tokens. Secrets are kept only as SHA-256 hex digests: a secret is 256
    random bits, so no guess or precomputation can reach it and a slow KDF would add nothing
    but cost per token request. The digests are still redacted from the audit and the feed."""

    __tablename__ = "oauth_client"
    __audit_redact__: ClassVar[frozenset[str]] = frozenset({"secret_hash", "previous_secret_hash"})

    name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSONDocument)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    secret_hash: Mapped[str] = mapped_column(String(64))
    secret_rotated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # After a rotation the previous secret also authenticates until this instant (overlap).
    previous_secret_hash: Mapped[str | None] = mapped_column(String(64))
    previous_secret_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(200))


class OAuthClientUsage(Base):
    """When a client last got a token. Apart from the audited row: every token would otherwise
    write an audit entry and a feed event."""

    __tablename__ = "oauth_client_usage"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("oauth_client.id", ondelete="CASCADE"), primary_key=True
    )
    last_used_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
