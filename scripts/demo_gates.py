"""`make demo`, the stage gates: plays each project's gate history (`scripts.demo_gate_cases`)
through the API, so the portfolio stands at every stage with the decisions that put it there.

For each gate: an assessment is opened with its template and panel, every assessor declares no
conflict, rates each applicable criterion (`scripts.demo_ratings`) and submits; the chair moves
it through scoring and moderation, adopts the panel medians as consensus and freezes the score;
governance records the board's decision (with the meeting date, conditions and dissent), closes
the conditions that have been met, waived or breached, and records a correction where one
superseded the decision. The projects service moves the stage when it consumes
`decision.recorded`, so before the next gate (or a person's move: ending the pilot, pausing,
closing) the loader waits until the project stands where the last decision put it.

The projects play in parallel (one thread and one set of HTTP clients each); within a project
the steps run in order. Idempotent like the rest of the demo: an assessment is looked up by
project and gate and continued from where it stands, a decided one is skipped, moves are made
only when the stage history lacks them, and every create carries a stable Idempotency-Key.
"""

from __future__ import annotations

import datetime as dt
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import httpx

from assessment_service.frameworks.defaults import IIAF_NAME, NASSS_NAME
from scripts.demo_gate_cases import CHAINS, Gate, Move, Step
from scripts.demo_ratings import panel_ratings
from shared.auth import issue_token
from shared.settings import DEV_AUDIENCE, DEV_ISSUER, DEV_JWT_KEY

if TYPE_CHECKING:
    from scripts.demo import Demo

Json = dict[str, Any]
# Not "assessments": the fuzz gate and the hostile corpus name path parameters after the core
# steps' records (scripts.schemathesis_gate.DEMO_PARAMETERS), which these must not reorder.
AREA = "gates"
KEY = "cmdi-demo-v1:gates"
CHAIR = "cmdi-demo"
POOL = ("dr.a.patel", "n.okafor", "j.osei", "r.mensah", "c.doyle")
GATES = {
    "g0": "g0_triage",
    "g1": "g1_scoping",
    "g2": "g2_pilot_approval",
    "g3": "g3_post_pilot_review",
    "g4": "g4_scale_or_adopt",
    "g5": "g5_sustainability_review",
}
TEMPLATES = {"iiaf": (IIAF_NAME, 2), "nasss": (NASSS_NAME, 1)}
WORKERS = 8
# Writes in flight to the assessment service at once. It has one writer (SQLite) and a pool of
# five connections; more concurrent writers only queue on the lock, and on a busy machine one
# can wait past the busy timeout (a 500 "database is locked", reported to the lead).
ASSESSMENT_WRITES = threading.BoundedSemaphore(3)
STAGE_WAIT_SECONDS = 60.0
CONSUMER_LAG = 1.2  # seconds from recording a decision to the projects service applying it
PROCEED = frozenset({"proceed", "proceed_with_conditions"})
FOLLOWING = {"idea": "scoping", "scoping": "design", "design": "pilot"}


def stage_after(stage: str, step: Step) -> str:
    """Where a step leaves a project in `stage` (the projects service's gate rules, DOMAIN S1)."""
    if isinstance(step, Move):
        return step.to
    outcome = step.corrected_to or step.outcome
    if outcome is None or (outcome == "adapt" and step.gate != "g3"):
        return stage
    if outcome in ("stop", "pause"):
        return {"stop": "stopped", "pause": "paused"}[outcome]
    if step.gate in ("g0", "g1", "g2"):
        return FOLLOWING[stage] if outcome in PROCEED else stage
    if step.gate == "g3":
        return "design" if outcome == "adapt" else stage
    if step.gate == "g4":
        return {"scale": "scaling", "adopt": "embedding"}.get(outcome, stage)
    return "sustained"


def final_stages() -> dict[str, str]:
    """The stage each chain leaves its project in (the demo test checks these)."""
    finals = {}
    for slug, steps in CHAINS.items():
        stage = "idea"
        for step in steps:
            stage = stage_after(stage, step)
        finals[slug] = stage
    return finals


def meeting_date(month: str) -> dt.date:
    """The second Wednesday of `YYYY-MM`, when the boards meet."""
    first = dt.date.fromisoformat(f"{month}-01")
    return first + dt.timedelta(days=(2 - first.weekday()) % 7 + 7)


def _client(base_url: httpx.URL, subject: str, role: str) -> httpx.Client:
    token = issue_token(
        key=DEV_JWT_KEY, subject=subject, roles=[role], issuer=DEV_ISSUER, audience=DEV_AUDIENCE
    )
    return httpx.Client(
        base_url=base_url,
        headers={"Authorization": f"Bearer {token}", "User-Agent": "cmdi-demo"},
        timeout=httpx.Timeout(30.0, connect=3.0),
        trust_env=False,
    )


