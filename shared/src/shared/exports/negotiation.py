"""Which file format an export answers in: `?format=csv|ndjson|xlsx` when given, else the
`Accept` header by its q-values (CSV when no header, `*/*` or a tie), else a 406 problem
listing the formats and media types there are."""

from __future__ import annotations

from shared.exports.formats import MEDIA_TYPES, ExportFormat
from shared.problems import ProblemError

# The media types as `Accept` names them (no parameters), in order of preference on a tie.
_ACCEPTED = {fmt: media.split(";")[0] for fmt, media in MEDIA_TYPES.items()}


class FormatNotAcceptable(ProblemError):
    """The caller asked for a format exports are not written in."""

    slug = "not-acceptable"
    title = "The export is not available in the requested format"
    status = 406

    def __init__(self, detail: str) -> None:
        super().__init__(
            detail,
            extra={
                "acceptable": [fmt.value for fmt in ExportFormat],
                "media_types": list(_ACCEPTED.values()),
            },
        )


def _quality(accept: str) -> dict[ExportFormat, float]:
    """The q-value `accept` gives each format (its most specific matching range decides)."""
    best: dict[ExportFormat, tuple[int, float]] = {}
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        if not media:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        media = media.lower()
        for fmt, wanted in _ACCEPTED.items():
            if media == wanted:
                specificity = 2
            elif media == f"{wanted.split('/')[0]}/*":
                specificity = 1
            elif media == "*/*":
                specificity = 0
            else:
                continue
            if fmt not in best or specificity > best[fmt][0]:
                best[fmt] = (specificity, q)
    return {fmt: best[fmt][1] if fmt in best else 0.0 for fmt in ExportFormat}


def choose_format(format_: str | None, accept: str | None) -> ExportFormat:
    if format_ is not None:
        try:
            return ExportFormat(format_.lower())
        except ValueError:
            raise FormatNotAcceptable("`format` must be `csv`, `ndjson` or `xlsx`.") from None
    accept = (accept or "").strip()
    if not accept:
        return ExportFormat.csv
    quality = _quality(accept)
    best = max(ExportFormat, key=lambda fmt: quality[fmt])  # first (CSV) wins a tie
    if quality[best] > 0:
        return best
    raise FormatNotAcceptable(
        "Exports are served as "
        + ", ".join(f"`{m}`" for m in _ACCEPTED.values())
        + " (or ask `?format=`)."
    )
