"""Standard Webhooks signing: `whsec_` secrets and the `webhook-*` headers of one attempt."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from collections.abc import Sequence

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)


def new_secret() -> str:
    """A 256-bit random secret, as Standard Webhooks spells it (`whsec_` + base64)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def message_id(delivery_id: object) -> str:
    """The `webhook-id`: the delivery's, so every retry and redelivery carries the same one."""
    return f"msg_{getattr(delivery_id, 'hex', delivery_id)}"


def signed_headers(
    signing_secrets: Sequence[str], *, msg_id: str, timestamp: dt.datetime, body: str
) -> dict[str, str]:
    """The headers of one attempt; during a rotation's overlap one `v1,` signature per secret,
    space-separated (the specification's way to let receivers switch secrets)."""
    signatures = " ".join(
        Webhook(secret).sign(msg_id, timestamp, body) for secret in signing_secrets
    )
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
    }
