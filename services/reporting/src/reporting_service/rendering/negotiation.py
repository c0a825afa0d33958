"""Which form a report answers in: JSON (the default) or a printable HTML page.

`?format=json|html` decides when given (anything else: 406 `not-acceptable`, listing the
formats there are); otherwise the `Accept` header, by its q-values: HTML when `text/html`
is preferred to JSON (a browser's default `Accept` is), JSON when JSON is acceptable at all
(no `Accept`, `*/*`, `application/json`), HTML when only HTML is, and 406 when neither is.
Every report answers `Vary: Accept`, since the same URL has two forms.

`respond(report, form, page)` is the route's last line: the report itself (FastAPI serialises
it as the route's response model) or the page `page(report)` renders, as `text/html` with a
Content-Security-Policy that allows no script, no request and only the page's own styles.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request, Response
from fastapi.responses import HTMLResponse

from shared.problems import ProblemError, problem_responses

R = TypeVar("R")


class OutputFormat(StrEnum):
    json = "json"
    html = "html"


MEDIA_TYPES = {OutputFormat.json: "application/json", OutputFormat.html: "text/html"}

# The page is self-contained: inline styles and inline SVG, nothing fetched, nothing run.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


class NotAcceptable(ProblemError):
    """The caller asked for a form of the report there is not."""

    slug = "not-acceptable"
    title = "The report is not available in the requested format"
    status = 406

    def __init__(self, detail: str) -> None:
        super().__init__(
            detail,
            extra={
                "acceptable": [form.value for form in OutputFormat],
                "media_types": list(MEDIA_TYPES.values()),
            },
        )


def _quality(accept: str) -> dict[OutputFormat, float]:
    """The q-value `accept` gives each form (its most specific matching range decides)."""
    best: dict[OutputFormat, tuple[int, float]] = {}
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
        for form, wanted in MEDIA_TYPES.items():
            kind = wanted.split("/")[0]
            if media == wanted:
                specificity = 2
            elif media == f"{kind}/*":
                specificity = 1
            elif media == "*/*":
                specificity = 0
            else:
                continue
            if form not in best or specificity > best[form][0]:
                best[form] = (specificity, q)
    return {form: best[form][1] if form in best else 0.0 for form in OutputFormat}


async def output_format(
    request: Request,
    response: Response,
    format_: Annotated[
        str | None,
        Query(
            alias="format",
            max_length=20,
            description="`json` (default) or `html` (a printable page); overrides `Accept`. "
            "Anything else: 406.",
            # Published as the two values it takes; checked here so that anything else is the
            # 406 content negotiation owes, not a generic 422.
            json_schema_extra={"enum": [member.value for member in OutputFormat]},
        ),
    ] = None,
) -> OutputFormat:
    response.headers["Vary"] = "Accept"
    if format_ is not None:
        try:
            return OutputFormat(format_.lower())
        except ValueError:
            raise NotAcceptable("`format` must be `json` or `html`.") from None
    accept = request.headers.get("accept", "").strip()
    if not accept:
        return OutputFormat.json
    quality = _quality(accept)
    json_q, html_q = quality[OutputFormat.json], quality[OutputFormat.html]
    if html_q > json_q:
        return OutputFormat.html
    if json_q > 0:
        return OutputFormat.json
    raise NotAcceptable(
        "This report is served as `application/json` or `text/html` (or ask `?format=`)."
    )


FormatDep = Annotated[OutputFormat, Depends(output_format)]

# OpenAPI: the 200's second media type and the 406, for a report route's `responses=`.
HTML_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report: JSON, or a printable HTML page (`?format=html` or "
        "`Accept: text/html`).",
        "content": {"text/html": {"schema": {"type": "string"}}},
    },
    **problem_responses(NotAcceptable),
}


def respond(report: R, form: OutputFormat, page: Callable[[R], str]) -> R | Response:
    """The report as the caller asked for it."""
    if form is OutputFormat.json:
        return report
    return HTMLResponse(
        page(report),
        headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY, "Vary": "Accept"},
    )
