"""CI gate: Schemathesis (all checks, fixed seed, bounded) over every service and the gateway.

`make fuzz` (and `.ci/run`) runs it. It starts the platform as `make run` does (the same
`scripts.processes.Stack`) on free ports of 127.0.0.1 with throwaway SQLite databases, loads the
demo dataset through the API so generated requests can reach real records (`make demo`'s loader;
its ids feed Schemathesis dictionaries for the path parameters), signs two identities, an admin
and a contributor (the contributor is the peer the `object_level_authorization` check replays
the admin's reads as), then runs `schemathesis run` on each target's OpenAPI document:

    projects, assessment, stakeholders   <service>/openapi.json
    gateway                              /api/openapi.json (the merged document, /api/v1/...)

Each run has a time budget (`--max-time`) and a per-operation example bound, so the gate ends by
itself in about `--budget` seconds; the stack is stopped whatever happens. Failures are read from
each run's JSON report and compared with the committed allowlist
(tests/fuzz/schemathesis-allowlist.toml: target, operation, check and a reason). The gate fails
on any 5xx (never allowlisted), any failure not in the allowlist, and any run that errored.
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.processes import Stack, allocate_ports
from scripts.services import ROOT, SERVICES
from shared.auth import issue_token
from shared.migrations import upgrade
from shared.settings import DEV_AUDIENCE, DEV_ISSUER, DEV_JWT_KEY

ALLOWLIST = ROOT / "tests" / "fuzz" / "schemathesis-allowlist.toml"
TARGETS = ("projects", "assessment", "stakeholders", "gateway")
SEED = 20260901
READY_TIMEOUT = 60.0
# The check that finds 5xx: never allowlisted.
SERVER_ERROR_TYPES = frozenset({"ServerError", "not_a_server_error"})
# Which path parameter a demo record fills: (area, slug prefix, parameter), first match wins.
# The loader names its records `<area>:<slug>` (scripts/demo.py).
DEMO_PARAMETERS: tuple[tuple[str, str, str], ...] = (
    ("organisations", "", "organisation_id"),
    ("frameworks", "", "framework_id"),
    ("projects", "", "project_id"),
    ("assessments", "", "assessment_id"),
    ("project detail", "team-", "membership_id"),
    ("project detail", "milestone-", "milestone_id"),
    ("project detail", "benefit-", "benefit_id"),
    ("project detail", "map", "map_id"),
    ("evaluation", "virtual-ward", "evaluation_id"),
    ("evaluation", "question-", "question_id"),
    ("stakeholders", "link:", "link_id"),
    ("stakeholders", "consent:", "consent_id"),
    ("stakeholders", "engagement:", "engagement_id"),
    ("stakeholders", "feedback:", "feedback_id"),
    ("stakeholders", "assessment:", ""),
    ("stakeholders", "involvement:", ""),
    ("stakeholders", "participant:", ""),
    ("stakeholders", "plan:", ""),
    ("stakeholders", "standards:", ""),
    ("stakeholders", "", "stakeholder_id"),
)


# -- the allowlist ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Allowed:
    """A failure we accept for now, and why (the reason is printed whenever it matches)."""

    target: str
    operation: str  # the Schemathesis label, e.g. "GET /v1/projects/{project_id}"; globs allowed
    check: str  # the failure type or code Schemathesis reports
    reason: str
    # Optional, about the responses behind the failure (recorded by the hooks): every one must
    # have the `status`, a problem type matching `problem` and details ("<detail> | <first
    # error's detail>") matching `detail` (globs; "!x" means anything but x).
    problem: str | None = None
    detail: str | None = None
    status: int | None = None

    def matches_failure(self, failure: Failure) -> bool:
        return (
            fnmatch.fnmatchcase(failure.target, self.target)
            and fnmatch.fnmatchcase(failure.operation, self.operation)
            and self.check in (failure.type, failure.code)
        )

    def has_conditions(self) -> bool:
        return not (self.problem is None and self.detail is None and self.status is None)

    def matches(self, failure: Failure, records: Sequence[Record] = ()) -> bool:
        """Whether this entry alone accepts `failure` (and every response behind it)."""
        if not self.matches_failure(failure):
            return False
        if not self.has_conditions():
            return True
        behind = [r for r in records if r.behind(failure)]
        return bool(behind) and all(self.accepts(r) for r in behind)

    def accepts(self, record: Record) -> bool:
        if self.status is not None and record.status != self.status:
            return False
        if self.problem is not None:
            negated = self.problem.startswith("!")
            pattern = self.problem.removeprefix("!")
            if fnmatch.fnmatchcase(record.problem, pattern) == negated:
                return False
        if self.detail is not None:
            negated = self.detail.startswith("!")
            if fnmatch.fnmatchcase(record.detail, self.detail.removeprefix("!")) == negated:
                return False
        return True


def load_allowlist(path: Path) -> list[Allowed]:
    if not path.exists():
        return []
    entries = tomllib.loads(path.read_text()).get("allow", [])
    allowed = []
    for entry in entries:
        item = Allowed(
            target=str(entry.get("target", "*")),
            operation=str(entry["operation"]),
            check=str(entry["check"]),
            reason=str(entry.get("reason", "")).strip(),
            problem=entry.get("problem"),
            detail=entry.get("detail"),
            status=entry.get("status"),
        )
        if not item.reason:
            raise SystemExit(f"{path}: every entry needs a reason: {entry}")
        if item.check in SERVER_ERROR_TYPES:
            raise SystemExit(f"{path}: a 5xx is never allowed: {entry}")
        allowed.append(item)
    return allowed


# -- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    target: str
    operation: str
    type: str
    code: str
    title: str

    def label(self) -> str:
        return f"[{self.target}] {self.operation}: {self.type}/{self.code} ({self.title})"


@dataclass(frozen=True)
class Record:
    """One failing response as the hooks saw it (the report only has counts per operation)."""

    target: str
    operation: str
    type: str
    status: int
    problem: str
    detail: str

    def behind(self, failure: Failure) -> bool:
        """Whether this response is one of those behind `failure` (the stateful phase reports
        under one label, so there every response of the same kind counts)."""
        return (
            self.target == failure.target
            and self.type == failure.type
            and (failure.operation in (self.operation, STATEFUL))
        )


STATEFUL = "Stateful tests"


@dataclass
class Result:
    target: str
    exit_code: int
    seconds: float
    generated: int = 0
    operations_tested: int = 0
    failures: list[Failure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)


def read_records(target: str, path: Path) -> list[Record]:
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        records.append(
            Record(
                target,
                item["operation"],
                item["type"],
                int(item["status"]),
                item["problem"],
                item["detail"],
            )
        )
    return records


def read_report(target: str, path: Path, exit_code: int, seconds: float) -> Result:
    result = Result(target, exit_code, seconds)
    result.records = read_records(target, path.with_suffix(".failures.jsonl"))
    if not path.exists():
        result.errors.append(f"no report written (exit code {exit_code})")
        return result
    report = json.loads(path.read_text())
    result.generated = int(report.get("test_cases", {}).get("generated", 0))
    result.operations_tested = int((report.get("operations") or {}).get("tested", 0))
    for group in report.get("failures", []):
        for operation in group.get("operations", []):
            result.failures.append(
                Failure(
                    target,
                    str(operation),
                    str(group.get("type", "")),
                    str(group.get("code", "")),
                    str(group.get("title", "")),
                )
            )
    for error in report.get("errors", []):
        result.errors.append(f"{error.get('title')} (x{error.get('count')})")
    return result


# -- the platform ----------------------------------------------------------------------------


def token(role: str, subject: str) -> str:
    return issue_token(
        key=DEV_JWT_KEY,
        subject=subject,
        roles=[role],
        issuer=DEV_ISSUER,
        audience=DEV_AUDIENCE,
        ttl_seconds=3 * 3600,
    )


def migrated_databases(directory: Path) -> dict[str, str]:
    urls = {}
    for service in SERVICES:
        url = f"sqlite+aiosqlite:///{directory / f'{service.name}.db'}"
        upgrade(service.alembic_ini, url)
        urls[service.name] = url
    return urls


def ids_by_parameter(loaded: Mapping[str, str]) -> dict[str, list[str]]:
    """The demo loader's ids (`<area>:<slug>` -> id) by the path parameter they fill."""
    ids: dict[str, list[str]] = defaultdict(list)
    for key, value in loaded.items():
        area, _, slug = key.partition(":")
        parameter = next(
            (name for a, prefix, name in DEMO_PARAMETERS if a == area and slug.startswith(prefix)),
            "",
        )
        if parameter and value not in ids[parameter]:
            ids[parameter].append(value)
    return dict(ids)


