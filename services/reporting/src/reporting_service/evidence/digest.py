"""The evidence pack's digest: SHA-256 of its canonical JSON, so a pack can be proven unchanged.

Canonical JSON: the pack as it is sent, without `generated_at` (when it was composed) and
without `digest` itself, serialised with keys sorted, no whitespace (`,` and `:` separators),
non-ASCII characters as themselves, encoded in UTF-8. The same decision asked for with the same
`as_of`, `from` and view gives the same digest whenever it is composed."""

from __future__ import annotations

import hashlib
import json
from typing import Any

EXCLUDED = frozenset({"generated_at", "digest"})
METHOD = (
    "sha256 over the pack's JSON without `generated_at` and `digest`, keys sorted, separators "
    "`,` and `:` (no whitespace), UTF-8, non-ASCII characters unescaped"
)


def canonical_json(document: dict[str, Any]) -> bytes:
    kept = {key: value for key, value in document.items() if key not in EXCLUDED}
    text = json.dumps(kept, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def sha256_digest(document: dict[str, Any]) -> str:
    """`sha256:<hex>` of the canonical JSON of `document` (the pack as JSON)."""
    return "sha256:" + hashlib.sha256(canonical_json(document)).hexdigest()