class Chain:
    """One project's gate history, played on its own clients (run in a worker thread)."""

    def __init__(self, demo: Demo, slug: str, templates: dict[str, Json], index: int) -> None:
        self.slug, self.templates, self.index = slug, templates, index
        self.http = _client(demo.http.base_url, CHAIR, "governance")
        self.demo = type(demo)(self.http, results=demo.results, ids=demo.ids)
        self.assessors: dict[str, httpx.Client] = {}
        self.project_id = demo.ids[f"projects:{slug}"]
        # Registered by this run (the projects step has finished): the project as it came back,
        # and no assessment or stage move of it to look up.
        self.new_project = next(
            (
                r.resource
                for r in demo.results
                if r.area == "projects" and r.slug == slug and r.outcome == "created"
            ),
            None,
        )
        self.decided_at = 0.0  # when this chain last recorded a decision (monotonic)

    def close(self) -> None:
        for client in (self.http, *self.assessors.values()):
            client.close()

    def fail(self, message: str) -> Exception:
        error: type[Exception] = sys.modules[type(self.demo).__module__].DemoError
        return error(f"{self.slug}: {message}")

    def ok(self, response: httpx.Response, doing: str) -> Any:
        if not response.is_success:
            raise self.fail(f"{doing}: HTTP {response.status_code}: {response.text[:300]}")
        return response.json() if response.content else {}

    def send(
        self, method: str, path: str, client: httpx.Client | None = None, **kwargs: Any
    ) -> httpx.Response:
        """A request (on `client`, else the chair's), writes to assessment held to the limit."""
        if method == "GET" or not path.startswith(("/assessments", "/decisions")):
            return self.demo.request(method, path, **kwargs)
        with ASSESSMENT_WRITES:
            if client is None:
                return self.demo.request(method, path, **kwargs)
            return client.request(method, path, **kwargs)

    def call(self, method: str, path: str, doing: str, **kwargs: Any) -> Any:
        return self.ok(self.send(method, path, **kwargs), doing)

    def assessor(self, subject: str) -> httpx.Client:
        if subject not in self.assessors:
            self.assessors[subject] = _client(self.http.base_url, subject, "evaluator")
        return self.assessors[subject]

    # -- the chain --------------------------------------------------------------------------

    def run(self) -> None:
        try:
            project = self.new_project or self.call(
                "GET", f"/projects/{self.project_id}", "reading the project"
            )
            stage = "idea"
            for number, step in enumerate(CHAINS[self.slug]):
                if isinstance(step, Move):
                    self.move(step, stage)
                else:
                    self.gate(step, number, stage, bool(project["is_digital"]))
                stage = stage_after(stage, step)
            self.wait_for(stage)
        finally:
            self.close()

    def wait_for(self, stage: str) -> None:
        """Until the projects service has applied the decisions that lead to `stage`."""
        # The consumer polls the feed once a second: asking sooner only adds load.
        time.sleep(max(0.0, self.decided_at + CONSUMER_LAG - time.monotonic()))
        deadline = time.monotonic() + STAGE_WAIT_SECONDS
        while True:
            now = self.call("GET", f"/projects/{self.project_id}", "reading the stage")["stage"]
            if now == stage:
                return
            if time.monotonic() > deadline:
                raise self.fail(
                    f"still {now} after {STAGE_WAIT_SECONDS:.0f} s, expected {stage}: does the "
                    "projects service consume the assessment feed (are its consumers running)?"
                )
            time.sleep(1.0)  # the consumer polls the feed once a second

    def move(self, step: Move, stage: str) -> None:
        history = f"projects/{self.project_id}/transitions"
        done = self.new_project is None and self.demo.find(
            history, {}, lambda c: c["to_stage"] == step.to and c["kind"] == "transition"
        )
        if done:
            return
        self.wait_for(stage)
        body = {"to": step.to, "reason": step.reason}
        self.call("POST", f"/{history}", f"moving to {step.to}", json=body)

    def gate(self, step: Gate, number: int, stage: str, digital: bool) -> None:
        gate = GATES[step.gate]
        slug = f"{self.slug}-{step.gate}"
        found = None
        if self.new_project is None:
            found = self.demo.find(
                "assessments",
                {"project_id": self.project_id, "gate": gate},
                lambda a: a["status"] != "cancelled",
            )
        if found is not None and found["status"] == "decided":
            self.demo._record(AREA, slug, "existing", found)
            if step.corrected_to or step.conditions:
                self.after_decision(step, found, slug)
            return
        name, minimum = TEMPLATES[step.template]
        panel = [POOL[(self.index + i) % len(POOL)] for i in range(step.assessors or minimum)]
        esf_tier = "b" if digital and step.template == "iiaf" else None
        if found is None:
            self.wait_for(stage)
            body = {
                "project_id": self.project_id,
                "gate": gate,
                "template_name": name,
                "assessors": panel,
                "panel_chair": CHAIR,
                "esf_tier": esf_tier,
            }
            for attempt in range(3):
                key = f"{KEY}:{slug}" + (f":retry-{attempt}" if attempt else "")
                response = self.send(
                    "POST", "/assessments", json=body, headers={"Idempotency-Key": key}
                )
                if response.status_code != 412:
                    break
                # Two assessments were the first to pin the template at once and the other one
                # won (on PostgreSQL the loser gets 412 and nothing was created; reported as a
                # service bug): ask again, under a new key since the 412 is stored under this one.
            found = self.ok(response, f"opening the {gate} assessment")
            replayed = response.headers.get("Idempotent-Replayed") == "true"
            self.demo._record(AREA, slug, "replayed" if replayed else "created", found)
        else:
            self.demo._record(AREA, slug, "existing", found)
        ratings = panel_ratings(
            self.templates[name],
            gate=gate,
            is_digital=digital,
            esf_tier=esf_tier,
            outcome=step.rated_as,
            assessors=len(panel),
            gates_pass=step.gates_pass,
        )
        assessment = self.score(found, panel, ratings, step)
        if assessment["status"] != "scored":
            return
        expected = {"g4": "scale", "g5": "adopt"}.get(step.gate, "proceed")
        expected = expected if step.rated_as == "proceed" else step.rated_as
        if assessment["recommendation"] != expected:
            # The template's weights or thresholds changed since the cases were written.
            print(
                f"make demo: {slug} was meant to be recommended {expected}, the engine says "
                f"{assessment['recommendation']}",
                file=sys.stderr,
            )
        if step.outcome is not None:
            self.decide(step, assessment, number, slug)

    def advance(self, assessment: Json, to: str) -> Json:
        path = f"/assessments/{assessment['id']}/transitions"
        return dict(self.call("POST", path, f"moving the assessment to {to}", json={"to": to}))

    def score(self, assessment: Json, panel: list[str], ratings: list[Json], step: Gate) -> Json:
        path = f"/assessments/{assessment['id']}"
        fresh = assessment["status"] == "draft"  # nobody has declared or rated yet
        if assessment["status"] == "draft":
            assessment = self.advance(assessment, "open")
        if step.template == "iiaf" and assessment["status"] in ("open", "scoring"):
            profile = [
                {"domain": "technology", "rating": "complicated"},
                {"domain": "adopter_system", "rating": "complicated"},
                {"domain": "organisation", "rating": "simple"},
                {"domain": "wider_system", "rating": "complex"},
            ]
            self.call("PUT", f"{path}/complexity", "NASSS profile", json={"ratings": profile})
        if assessment["status"] in ("open", "scoring"):
            members: list[Json] = (
                [{"subject": s, "submitted_at": None, "declaration": "pending"} for s in panel]
                if fresh
                else self.call("GET", f"{path}/panel", "reading the panel")["items"]
            )
            submitted = {m["subject"]: m for m in members}
            rating_panel = panel[:1] if step.until == "scoring" else panel
            for subject, bodies in zip(rating_panel, ratings, strict=False):
                if submitted[subject]["submitted_at"]:
                    continue
                self.rate(path, subject, submitted[subject]["declaration"], bodies)
            if assessment["status"] == "open":
                assessment = self.advance(assessment, "scoring")
            if step.until == "scoring":
                return assessment
            assessment = self.advance(assessment, "moderation")
        if step.until == "moderation":
            return assessment
        if assessment["status"] == "moderation":
            self.call("POST", f"{path}/consensus/medians", "adopting the medians")
            assessment = self.advance(assessment, "scored")
        return assessment

    def rate(self, path: str, subject: str, declaration: str, bodies: Json) -> None:
        client = self.assessor(subject)
        if declaration == "pending":
            body = {"has_conflict": False}
            response = self.send("PUT", f"{path}/panel/me/declaration", client, json=body)
            self.ok(response, "declaring")
        for code, body in bodies.items():
            response = self.send("PUT", f"{path}/ratings/{code}", client, json=body)
            self.ok(response, f"{subject} rating {code}")
        self.ok(self.send("POST", f"{path}/panel/me/submission", client), f"{subject} submitting")

    def decide(self, step: Gate, assessment: Json, number: int, slug: str) -> None:
        assert step.outcome is not None
        meeting = meeting_date(step.month)
        overridden = assessment.get("recommendation") not in (None, step.outcome)
        rationale = step.rationale or (
            f"{step.outcome.replace('_', ' ').capitalize()}, as the panel's score recommended."
        )
        if overridden and not step.rationale:
            raise self.fail(f"the {step.gate} decision overrides the recommendation: say why")
        body: Json = {
            "assessment_id": assessment["id"],
            "outcome": step.outcome,
            "rationale": rationale,
            "forum": step.forum,
            "meeting_date": meeting.isoformat(),
            "minutes_ref": f"{'DDA' if step.forum != 'CMDI Innovation Board' else 'IB'}-"
            f"{meeting:%Y-%m} item {self.index % 7 + number + 2}",
            "conditions": [
                {"text": c.text, "owner": c.owner, "due_date": c.due} for c in step.conditions
            ],
            "dissent": [{"member": m, "note": n} for m, n in step.dissent],
        }
        if step.outcome in PROCEED | {"scale", "adopt"}:
            body["review_by"] = (meeting + dt.timedelta(days=182)).isoformat()
        response = self.send(
            "POST", "/decisions", json=body, headers={"Idempotency-Key": f"{KEY}:{slug}:decision"}
        )
        decision = self.ok(response, f"recording the {step.gate} decision")
        self.decided_at = time.monotonic()
        self.demo._record("decisions", slug, "created", decision)
        if step.corrected_to or step.conditions:
            self.after_decision(step, assessment, slug)

    def after_decision(self, step: Gate, assessment: Json, slug: str) -> None:
        """Close the conditions that were, and record the correction that superseded it."""
        decisions = self.call(
            "GET", "/decisions", "listing decisions", params={"assessment_id": assessment["id"]}
        )["items"]
        current = next(d for d in decisions if d["superseded_by_id"] is None)
        if step.conditions:
            full = self.call("GET", f"/decisions/{current['id']}", "reading the decision")
            for condition in full["conditions"]:
                seed = next((c for c in step.conditions if c.text == condition["text"]), None)
                if seed is None or seed.close is None or condition["status"] != "open":
                    continue
                self.call(
                    "POST",
                    f"/decisions/{current['id']}/conditions/{condition['id']}/transitions",
                    "closing a condition",
                    json={"to": seed.close, "reason": seed.note or f"Reported {seed.close}."},
                )
        if step.corrected_to and current["outcome"] != step.corrected_to:
            response = self.send(
                "POST",
                "/decisions",
                json={
                    "assessment_id": assessment["id"],
                    "outcome": step.corrected_to,
                    "rationale": "Minutes corrected at the next meeting: the board decided to "
                    f"{step.corrected_to}, not {current['outcome']}.",
                    "forum": step.forum,
                    "meeting_date": meeting_date(step.month).isoformat(),
                    "supersedes_id": current["id"],
                },
                headers={"Idempotency-Key": f"{KEY}:{slug}:correction"},
            )
            correction = self.ok(response, "recording the correction")
            self.decided_at = time.monotonic()
            self.demo._record("decisions", f"{slug}-correction", "created", correction)


def _templates(demo: Demo) -> dict[str, Json]:
    """Each shipped template's active version, in full (its criteria say what to rate)."""
    found = {}
    for name in (IIAF_NAME, NASSS_NAME):
        summary = demo.find("frameworks", {"name": name, "status": "active"}, lambda _: True)
        if summary is None:
            raise sys.modules[type(demo).__module__].DemoError(f"{name} has no active version")
        response = demo.request("GET", f"/frameworks/{summary['id']}")
        response.raise_for_status()
        found[name] = dict(response.json())
    return found


def load_gates(demo: Demo) -> None:
    """Every chain, in parallel (needs the projects and the templates loaded)."""
    # Its own client: this step may run beside others that use `demo.http`.
    with _client(demo.http.base_url, CHAIR, "governance") as http:
        templates = _templates(type(demo)(http, results=demo.results, ids=demo.ids))
    chains = [Chain(demo, slug, templates, index) for index, slug in enumerate(CHAINS)]
    # The longest histories first: they wait longest for the projects service.
    chains.sort(key=lambda chain: -len(CHAINS[chain.slug]))
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="demo-gates") as pool:
        futures = [pool.submit(chain.run) for chain in chains]
        for future in futures:
            future.result()