def seed_dataset(gateway: str) -> dict[str, list[str]]:
    """Load the demo's core records through the gateway; their ids, by path parameter name.
    (The core steps reach every collection; the portfolio steps only add more of the same, at
    30-80 s the gate would rather spend fuzzing.)"""
    from scripts import demo

    return ids_by_parameter(demo.run(gateway, demo.CORE_STEPS).ids)


# -- one Schemathesis run --------------------------------------------------------------------


def identities_document(admin: str, contributor: str) -> dict[str, Any]:
    """A Web Fuzzing Commons auth document: Schemathesis's way of knowing several users."""

    def user(name: str, bearer: str) -> dict[str, Any]:
        return {
            "name": name,
            "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {bearer}"}],
        }

    return {
        "schemaVersion": "0.1.0",
        "auth": [user("admin", admin), user("contributor", contributor)],
    }


def toml_value(value: object) -> str:
    return json.dumps(value)  # JSON strings, numbers and arrays are valid TOML


def config_text(
    *, identities: Path, ids: Mapping[str, Sequence[str]], max_examples: int, seed: int
) -> str:
    lines = [
        f"seed = {seed}",
        "request-timeout = 15.0",
        "[generation]",
        f"max-examples = {max_examples}",
        # NUL and lone surrogates are refused on purpose (text that cannot be stored is a 422)
        # and the hostile corpus (tests/hostile) covers them; here they would only mask the
        # rest of each body.
        "allow-x00 = false",
        'codec = "utf-8"',
        "[auth.wfc]",
        f"path = {toml_value(str(identities))}",
        'user = "admin"',
        'peers = ["admin", "contributor"]',
    ]
    for parameter, values in sorted(ids.items()):
        lines += [f"[dictionaries.{parameter}]", f"values = {toml_value(list(values))}"]
    if ids:
        lines.append("[parameters]")
    for parameter in sorted(ids):
        # Mostly real records, so positive cases reach the rules behind the 404s.
        lines.append(f'"path.{parameter}" = {{ dictionary = "{parameter}", probability = 0.8 }}')
    return "\n".join(lines) + "\n"


