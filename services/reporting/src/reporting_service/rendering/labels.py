"""Words for the codes the reports carry: `g2_pilot_approval` reads "G2 pilot approval",
`manage_closely` "Manage closely". Used by the charts and, as the `label` filter, the pages."""

from __future__ import annotations

import datetime as dt
import re

from reporting_service.rendering.svg import UNKNOWN

_GATE = re.compile(r"^g(\d+)(?:_|$)")

# Codes whose plain rewrite reads wrongly.
_WORDS = {
    "core20plus5": "Core20PLUS5",
    "iap2": "IAP2",
    "tco2e": "tCO2e",
    "uk": "UK",
    "nhs": "NHS",
    "de": "DE",
}


def label(code: object) -> str:
    """A code as words (None: "Not recorded")."""
    if code is None:
        return "Not recorded"
    raw = str(code)
    if not re.fullmatch(r"[a-z0-9_]+", raw):
        return raw  # already words (a directorate, a template's name)
    gate = _GATE.match(raw)
    words = [_WORDS.get(word, word) for word in raw.split("_") if word]
    if gate:
        words[0] = f"G{gate.group(1)}"
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def when(value: object) -> str:
    """A timestamp or date as a reader writes it: `30 Jun 2026 14:05 UTC`, `30 Jun 2026`."""
    if value is None:
        return UNKNOWN
    if isinstance(value, str):
        return _when_text(value)
    if isinstance(value, dt.datetime):
        moment = value.astimezone(dt.UTC) if value.tzinfo else value
        return f"{moment.day} {moment:%b %Y %H:%M} UTC"
    if isinstance(value, dt.date):
        return f"{value.day} {value:%b %Y}"
    return str(value)


def _when_text(value: str) -> str:
    """An ISO date or timestamp as a pass-through section carries it (else as it is)."""
    try:
        if len(value) == 10:
            return when(dt.date.fromisoformat(value))
        return when(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return value


def day(value: object) -> str:
    """Only the date of a timestamp or date."""
    shown = when(value)
    return shown.rsplit(" ", 2)[0] if shown.endswith(" UTC") else shown
