"""The `cmdi` commands (typer): exports, the bundle, the portfolio report, framework templates
and development tokens. Everything goes through the public API at `--url` (the gateway)."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from cmdi_cli import state
from cmdi_cli.client import DEFAULT_URL, EXIT_USAGE, Api, CliError, Params
from cmdi_cli.download import Downloaded, save_body

P = ParamSpec("P")
R = TypeVar("R")

HELP = f"""The command line of the CMDI platform, for reporting jobs and admins.

Every command talks to the public API through the gateway: --url (or CMDI_URL, default
{DEFAULT_URL}) with the bearer token --token (or CMDI_TOKEN; `cmdi token --role admin` prints
a development one).

Exit status: 0 done; 1 the API answered a problem (its title and detail are printed) or could
not be reached; 2 wrong usage; 3 a download broke off before its end (nothing is replaced and
no high-water mark is stored).
"""

app = typer.Typer(
    help=HELP, no_args_is_help=True, add_completion=False, rich_markup_mode="markdown"
)
report_app = typer.Typer(
    help="Reports of the reporting service, saved to a file.", rich_markup_mode="markdown"
)
templates_app = typer.Typer(
    help="Framework templates (IIAF versions) as JSON documents.", rich_markup_mode="markdown"
)
app.add_typer(report_app, name="report", no_args_is_help=True)
app.add_typer(templates_app, name="templates", no_args_is_help=True)

err = Console(stderr=True, highlight=False, soft_wrap=True)


class Format(StrEnum):
    csv = "csv"
    ndjson = "ndjson"
    xlsx = "xlsx"


class ReportFormat(StrEnum):
    html = "html"
    json = "json"


UrlOption = Annotated[str, typer.Option("--url", envvar="CMDI_URL", help="The gateway's base URL.")]
TokenOption = Annotated[
    str | None,
    typer.Option("--token", envvar="CMDI_TOKEN", help="Bearer token.", show_default=False),
]
FilterOption = Annotated[
    list[str] | None,
    typer.Option(
        "--filter",
        "-f",
        metavar="NAME=VALUE",
        help="A filter of the dataset (see `cmdi datasets`); repeat it for several values or "
        "several filters, e.g. -f directorate=Medicine -f stage=pilot.",
        show_default=False,
    ),
]


def handled(command: Callable[P, R]) -> Callable[P, R]:
    """A `CliError` ends the command with its message on standard error and its status."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except CliError as exc:
            typer.echo(f"cmdi: {exc.message}", err=True)
            raise typer.Exit(exc.status) from None

    return wrapper


def _pairs(values: list[str] | None) -> list[tuple[str, str]]:
    pairs = []
    for value in values or []:
        name, sep, item = value.partition("=")
        if not sep or not name.strip():
            raise CliError(f"--filter takes NAME=VALUE, not {value!r}", EXIT_USAGE)
        pairs.append((name.strip(), item))
    return pairs


def _output(value: str | None) -> Path | None:
    """`-` is standard output."""
    if value is None or value == "-":
        return None
    return Path(value)


_FILENAME = re.compile(r'filename="([^"/\\]+)"')


def _server_filename(disposition: str | None, fallback: str) -> Path:
    match = _FILENAME.search(disposition or "")
    return Path(match.group(1) if match else fallback)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")


def _summary(what: str, result: Downloaded, where: Path | None) -> str:
    rows = "" if result.rows is None else f"{result.rows:,} rows, "
    return f"{what}: {rows}{result.bytes:,} bytes → {where or 'standard output'}"


