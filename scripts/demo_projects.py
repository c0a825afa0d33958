"""`make demo`, projects: the virtual ward's registry details, team, adoption milestones,
benefits, an agreed outcome map, two quarters of outcome journals, and one strategy and one
performance journal entry.

Loaded through the gateway with the demo's governance token, idempotently like the rest of the
demo: each record is looked up first and created with a stable Idempotency-Key; the map is agreed
and journal entries are submitted only when they are behind. What a newcomer then sees:
`/projects/{id}/team`, `/adoption-tracker`, `/benefits`, `/outcome-maps?status=agreed`,
`/outcome-journal`, `/strategy-journal`, `/performance-journal`, `/attainment`,
`/strategy-coverage`, `/practice-profile`, `/key-people` and the portfolio reads
`/projects/benefits-summary` and `/projects/key-people`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scripts.demo import Demo

AREA = "project detail"
PROJECT = "projects:virtual-ward-frailty-respiratory"
Json = dict[str, Any]

REGISTRY: Json = {
    "problem_statement": "Older people with frailty and adults with COPD exacerbations stay in "
    "acute beds for want of step-down monitoring, and are readmitted within 30 days.",
    "site_code": "REM21",
    "funding_source": "NHS England virtual ward programme",
    "budget_gbp": 480000,
    "core20plus5_tags": ["chronic_respiratory_disease", "core20_deprivation"],
    "net_zero_relevant": True,
}
TEAM = [
    ("dr-helen-price", "Dr Helen Price", "trust", "project_lead"),
    ("dr-sam-okoye", "Dr Sam Okoye", "trust", "clinical_lead"),
    ("mark-ellis", "Mark Ellis", "trust", "executive_sponsor"),
    ("prof-jo-barnes", "Prof Jo Barnes", "university", "academic_lead"),
    ("dr-amara-okafor", "Dr Amara Okafor", "university", "developmental_evaluator"),
    ("lee-tran", "Lee Tran", "trust", "project_manager"),
]
MILESTONES: list[Json] = [
    {
        "adoption_code": "dtac_passed",
        "status": "done",
        "evidence_note": "DTAC approved at DSG 14 Jan.",
    },
    {"adoption_code": "clinical_safety_dcb0160", "status": "in_progress"},
    {
        "adoption_code": "dpia_approved",
        "status": "done",
        "evidence_note": "DPIA signed by the DPO.",
    },
    {"title": "G2 pilot approval paper", "gate": "g2_pilot_approval", "due_date": "2026-02-20"},
]
PARTNERS: list[Json] = [
    {
        "name": "ED and acute medicine nursing teams",
        "outcome_challenge": "Nurses identify eligible patients on day one and refer them to the "
        "virtual ward as a matter of routine.",
        "markers": [
            ("expect_to_see", "Attend virtual ward briefings"),
            ("expect_to_see", "Use the referral criteria card"),
            ("like_to_see", "Refer eligible patients within 24 hours of admission"),
            ("love_to_see", "Champion the virtual ward to new staff"),
        ],
        "strategies": [
            ("individual", "persuasive", "Ward-based teaching on the referral criteria"),
            ("environment", "supportive", "Referral prompt in the electronic record"),
        ],
    },
    {
        "name": "Community respiratory team",
        "outcome_challenge": "The community team co-manages COPD patients on the virtual ward and "
        "shares monitoring data with the acute consultants daily.",
        "markers": [
            ("expect_to_see", "Join the daily virtual ward huddle"),
            ("like_to_see", "Share oximetry alerts through the shared record"),
        ],
        "strategies": [
            ("environment", "causal", "Shared monitoring dashboard and escalation protocol")
        ],
    },
]
JOURNAL = [
    ("2026-01-12", "2026-03-31", ["low", "medium", "low", "not_observed"], ["low", "not_observed"]),
    ("2026-04-01", "2026-06-30", ["high", "high", "medium", "low"], ["medium", "low"]),
]


def _items(demo: Demo, path: str, params: dict[str, str] | None = None) -> list[Json]:
    response = demo.request("GET", f"/{path}", params={"limit": "200", **(params or {})})
    response.raise_for_status()
    return list(response.json()["items"])


def _post(demo: Demo, path: str, body: Json | None = None) -> Json:
    from scripts.demo import check

    response = demo.request("POST", f"/{path}", json=body or {})
    check(response, f"POST {path}")
    return dict(response.json())


def load_projects_detail(demo: Demo) -> None:
    from scripts.demo import check

    pid = demo.ids[PROJECT]
    base = f"projects/{pid}"
    check(demo.request("PATCH", f"/{base}", json=REGISTRY), "enriching the virtual ward")
    for subject, name, affiliation, role in TEAM:

        def member(s: str = subject, r: str = role) -> Json | None:
            return demo.find(f"{base}/team", {"subject": s, "role": r}, lambda _: True)

        demo.ensure(
            area=AREA,
            slug=f"team-{subject}-{role}",
            collection=f"{base}/team",
            body={
                "subject": subject,
                "display_name": name,
                "affiliation": affiliation,
                "role": role,
            },
            lookup=member,
        )
    for milestone in MILESTONES:
        slug = str(milestone.get("adoption_code") or milestone["title"])

        def tracked(s: str = slug) -> Json | None:
            return demo.find(
                f"{base}/milestones", {}, lambda m: s in (m["adoption_code"], m["title"])
            )

        demo.ensure(
            area=AREA,
            slug=f"milestone-{slug}",
            collection=f"{base}/milestones",
            body=milestone,
            lookup=tracked,
        )
    outcome_map = _agreed_map(demo, base)
    _benefits(demo, base, outcome_map)
    _journals(demo, base, outcome_map)
    _strategy_and_performance_journals(demo, base, outcome_map)


def _agreed_map(demo: Demo, base: str) -> Json:
    agreed = _items(demo, f"{base}/outcome-maps", {"status": "agreed"})
    if agreed:
        detail = demo.request("GET", f"/{base}/outcome-maps/{agreed[0]['id']}").json()
        demo.ids[f"{AREA}:map"] = detail["id"]
        return dict(detail)
    drafts = _items(demo, f"{base}/outcome-maps", {"status": "draft"})
    draft = (
        drafts[0]
        if drafts
        else _post(
            demo,
            f"{base}/outcome-maps",
            {
                "vision": "Older people with frailty and adults with COPD recover at home, safely "
                "monitored, with fewer days in hospital.",
                "mission": "Co-design and test a consultant-led virtual ward with ED, acute "
                "medicine and the community respiratory team.",
            },
        )
    )
    map_path = f"{base}/outcome-maps/{draft['id']}"
    detail = demo.request("GET", f"/{map_path}").json()
    for partner_seed in PARTNERS:
        partner = next((p for p in detail["partners"] if p["name"] == partner_seed["name"]), None)
        if partner is None:
            partner = _post(
                demo,
                f"{map_path}/partners",
                {
                    "name": partner_seed["name"],
                    "outcome_challenge": partner_seed["outcome_challenge"],
                },
            ) | {"markers": [], "strategies": []}
        texts = {m["text"] for m in partner["markers"]}
        for position, (level, text) in enumerate(partner_seed["markers"]):
            if text not in texts:
                _post(
                    demo,
                    f"{map_path}/partners/{partner['id']}/markers",
                    {"level": level, "text": text, "position": position},
                )
        described = {s["description"] for s in partner["strategies"]}
        for target, type_, description in partner_seed["strategies"]:
            if description not in described:
                _post(
                    demo,
                    f"{map_path}/partners/{partner['id']}/strategies",
                    {"target": target, "type": type_, "description": description},
                )
    for practice in (
        "seeking_feedback_from_key_informants",
        "engaging_in_organisational_reflection",
    ):
        demo.request("PATCH", f"/{map_path}/practices/{practice}", json={"in_use": True})
    agreed_map = _post(
        demo,
        f"{map_path}/transitions",
        {"to": "agreed", "agreed_in": "Intentional design workshop, 28 January 2026"},
    )
    demo.ids[f"{AREA}:map"] = agreed_map["id"]
    return agreed_map


def _benefits(demo: Demo, base: str, outcome_map: Json) -> None:
    marker = outcome_map["partners"][0]["markers"][2]["id"]
    benefit = demo.ensure(
        area=AREA,
        slug="benefit-bed-days",
        collection=f"{base}/benefits",
        body={
            "kind": "bed_days",
            "title": "Acute bed days avoided",
            "unit": "bed_days",
            "confidence": "medium",
            "progress_marker_ids": [marker],
        },
        lookup=lambda: demo.find(
            f"{base}/benefits", {}, lambda b: b["title"] == "Acute bed days avoided"
        ),
    )
    if not _items(demo, f"{base}/benefits/{benefit['id']}/values"):
        for value in (
            {"value_type": "estimated", "amount": 1800, "as_at": "2026-01-12"},
            {
                "value_type": "validated",
                "amount": 1450,
                "as_at": "2026-04-15",
                "validated_by": "finance-bp-medicine",
            },
            {"value_type": "actual", "amount": 610, "as_at": "2026-06-30"},
        ):
            _post(demo, f"{base}/benefits/{benefit['id']}/values", value)


def _journals(demo: Demo, base: str, outcome_map: Json) -> None:
    existing = {e["period_start"] for e in _items(demo, f"{base}/outcome-journal")}
    for start, end, first, second in JOURNAL:
        if start in existing:
            continue
        for partner, ratings in zip(outcome_map["partners"], (first, second), strict=True):
            entry = _post(
                demo,
                f"{base}/outcome-journal",
                {
                    "boundary_partner_id": partner["id"],
                    "period_start": start,
                    "period_end": end,
                    "contributors": ["dr-amara-okafor", "lee-tran"],
                    "marker_ratings": [
                        {"progress_marker_id": m["id"], "rating": r}
                        for m, r in zip(partner["markers"], ratings, strict=False)
                    ],
                    "description_of_change": "Referrals grew once the record prompted them.",
                    "contributing_factors_and_actors": "Ward teaching; the matron's huddles.",
                    "lessons": "Night staff need the briefing too.",
                },
            )
            _post(demo, f"{base}/outcome-journal/{entry['id']}/transitions", {"to": "submitted"})


def _strategy_and_performance_journals(demo: Demo, base: str, outcome_map: Json) -> None:
    """OM steps 10 and 11 for the first quarter: what the team did for its strategies, and how
    it lived two of its organisational practices."""
    start, end = JOURNAL[0][0], JOURNAL[0][1]
    if not any(e["period_start"] == start for e in _items(demo, f"{base}/strategy-journal")):
        strategies = [s["id"] for p in outcome_map["partners"] for s in p["strategies"]]
        entry = _post(
            demo,
            f"{base}/strategy-journal",
            {
                "outcome_map_id": outcome_map["id"],
                "period_start": start,
                "period_end": end,
                "strategy_ids": strategies[:2],
                "activities_implemented": "Four ED teaching sessions; a referral prompt.",
                "effectiveness": "Day-shift referrals rose; night shift still unaware.",
                "outputs": "Referral guide, 38 nurses briefed.",
                "required_follow_up": "Brief the night shift; audit referral times in April.",
                "lessons": "Prompts in the record work better than posters.",
                "programme_response": "Add a night-shift briefing to the Q2 plan.",
                "contributors": ["dr-amara-okafor", "lee-tran"],
            },
        )
        _post(demo, f"{base}/strategy-journal/{entry['id']}/transitions", {"to": "submitted"})
    if not any(e["period_start"] == start for e in _items(demo, f"{base}/performance-journal")):
        entry = _post(
            demo,
            f"{base}/performance-journal",
            {
                "outcome_map_id": outcome_map["id"],
                "period_start": start,
                "period_end": end,
                "practice_entries": [
                    {
                        "practice": "seeking_feedback_from_key_informants",
                        "examples_or_indicators": "Monthly calls with two patient partners.",
                        "sources_of_evidence": [{"text": "Call notes"}],
                        "rating": "medium",
                    },
                    {
                        "practice": "engaging_in_organisational_reflection",
                        "examples_or_indicators": "Quarterly after-action review with ED.",
                        "rating": "low",
                    },
                ],
                "lessons": "Reflection slips when the ward is busy; book it in advance.",
                "contributors": ["lee-tran"],
            },
        )
        _post(demo, f"{base}/performance-journal/{entry['id']}/transitions", {"to": "submitted"})
