"""`make demo`: load a fictional but realistic dataset through the public API, never the databases.

With `make run` going, this talks to the gateway at `CMDI_GATEWAY_URL` (default
http://127.0.0.1:8000) as the development subject `cmdi-demo` with a `governance` token signed
with the development key. Loading is idempotent, so it is safe to run again:

- each item is first looked up by its natural key (ODS code or name; name and version; title)
  and skipped when it is already there;
- otherwise it is created with an `Idempotency-Key` derived from its stable name
  (`cmdi-demo-v1:<area>:<slug>`), so a retry, or a second concurrent run, replays the stored
  response instead of creating it twice;
- a 409 on a unique rule (an ODS code, a framework version) means someone else created it: it is
  looked up again and counted as already there.

What it loads: the core steps tell the virtual ward's story (its team, outcome map, journals,
developmental evaluation with a pivot, stakeholders and a co-design workshop) and three G0
assessments; the portfolio steps add 23 projects (32 in all, every stage occupied), play their
stage-gate histories (`scripts.demo_gates`), and add outcome maps and journals over several
quarters, benefits, stakeholders and a year of engagements (`scripts.demo_journals`,
`scripts.demo_engagement`), enough for every figure and chart of the reports.

Dates: the past is set wherever the API takes it (board meeting dates, engagement `held_at`,
stakeholder `assessed_at`, journal periods, benefit `as_at`, team start and end dates, DE
`observed_at` and `decided_at`). What the API stamps with the moment of the request clusters at
the day the demo ran: every stage change (so days-in-stage figures are about 0 and the gate
funnel's period is today), decisions' `decided_at` (decisions "in the period" are all recent;
`meeting_date` keeps the history), `scored_at`, and each record's creation, which is what the
reports' "recorded by `as_of`" reads (an `as_of` before that day finds an empty platform).

Extending it: add seed records to a list below, or a new `Step(area, loader)` to `STEPS` (later
steps can use the ids of earlier ones through `Demo.ids`, e.g. `demo.ids["organisations:REM"]`).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

import httpx

from scripts.demo_assessment import load_assessments, load_frameworks as load_templates
from scripts.demo_engagement import load_engagement
from scripts.demo_evaluation import load_evaluation
from scripts.demo_evaluation_ed import load_evaluation_ed
from scripts.demo_gate_evidence import load_gate_evidence
from scripts.demo_gates import load_gates
from scripts.demo_involvement import load_involvement
from scripts.demo_journals import load_journals
from scripts.demo_key_people import load_key_people
from scripts.demo_nhs_record import load_nhs_record
from scripts.demo_portfolio import load_portfolio
from scripts.demo_projects import load_projects_detail
from scripts.demo_stakeholders import load_stakeholders
from shared.auth import issue_token
from shared.settings import DEV_AUDIENCE, DEV_ISSUER, DEV_JWT_KEY

DEFAULT_GATEWAY_URL = "http://127.0.0.1:8000"
DEMO_SUBJECT = "cmdi-demo"
KEY_PREFIX = "cmdi-demo-v1"
PROBLEM_BASE = "https://cmdi.example/problems/"
RETRY_STATUSES = frozenset({502, 503, 504})
ATTEMPTS = 4
MAX_PAGES = 50

Outcome = Literal["created", "replayed", "existing"]
Json = dict[str, Any]


class DemoError(Exception):
    """The demo could not load an item; the message says what to do."""


# -- seed data -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationSeed:
    slug: str
    name: str
    type: str
    ods_code: str | None = None
    website: str | None = None
    parent: str | None = None  # the slug of an organisation listed earlier

    def body(self, ids: dict[str, str]) -> Json:
        body: Json = {"name": self.name, "type": self.type}
        if self.ods_code:
            body["ods_code"] = self.ods_code
        if self.website:
            body["website"] = self.website
        if self.parent:
            body["parent_id"] = ids[f"organisations:{self.parent}"]
        return body


@dataclass(frozen=True)
class FrameworkSeed:
    slug: str
    name: str
    semver: str
    description: str

    def body(self) -> Json:
        return {"name": self.name, "semver": self.semver, "description": self.description}


@dataclass(frozen=True)
class ProjectSeed:
    slug: str
    title: str
    summary: str
    directorate: str
    pillar: str
    innovation_type: str
    lead_partner: str
    is_digital: bool
    tags: tuple[str, ...]
    start_date: dt.date
    planned_end_date: dt.date

    def body(self) -> Json:
        return {
            "title": self.title,
            "summary": self.summary,
            "directorate": self.directorate,
            "pillar": self.pillar,
            "innovation_type": self.innovation_type,
            "lead_partner": self.lead_partner,
            "is_digital": self.is_digital,
            "tags": list(self.tags),
            "start_date": self.start_date.isoformat(),
            "planned_end_date": self.planned_end_date.isoformat(),
        }


ORGANISATIONS: list[OrganisationSeed] = [
    OrganisationSeed(
        "luhft",
        "Liverpool University Hospitals NHS Foundation Trust",
        "nhs_trust",
        ods_code="REM",
        website="https://www.liverpoolft.nhs.uk",
    ),
    OrganisationSeed(
        "luhft-innovation-centre",
        "LUHFT Clinical Innovation Centre",
        "nhs_trust",
        parent="luhft",
    ),
    OrganisationSeed(
        "cm-icb",
        "NHS Cheshire and Merseyside Integrated Care Board",
        "integrated_care_board",
        ods_code="QYG",
        website="https://www.cheshireandmerseyside.nhs.uk",
    ),
    OrganisationSeed(
        "ljmu",
        "Liverpool John Moores University",
        "university",
        website="https://www.ljmu.ac.uk",
    ),
    OrganisationSeed(
        "ljmu-public-health",
        "LJMU Public Health Institute",
        "university",
        parent="ljmu",
    ),
    OrganisationSeed(
        "healthwatch-liverpool",
        "Healthwatch Liverpool",
        "patient_or_community_group",
        website="https://healthwatchliverpool.co.uk",
    ),
    OrganisationSeed(
        "lcvs",
        "Liverpool Charity and Voluntary Services",
        "voluntary_community_sector",
        website="https://lcvs.org.uk",
    ),
    OrganisationSeed(
        "mersey-medtech",
        "Mersey MedTech Collaborative Ltd (fictional)",
        "industry",
    ),
]

FRAMEWORKS: list[FrameworkSeed] = [
    FrameworkSeed(
        "cmdi-iiaf",
        "CMDI IIAF",
        "1.0.0",
        "Innovation Impact Assessment Framework: the CMDI's structured appraisal of a proposed or "
        "running innovation across patient benefit, safety, equity, workforce, sustainability, "
        "cost and scalability, scored before governance decisions at each stage gate.",
    ),
    FrameworkSeed(
        "nasss",
        "NASSS complexity",
        "1.0.0",
        "Non-adoption, Abandonment, Scale-up, Spread and Sustainability (Greenhalgh et al., 2017): "
        "seven domains (condition, technology, value proposition, adopters, organisation, wider "
        "system, embedding over time), each rated simple, complicated or complex.",
    ),
]

PROJECTS: list[ProjectSeed] = [
    ProjectSeed(
        "virtual-ward-frailty-respiratory",
        "Virtual ward for frailty and respiratory patients",
        "Hospital-at-home care for older people with frailty and adults with COPD exacerbations, "
        "with remote monitoring of oxygen saturation and daily consultant-led huddles, to shorten "
        "length of stay and avoid readmissions.",
        "Medicine",
        "project_innovation",
        "service_or_pathway_redesign",
        "trust",
        is_digital=True,
        tags=("virtual-ward", "remote-monitoring", "frailty", "copd"),
        start_date=dt.date(2026, 1, 12),
        planned_end_date=dt.date(2027, 3, 31),
    ),
    ProjectSeed(
        "ed-streaming",
        "Emergency department streaming at the front door",
        "A senior clinician streams walk-in patients within 15 minutes of arrival to urgent "
        "treatment, same-day emergency care, primary care or the main department, to reduce "
        "crowding and the time to first assessment.",
        "Urgent and Emergency Care",
        "project_innovation",
        "service_or_pathway_redesign",
        "trust",
        is_digital=False,
        tags=("emergency-department", "flow", "sdec"),
        start_date=dt.date(2025, 11, 3),
        planned_end_date=dt.date(2026, 10, 30),
    ),
    ProjectSeed(
        "ai-discharge-summaries",
        "AI-assisted discharge summaries",
        "A large language model drafts discharge summaries from the electronic record for a "
        "doctor to check and sign, evaluated with LJMU for accuracy, time saved and GP "
        "satisfaction under DCB0129/DCB0160 clinical safety cases.",
        "Digital",
        "project_innovation",
        "digital_technology",
        "joint",
        is_digital=True,
        tags=("ai", "discharge", "clinical-safety", "primary-care-interface"),
        start_date=dt.date(2026, 3, 2),
        planned_end_date=dt.date(2027, 6, 30),
    ),
    ProjectSeed(
        "pharmacy-robotics",
        "Pharmacy dispensing robotics",
        "Automated dispensing and stock picking in the main hospital pharmacy, releasing "
        "pharmacy technicians to ward-based medicines reconciliation and reducing dispensing "
        "errors and turnaround times for discharge prescriptions.",
        "Pharmacy",
        "project_innovation",
        "digital_technology",
        "trust",
        is_digital=True,
        tags=("pharmacy", "automation", "discharge"),
        start_date=dt.date(2026, 4, 1),
        planned_end_date=dt.date(2027, 3, 31),
    ),
    ProjectSeed(
        "nurse-led-heart-failure-clinics",
        "Nurse-led heart failure clinics",
        "Heart failure specialist nurses run titration clinics with independent prescribing, "
        "so patients reach optimal doses sooner and consultants see only the most complex cases.",
        "Medicine",
        "project_innovation",
        "workforce_or_role",
        "trust",
        is_digital=False,
        tags=("cardiology", "nurse-led", "advanced-practice"),
        start_date=dt.date(2025, 9, 1),
        planned_end_date=dt.date(2026, 8, 31),
    ),
    ProjectSeed(
        "digital-outpatients-pifu",
        "Digital outpatients: patient-initiated follow-up",
        "Patients with stable long-term conditions book follow-up when they need it through the "
        "patient portal instead of routine appointments, with remote review of symptom "
        "questionnaires; starting in rheumatology and dermatology.",
        "Outpatients",
        "project_innovation",
        "service_or_pathway_redesign",
        "trust",
        is_digital=True,
        tags=("outpatients", "pifu", "patient-portal"),
        start_date=dt.date(2026, 2, 2),
        planned_end_date=dt.date(2027, 1, 29),
    ),
    ProjectSeed(
        "net-zero-anaesthetic-gases",
        "Net-zero anaesthetic gases",
        "Decommissioning desflurane, capturing volatile anaesthetic agents and fixing nitrous "
        "oxide manifold leaks across theatres, measured in tonnes of CO2 equivalent avoided "
        "against the Greener NHS trajectory.",
        "Theatres, Anaesthesia and Critical Care",
        "project_innovation",
        "organisational_or_management",
        "trust",
        is_digital=False,
        tags=("net-zero", "anaesthesia", "sustainability"),
        start_date=dt.date(2025, 10, 1),
        planned_end_date=dt.date(2026, 9, 30),
    ),
    ProjectSeed(
        "falls-sensors-older-peoples-wards",
        "Bedside falls sensors on older people's wards",
        "Contactless sensors alert ward staff when a patient at high risk of falling gets up at "
        "night; a stepped-wedge pilot on four wards measuring falls with harm per 1,000 bed days.",
        "Medicine",
        "project_innovation",
        "medical_device",
        "joint",
        is_digital=True,
        tags=("falls", "patient-safety", "sensors"),
        start_date=dt.date(2026, 5, 5),
        planned_end_date=dt.date(2027, 5, 28),
    ),
    ProjectSeed(
        "proportionate-innovation-governance",
        "Proportionate approval pathway for innovations",
        "A tiered route through information governance, clinical safety and procurement sized "
        "to the risk of each innovation, co-designed with Healthwatch Liverpool, with decision "
        "times reported to the innovation board.",
        "Research and Innovation",
        "innovation_governance",
        "organisational_or_management",
        "joint",
        is_digital=False,
        tags=("governance", "co-design", "approvals"),
        start_date=dt.date(2025, 7, 1),
        planned_end_date=dt.date(2026, 6, 30),
    ),
]


# -- the client ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    area: str
    slug: str
    outcome: Outcome
    resource: Json


@dataclass
class Demo:
    """The API as the demo loaders see it: look up, create idempotently, remember ids."""

    http: httpx.Client
    results: list[Loaded] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)  # "<area>:<slug>" → id

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A request, retried on connection failures and 502/503/504 (writes are only retried
        with an Idempotency-Key, which every demo write carries)."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                response = self.http.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                if attempt == ATTEMPTS:
                    raise DemoError(
                        f"could not reach the gateway at {self.http.base_url} "
                        f"({type(exc).__name__}). Is `make run` going? "
                        "Set CMDI_GATEWAY_URL if it listens elsewhere."
                    ) from exc
            else:
                if response.status_code not in RETRY_STATUSES or attempt == ATTEMPTS:
                    return response
            time.sleep(0.5 * attempt)
        raise AssertionError("unreachable")

    def find(
        self, collection: str, params: dict[str, str], match: Callable[[Json], bool]
    ) -> Json | None:
        """The first item of `collection` (filtered by `params`, every page) that `match`es."""
        query: dict[str, str] = {**params, "limit": "200"}
        for _ in range(MAX_PAGES):
            response = self.request("GET", f"/{collection}", params=query)
            check(response, f"listing {collection}")
            page = response.json()
            for item in page["items"]:
                if match(item):
                    return dict(item)
            if not page.get("next_cursor"):
                return None
            query["cursor"] = page["next_cursor"]
        return None

    def ensure(
        self,
        *,
        area: str,
        slug: str,
        body: Json,
        lookup: Callable[[], Json | None],
        collection: str | None = None,
    ) -> Json:
        """The item, created through `POST /<collection>` unless `lookup` finds it."""
        return self.ensure_with_outcome(
            area=area, slug=slug, body=body, lookup=lookup, collection=collection
        )[0]

    def ensure_with_outcome(
        self,
        *,
        area: str,
        slug: str,
        body: Json,
        lookup: Callable[[], Json | None],
        collection: str | None = None,
    ) -> tuple[Json, Outcome]:
        """`ensure`, saying whether the item was created now (a loader can then skip looking up
        children that a new item cannot have yet)."""
        collection = collection or area
        existing = lookup()
        if existing is not None:
            return self._record(area, slug, "existing", existing), "existing"
        key = f"{KEY_PREFIX}:{area}:{slug}"
        for _ in range(10):
            response = self.request(
                "POST", f"/{collection}", json=body, headers={"Idempotency-Key": key}
            )
            if response.status_code == 201:
                replayed = response.headers.get("Idempotent-Replayed") == "true"
                outcome: Outcome = "replayed" if replayed else "created"
                return self._record(area, slug, outcome, response.json()), outcome
            problem = problem_type(response)
            if response.status_code == 409 and problem == "idempotency-key-in-progress":
                time.sleep(0.5)  # another run is creating this very item right now
                continue
            if response.status_code == 409:
                found = lookup()  # a unique rule: someone created it since our lookup
                if found is not None:
                    return self._record(area, slug, "existing", found), "existing"
            if problem == "idempotency-key-reused":
                raise DemoError(
                    f"{area} {slug!r}: its seed data changed since it was first loaded "
                    f"with key {key!r}; change the slug (or KEY_PREFIX) to load the new version"
                )
            check(response, f"creating {area} {slug!r}")
        raise DemoError(f"{area} {slug!r}: another request kept the Idempotency-Key {key!r} busy")

    def _record(self, area: str, slug: str, outcome: Outcome, resource: Json) -> Json:
        self.results.append(Loaded(area, slug, outcome, resource))
        self.ids[f"{area}:{slug}"] = str(resource["id"])
        return resource


def problem_type(response: httpx.Response) -> str | None:
    if not response.headers.get("content-type", "").startswith("application/problem+json"):
        return None
    try:
        value = response.json().get("type")
    except ValueError:
        return None
    return value.removeprefix(PROBLEM_BASE) if isinstance(value, str) else None


def check(response: httpx.Response, doing: str) -> None:
    if response.is_success:
        return
    detail = response.text[:500]
    hint = ""
    if response.status_code == 401:
        hint = " (the development token was refused: do the processes run with the dev key?)"
    elif response.status_code == 403:
        hint = " (the demo's role is not allowed to do this)"
    elif response.status_code == 404:
        hint = " (is this the gateway URL? set CMDI_GATEWAY_URL)"
    raise DemoError(f"{doing}: HTTP {response.status_code}{hint}: {detail}")


# -- loaders, one per area -----------------------------------------------------------------------


def load_organisations(demo: Demo) -> None:
    for seed in ORGANISATIONS:

        def lookup(seed: OrganisationSeed = seed) -> Json | None:
            if seed.ods_code:
                return demo.find("organisations", {"ods_code": seed.ods_code}, lambda _: True)
            return demo.find(
                "organisations",
                {"q": seed.name},
                lambda item: str(item["name"]).lower() == seed.name.lower(),
            )

        demo.ensure(area="organisations", slug=seed.slug, body=seed.body(demo.ids), lookup=lookup)


def load_frameworks(demo: Demo) -> None:
    for seed in FRAMEWORKS:

        def lookup(seed: FrameworkSeed = seed) -> Json | None:
            return demo.find(
                "frameworks", {"name": seed.name}, lambda item: item["semver"] == seed.semver
            )

        demo.ensure(area="frameworks", slug=seed.slug, body=seed.body(), lookup=lookup)


def load_projects(demo: Demo) -> None:
    for seed in PROJECTS:

        def lookup(seed: ProjectSeed = seed) -> Json | None:
            return demo.find(
                "projects", {"q": seed.title}, lambda item: item["title"] == seed.title
            )

        demo.ensure(area="projects", slug=seed.slug, body=seed.body(), lookup=lookup)


@dataclass(frozen=True)
class Step:
    area: str
    load: Callable[[Demo], None]
    # Runs on a thread beside the steps after it (which must not need its ids); `run` waits for
    # it before returning. For the gate histories, which spend most of their time waiting for
    # the projects service to consume decisions.
    background: bool = False


# In dependency order: a step may use the ids of any step before it. The core steps load the
# virtual ward's story and need nothing but the services; the portfolio steps add the other
# projects and play their gate histories, which needs the change-feed consumers running (the
# projects service moves stages as it consumes decisions), as `make run` has them.
CORE_STEPS: list[Step] = [
    Step("organisations", load_organisations),
    Step("frameworks", load_templates),
    Step("projects", load_projects),
    Step("assessments", load_assessments),
    Step("project detail", load_projects_detail),
    Step("evaluation", load_evaluation),
    Step("stakeholders", load_stakeholders),
]
PORTFOLIO_STEPS: list[Step] = [
    Step("portfolio", load_portfolio),
    Step("gates", load_gates, background=True),
    Step("journals", load_journals),
    Step("evaluation (ED triage)", load_evaluation_ed),
    Step("engagement", load_engagement),
    Step("nhs records", load_nhs_record),
    Step("involvement", load_involvement),
    Step("key people", load_key_people),
    Step("gate evidence", load_gate_evidence),
]
# The gate histories start as soon as their projects exist, so they run beside everything else.
STEPS: list[Step] = [*CORE_STEPS[:3], *PORTFOLIO_STEPS[:2], *CORE_STEPS[3:], *PORTFOLIO_STEPS[2:]]


# -- running it ----------------------------------------------------------------------------------


def demo_token(roles: Iterable[str] = ("governance",)) -> str:
    return issue_token(
        key=DEV_JWT_KEY,
        subject=DEMO_SUBJECT,
        roles=roles,
        issuer=DEV_ISSUER,
        audience=DEV_AUDIENCE,
        ttl_seconds=3600,
    )


def summary(demo: Demo, gateway: str) -> str:
    lines = ["", "Demo dataset loaded through the API:"]
    for area in dict.fromkeys(result.area for result in demo.results):
        outcomes = Counter(result.outcome for result in demo.results if result.area == area)
        total = sum(outcomes.values())
        lines.append(
            f"  {area:<14} {total:>3}  (created now {outcomes['created']}, "
            f"already there {outcomes['existing'] + outcomes['replayed']})"
        )
    api = f"{gateway}/api/v1"
    example_project = demo.ids.get(f"projects:{PROJECTS[0].slug}", "<project id>")
    lines += [
        "",
        "Try it:",
        "  export TOKEN=$(make -s token ROLE=viewer)",
        f"  curl -s -H \"Authorization: Bearer $TOKEN\" '{api}/projects?limit=3'",
        f"  curl -s -H \"Authorization: Bearer $TOKEN\" '{api}/projects/{example_project}'",
        f'  curl -s -H "Authorization: Bearer $TOKEN" \\\n'
        f"       '{api}/projects?directorate=Medicine&is_digital=true'",
        f"  curl -s -H \"Authorization: Bearer $TOKEN\" '{api}/organisations?ods_code=REM'",
        f'  curl -s -H "Authorization: Bearer $TOKEN" \\\n'
        f"       '{api}/frameworks?name={quote('CMDI IIAF')}'",
        f"  API docs: {gateway}/api/docs",
    ]
    return "\n".join(lines)


def run(gateway: str, steps: Iterable[Step] = STEPS) -> Demo:
    headers = {"Authorization": f"Bearer {demo_token()}", "User-Agent": "cmdi-demo"}
    http = httpx.Client(
        base_url=f"{gateway}/api/v1",
        headers=headers,
        timeout=httpx.Timeout(15.0, connect=3.0),
        trust_env=False,
    )
    started = time.monotonic()
    with http, ThreadPoolExecutor(thread_name_prefix="demo-step") as background:
        demo = Demo(http)
        running: list[tuple[Step, Future[None]]] = []
        for step in steps:
            if step.background:
                print(f"Loading {step.area} (in the background)...", file=sys.stderr)
                running.append((step, background.submit(step.load, demo)))
                continue
            began = time.monotonic()
            print(f"Loading {step.area}...", file=sys.stderr, end="", flush=True)
            step.load(demo)
            print(f" {time.monotonic() - began:.1f} s", file=sys.stderr)
        for step, future in running:
            future.result()
            print(f"Loaded {step.area} by {time.monotonic() - started:.1f} s", file=sys.stderr)
    return demo


def main() -> int:
    gateway = os.environ.get("CMDI_GATEWAY_URL", DEFAULT_GATEWAY_URL).rstrip("/")
    try:
        demo = run(gateway)
    except DemoError as exc:
        print(f"make demo: {exc}", file=sys.stderr)
        return 1
    print(summary(demo, gateway))
    return 0


if __name__ == "__main__":
    # The loaders import `scripts.demo` (for `check`): let that be this module, so the DemoError
    # they raise is the one `main` catches, not a second copy's.
    sys.modules.setdefault("scripts.demo", sys.modules[__name__])
    sys.exit(main())