@app.command("export")
@handled
def export(
    dataset: Annotated[
        str,
        typer.Argument(
            help="A dataset name (`cmdi datasets` lists those you may read), or `bundle`: "
            "every dataset you may read as CSV in one zip with a datapackage.json."
        ),
    ],
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="The file to write (`-` for standard output). Default: the server's file "
            "name (dataset and time) in the current directory.",
            show_default=False,
        ),
    ] = None,
    format_: Annotated[
        Format, typer.Option("--format", help="csv (RFC 4180, UTF-8), ndjson or xlsx.")
    ] = Format.csv,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="ISO|last",
            help="Only rows changed since this moment (RFC 3339 with offset), plus a row with "
            "deleted=true for each row deleted since. `last`: since the high-water mark the "
            "previous complete run of the same job stored (a full export the first time).",
            show_default=False,
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="ISO",
            help="The dataset as it stood at that moment (reproducible); refused with the "
            "server's reason for a dataset that cannot honour it.",
            show_default=False,
        ),
    ] = None,
    filters: FilterOption = None,
    bom: Annotated[
        bool, typer.Option("--bom", help="CSV: start with a byte order mark (for Excel).")
    ] = False,
    trailer: Annotated[
        bool,
        typer.Option(
            "--trailer",
            help='NDJSON: end with a {"_export": {"complete": true, ...}} line.',
        ),
    ] = False,
    state_file: Annotated[
        Path | None,
        typer.Option(
            "--state",
            help="Where the high-water mark is kept. Default: FILE.cmdi-state.json next to the "
            "output, or "
            "$XDG_STATE_HOME/cmdi/DATASET.json when writing to standard output.",
            show_default=False,
        ),
    ] = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
) -> None:
    """Stream one dataset (or the bundle) to a file, with a progress bar of rows and bytes.

    The body is written to FILE.part and renamed when complete. After a complete download
    the response's Export-High-Water-Mark is stored (not for --as-of exports), so the same
    command with `--since last` every night mirrors the dataset: load the rows by primary key
    (upsert) and delete the rows marked deleted=true.
    """
    api = Api(url=url, token=token)
    pairs = _pairs(filters)
    out = _output(output)
    if dataset == "bundle":
        if since or pairs or format_ is not Format.csv or trailer or bom:
            raise CliError(
                "the bundle takes only --as-of and -o (it is CSV files and a datapackage.json)",
                EXIT_USAGE,
            )
        params: list[tuple[str, str]] = [("as_of", as_of)] if as_of else []
        _download(api, "/exports/bundle.zip", params, out, output, "bundle", "zip", "bundle.zip")
        return

    mark_path = state_file or state.state_path(out if output is not None else None, dataset)
    params = [("format", format_.value), *pairs]
    if since == "last":
        try:
            previous = state.load(mark_path)
        except ValueError as exc:
            raise CliError(str(exc), EXIT_USAGE) from exc
        if previous is None:
            err.print(f"no high-water mark in {mark_path} yet: a full export")
        elif not previous.same_job(url, dataset, format_.value, pairs):
            raise CliError(
                f"{mark_path} holds the mark of another job ({previous.dataset}, "
                f"{previous.format}, filters {previous.filters} at {previous.url}); pass "
                "--state for this one",
                EXIT_USAGE,
            )
        else:
            params.append(("updated_since", previous.high_water_mark))
    elif since:
        params.append(("updated_since", since))
    if as_of:
        params.append(("as_of", as_of))
    if bom:
        params.append(("bom", "true"))
    if trailer:
        params.append(("trailer", "true"))
    mark = _download(
        api,
        f"/exports/{dataset}",
        params,
        out,
        output,
        dataset,
        format_.value,
        f"{dataset}.{format_.value}",
        trailer=trailer,
    )
    if mark and not as_of:
        state.save(
            mark_path,
            state.Mark(
                url=url,
                dataset=dataset,
                format=format_.value,
                filters=pairs,
                high_water_mark=mark,
                as_of=None,
                finished_at=_now(),
            ),
        )
        err.print(f"high-water mark {mark} stored in {mark_path}")


def _download(
    api: Api,
    path: str,
    params: Params,
    out: Path | None,
    output: str | None,
    label: str,
    format_: str,
    fallback: str,
    *,
    trailer: bool = False,
) -> str | None:
    """Download to `out` (or the server's file name when no -o); the high-water mark sent."""
    with api.stream(path, params) as response:
        if output is None:
            out = _server_filename(response.headers.get("Content-Disposition"), fallback)
        result = save_body(
            response, out, label=label, format_=format_, console=err, trailer=trailer
        )
        mark: str | None = response.headers.get("Export-High-Water-Mark")
    err.print(_summary(label, result, out))
    return mark


@app.command("datasets")
@handled
def datasets(
    as_json: Annotated[bool, typer.Option("--json", help="The dictionary as JSON.")] = False,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
) -> None:
    """The data dictionary: each dataset you may read, its columns, keys, filters and how it
    serves --as-of and --since."""
    body = Api(url=url, token=token).request("GET", "/exports").json()
    if as_json:
        typer.echo(json.dumps(body, indent=2))
        return
    table = Table("dataset", "columns", "primary key", "filters", "as_of", "since")
    for item in body.get("datasets", []):
        table.add_row(
            item["name"],
            str(len(item.get("columns", []))),
            ", ".join(item.get("primary_key", [])),
            ", ".join(f["name"] for f in item.get("filters", [])),
            "yes" if item.get("as_of", {}).get("served") else "no",
            "yes" if item.get("updated_since", {}).get("served") else "no",
        )
    Console().print(table)