def run_target(
    *,
    target: str,
    schema_url: str,
    base_url: str,
    config: Path,
    report: Path,
    max_time: int,
    workers: int,
    ids: Mapping[str, Sequence[str]],
) -> Result:
    # The hooks (scripts/schemathesis_hooks.py) leave opaque cursors out of positive cases and
    # point their body references at the loaded records.
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "scripts.schemathesis_hooks",
        "CMDI_FUZZ_IDS": json.dumps(dict(ids)),
        "CMDI_FUZZ_FAILURES": str(report.with_suffix(".failures.jsonl")),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--no-color",
        "--config-file",
        str(config),
        "run",
        schema_url,
        "--url",
        base_url,
        "--checks",
        "all",
        "--max-time",
        str(max_time),
        "--workers",
        str(workers),
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--warnings",
        "off",
    ]
    report.with_suffix(".failures.jsonl").unlink(missing_ok=True)
    report.unlink(missing_ok=True)
    started = time.monotonic()
    print(f"== schemathesis: {target} ({schema_url}, {max_time} s) ==", flush=True)
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        # Its own budget plus shrinking and reporting; after that it is hung, and killed.
        exit_code = process.wait(timeout=max_time + 90)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
        result = read_report(target, report, -9, time.monotonic() - started)
        result.errors.append(f"killed after {max_time + 90} s")
        return result
    return read_report(target, report, exit_code, time.monotonic() - started)


# -- the gate --------------------------------------------------------------------------------


def judge(results: Sequence[Result], allowlist: Sequence[Allowed]) -> tuple[list[str], list[str]]:
    """(what fails the gate, allowed failures with their reasons)."""
    failing: list[str] = []
    allowed: list[str] = []
    for result in results:
        for error in result.errors:
            failing.append(f"[{result.target}] run error: {error}")
        if result.generated == 0 and not result.errors:
            failing.append(f"[{result.target}] generated no test cases")
        for record in result.records:
            if record.status >= 500:
                failing.append(f"5xx: [{result.target}] {record.operation}: {record.status}")
        for failure in result.failures:
            entries = accepting(failure, result.records, allowlist)
            if failure.type in SERVER_ERROR_TYPES or failure.code in SERVER_ERROR_TYPES:
                failing.append(f"5xx: {failure.label()}")
            elif not entries:
                why = unmatched(failure, result.records, allowlist)
                failing.append(f"not in the allowlist: {failure.label()}{why}")
            else:
                reasons = "\n      allowed: ".join(e.reason for e in entries)
                allowed.append(f"{failure.label()}\n      allowed: {reasons}")
    return failing, allowed


def accepting(
    failure: Failure, records: Sequence[Record], allowlist: Sequence[Allowed]
) -> list[Allowed]:
    """The entries that accept `failure`: one without response conditions, or several whose
    conditions together accept every response behind it (a failure on one operation may have
    several causes). Empty when it is not accepted."""
    candidates = [a for a in allowlist if a.matches_failure(failure)]
    plain = [a for a in candidates if not a.has_conditions()]
    if plain:
        return plain[:1]
    behind = [r for r in records if r.behind(failure)]
    used: list[Allowed] = []
    for record in behind:
        entry = next((a for a in candidates if a.accepts(record)), None)
        if entry is None:
            return []
        if entry not in used:
            used.append(entry)
    return used