@report_app.command("portfolio")
@handled
def report_portfolio(
    output: Annotated[
        str, typer.Option("--output", "-o", help="The file to write (`-`: standard output).")
    ],
    format_: Annotated[
        ReportFormat, typer.Option("--format", help="html (a printable page) or json.")
    ] = ReportFormat.html,
    as_of: Annotated[str | None, typer.Option("--as-of", metavar="ISO", show_default=False)] = None,
    params: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            metavar="NAME=VALUE",
            help="from, to, directorate, pillar, stage, innovation_type, partial (repeatable).",
            show_default=False,
        ),
    ] = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
) -> None:
    """The portfolio report (by stage, the gate funnel, days in stage, every section)."""
    query = [("format", format_.value), *_pairs(params)]
    if as_of:
        query.append(("as_of", as_of))
    out = _output(output)
    with Api(url=url, token=token).stream("/reports/portfolio", query) as response:
        result = save_body(response, out, label="portfolio", format_=format_.value, console=err)
    err.print(_summary("portfolio", result, out))


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _template_file(document: dict[str, Any]) -> str:
    name = _UNSAFE.sub("-", str(document["name"])).strip("-").lower() or "template"
    return f"{name}_{_UNSAFE.sub('-', str(document['semver']))}.json"


@templates_app.command("export")
@handled
def templates_export(
    directory: Annotated[
        Path, typer.Option("--output", "-o", help="The directory to write into (created).")
    ],
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
) -> None:
    """Write every framework template version as NAME_SEMVER.json, importable as is."""
    api = Api(url=url, token=token)
    directory.mkdir(parents=True, exist_ok=True)
    cursor: str | None = None
    written = 0
    while True:
        query = [("limit", "200")] + ([("cursor", cursor)] if cursor else [])
        page = api.request("GET", "/frameworks", params=query).json()
        for item in page["items"]:
            document = api.request("GET", f"/frameworks/{item['id']}/export").json()
            path = directory / _template_file(document)
            path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
            err.print(f"{item['name']} {item['semver']} ({item['status']}) → {path}")
            written += 1
        cursor = page.get("next_cursor")
        if not cursor:
            break
    err.print(f"{written} template version(s) written to {directory}")


@templates_app.command("import")
@handled
def templates_import(
    directory: Annotated[
        Path,
        typer.Argument(
            exists=True, file_okay=False, help="A directory of template documents (*.json)."
        ),
    ],
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
) -> None:
    """Import each *.json as a new template version (a draft). A name and version that already
    exist are skipped; any other problem is printed and makes the exit status 1."""
    api = Api(url=url, token=token)
    files = sorted(directory.glob("*.json"))
    if not files:
        raise CliError(f"no *.json in {directory}", EXIT_USAGE)
    failed = 0
    for path in files:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            err.print(f"{path.name}: not a JSON document ({exc})")
            failed += 1
            continue
        response, problem = api.request_or_problem("POST", "/frameworks/import", json=document)
        if problem is None:
            body = response.json()
            err.print(f"{path.name}: imported {body['name']} {body['semver']} ({body['status']})")
        elif response.status_code == 409 and "framework-version-exists" in response.text:
            err.print(f"{path.name}: skipped, this name and version already exist")
        else:
            typer.echo(f"cmdi: {path.name}: {problem}", err=True)
            failed += 1
    if failed:
        raise CliError(f"{failed} of {len(files)} document(s) not imported")


@app.command("token")
@handled
def token_command(
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="admin, governance, evaluator, contributor, viewer, reporter or "
            "service; comma-separate several.",
        ),
    ],
    sub: Annotated[
        str | None,
        typer.Option("--sub", help="The subject (default dev-ROLE).", show_default=False),
    ] = None,
    ttl: Annotated[int, typer.Option("--ttl", help="Seconds until it expires.")] = 8 * 3600,
) -> None:
    """Print a development bearer token (signed with the development key) and nothing else.
    Only a platform running with the development settings accepts it."""
    from shared.auth import Role, issue_token
    from shared.settings import DEV_AUDIENCE, DEV_ISSUER, DEV_JWT_KEY

    known = [r.value for r in Role]
    roles = [r.strip() for r in role.split(",") if r.strip()]
    unknown = [r for r in roles if r not in known]
    if not roles or unknown:
        raise CliError(f"--role takes one or more of {', '.join(known)}", EXIT_USAGE)
    typer.echo(
        issue_token(
            key=DEV_JWT_KEY,
            subject=sub or f"dev-{roles[0]}",
            roles=roles,
            issuer=DEV_ISSUER,
            audience=DEV_AUDIENCE,
            ttl_seconds=ttl,
        )
    )


def run() -> None:
    """The console script."""
    app()