def unmatched(failure: Failure, records: Sequence[Record], allowlist: Sequence[Allowed]) -> str:
    """What the responses no entry accepts said (to write an entry or fix the cause)."""
    candidates = [a for a in allowlist if a.matches_failure(failure)]
    seen = sorted(
        {
            f"{r.status} {r.problem}: {r.detail[:140]}"
            for r in records
            if r.behind(failure) and not any(a.accepts(r) for a in candidates)
        }
    )
    return "".join(f"\n      response: {line}" for line in seen[:5])


def unused_entries(results: Sequence[Result], allowlist: Sequence[Allowed]) -> Iterator[Allowed]:
    ran = {r.target for r in results}
    for entry in allowlist:
        relevant = any(fnmatch.fnmatchcase(t, entry.target) for t in ran)
        used = any(entry in accepting(f, r.records, allowlist) for r in results for f in r.failures)
        if relevant and not used:
            yield entry


def summary(results: Sequence[Result], failing: Sequence[str], allowed: Sequence[str]) -> str:
    lines = ["", "Schemathesis gate:"]
    for r in results:
        lines.append(
            f"  {r.target:<13} {r.generated:>6} cases  {r.operations_tested:>4} operations  "
            f"{len(r.failures):>3} failures  {r.seconds:6.1f} s  (exit {r.exit_code})"
        )
    if allowed:
        lines += ["", f"Allowed ({len(allowed)}):", *(f"  - {a}" for a in allowed)]
    if failing:
        lines += ["", f"FAILING ({len(failing)}):", *(f"  - {f}" for f in failing)]
    else:
        lines += ["", "OK: no 5xx and no failure outside the allowlist."]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", default=",".join(TARGETS), help="comma-separated")
    parser.add_argument("--seconds", type=int, default=55, help="time budget per target")
    parser.add_argument("--max-examples", type=int, default=25, help="per operation")
    # One worker: with two, Hypothesis's lambda-source inspection (ast.parse in threads) can
    # fail inside Schemathesis ("AST constructor recursion depth mismatch", CPython 3.11).
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--allowlist", type=Path, default=ALLOWLIST)
    parser.add_argument("--report-dir", type=Path, default=None, help="keep the JSON reports")
    args = parser.parse_args(argv)
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = sorted(set(targets) - set(TARGETS))
    if unknown:
        parser.error(f"unknown targets {unknown}; choose from {', '.join(TARGETS)}")
    allowlist = load_allowlist(args.allowlist)
    started = time.monotonic()

    with tempfile.TemporaryDirectory(prefix="cmdi-fuzz-") as scratch:
        directory = Path(scratch)
        reports = args.report_dir or directory
        reports.mkdir(parents=True, exist_ok=True)
        stack = Stack(
            ports=allocate_ports(),
            database_urls=migrated_databases(directory),
            env={
                "LOG_LEVEL": "WARNING",
                # The generated bodies are small; keep the gateway's patience short.
                "GATEWAY_PROXY_READ_TIMEOUT": "10",
                # The gate fuzzes the API, not the limiter (tested on its own): never a 429.
                "GATEWAY_RATE_LIMITS": '{"default": "100000000/minute"}',
            },
        )
        with stack:
            stack.start()
            stack.wait_ready(READY_TIMEOUT)
            ids = seed_dataset(stack.gateway_url)
            print(
                "seeded: " + ", ".join(f"{k} {len(v)}" for k, v in sorted(ids.items())),
                flush=True,
            )
            identities = directory / "identities.json"
            identities.write_text(
                json.dumps(
                    identities_document(
                        token("admin", "fuzz-admin"), token("contributor", "fuzz-contributor")
                    )
                )
            )
            config = directory / "schemathesis.toml"
            config.write_text(
                config_text(
                    identities=identities, ids=ids, max_examples=args.max_examples, seed=args.seed
                )
            )
            results = []
            for target in targets:
                if target == "gateway":
                    base = stack.gateway_url
                    schema = f"{base}/api/openapi.json"
                else:
                    base = stack.url(target)
                    schema = f"{base}/openapi.json"
                results.append(
                    run_target(
                        target=target,
                        schema_url=schema,
                        base_url=base,
                        config=config,
                        report=reports / f"schemathesis-{target}.json",
                        max_time=args.seconds,
                        workers=args.workers,
                        ids=ids,
                    )
                )
                dead = stack.exited()
                if dead:
                    raise SystemExit(f"processes died during the {target} run: {dead}")

    failing, allowed = judge(results, allowlist)
    print(summary(results, failing, allowed))
    for entry in unused_entries(results, allowlist):
        print(f"  note: allowlist entry not seen in this run: {entry}")
    print(f"gate wall time: {time.monotonic() - started:.0f} s")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
