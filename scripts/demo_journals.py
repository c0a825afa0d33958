"""`make demo`, outcome mapping across the portfolio: seven more projects with an agreed outcome
map (boundary partners, graduated progress markers, strategies, practices in use and a
monitoring plan), quarters of outcome, strategy and performance journals, and benefits with
values over time; and a third quarter of the virtual ward's journals.

Ratings rise quarter by quarter (partners are seen to do the expect-to-see markers first and the
love-to-see ones last), so attainment over time has a shape. Journals older than the last two
quarters are reviewed, the recent ones only submitted. Three projects stopped journaling after
June 2026, so their quarterly monitoring is overdue by December. Idempotent: a map is looked up
by status, a journal entry by its period, a benefit by its title; everything else hangs off
those.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scripts.demo import Demo

Json = dict[str, Any]
AREA = "journals"
VW = "virtual-ward-frailty-respiratory"
# Rating of each marker level in a partner's n-th quarter (later quarters keep the last).
RISE = {
    "expect_to_see": ("low", "medium", "high", "high"),
    "like_to_see": ("not_observed", "low", "medium", "high"),
    "love_to_see": ("not_observed", "not_observed", "low", "medium"),
}
PRACTICES = ("seeking_feedback_from_key_informants", "engaging_in_organisational_reflection")


@dataclass(frozen=True)
class Partner:
    name: str
    challenge: str
    markers: tuple[str, str, str]  # expect, like, love to see
    strategy: tuple[str, str, str]  # target, type, description


@dataclass(frozen=True)
class Benefit:
    kind: str
    title: str
    unit: str
    confidence: str
    values: tuple[tuple[str, float, str], ...]  # (value type, amount, as at)


@dataclass(frozen=True)
class MapSeed:
    project: str
    vision: str
    mission: str
    partners: tuple[Partner, ...]
    quarters: tuple[str, ...]  # first days of the journaled quarters
    benefits: tuple[Benefit, ...] = ()


NURSES = Partner(
    "ED triage nurses", "Nurses use the tool with every mental health presentation.",
    ("Complete the tool at triage", "Refer to liaison within the hour", "Coach new starters"),
    ("individual", "persuasive", "Shift-start teaching on the risk tool"),
)  # fmt: skip
MAPS: list[MapSeed] = [
    MapSeed("ed-mental-health-triage", "People in crisis are seen by the right team quickly.",
            "Embed a digital risk tool in ED triage.",
            (NURSES, Partner("Liaison psychiatry team", "Liaison answers tool referrals first.",
                             ("Accept tool referrals", "Answer within the hour",
                              "Share outcomes back with ED"),
                             ("environment", "causal", "Referral alert to the liaison bleep"))),
            ("2026-04-01", "2026-07-01")),
    MapSeed("physician-associates-sdec", "Ambulatory patients are clerked without waiting.",
            "Pilot physician associates in SDEC.",
            (Partner("SDEC consultants", "Consultants supervise PAs as part of the rota.",
                     ("Attend supervision huddles", "Sign off PA clerking same day",
                      "Co-teach the PA induction"),
                     ("environment", "supportive", "Supervision built into the rota")),),
            ("2026-04-01",)),
    MapSeed("lung-rapid-diagnostics", "Lung cancer is found early in our communities.",
            "Straight-to-CT from primary care.",
            (Partner("GP practices", "GPs request straight-to-CT for every eligible patient.",
                     ("Use the referral form", "Refer within two days",
                      "Run practice case reviews"),
                     ("individual", "persuasive", "PCN education sessions")),
             Partner("Radiology team", "Radiology reports straight-to-CT within three days.",
                     ("Protect CT slots", "Report within three days", "Audit reporting times"),
                     ("environment", "causal", "Ring-fenced CT capacity"))),
            ("2025-10-01", "2026-01-01", "2026-04-01", "2026-07-01"),
            (Benefit("patient_outcome", "Patients diagnosed at stage 1 or 2", "patients",
                     "medium", (("estimated", 60, "2025-06-02"), ("actual", 38, "2026-09-30"))),)),
    MapSeed("reusable-theatre-textiles", "Theatres run without single-use textiles.",
            "Switch to reusable gowns and drapes.",
            (Partner("Theatre teams", "Teams choose reusable textiles by default.",
                     ("Try reusable gowns", "Use reusables on every list", "Champion the switch"),
                     ("individual", "supportive", "Theatre champions and fitting sessions")),
             Partner("Laundry service", "The laundry turns textiles round within 48 hours.",
                     ("Collect twice daily", "Return within 48 hours", "Track every pack"),
                     ("environment", "causal", "Tracked packs and a second collection"))),
            ("2025-10-01", "2026-01-01", "2026-04-01"),
            (Benefit("carbon", "CO2e avoided by reusable textiles", "tCO2e", "medium",
                     (("estimated", 46, "2025-05-01"), ("validated", 38, "2026-01-15"),
                      ("actual", 21.5, "2026-09-30"))),
             Benefit("cash_release", "Single-use procurement avoided", "GBP", "low",
                     (("estimated", 85000, "2025-05-01"), ("actual", 31000, "2026-09-30"))))),
    MapSeed("frailty-hot-clinic", "Frail older people are assessed without going to ED.",
            "Next-day geriatrician clinic for GP and paramedic referrals.",
            (Partner("Paramedics", "Crews refer frail patients to the hot clinic, not ED.",
                     ("Call the clinic line", "Refer on scene", "Teach new crews"),
                     ("environment", "causal", "Direct booking line for crews")),
             Partner("GP practices", "GPs book the clinic for frail patients at risk.",
                     ("Know the criteria", "Book next-day slots", "Follow up together"),
                     ("individual", "persuasive", "Practice visits by the frailty team"))),
            ("2025-07-01", "2025-10-01", "2026-01-01", "2026-04-01", "2026-07-01"),
            (Benefit("bed_days", "Admissions avoided (bed days)", "bed_days", "high",
                     (("estimated", 2400, "2025-03-03"), ("validated", 1900, "2025-12-01"),
                      ("actual", 1320, "2026-09-30"))),)),
    MapSeed("patient-portal-booking", "Outpatients book the slot that suits them.",
            "Self-booking in the patient portal.",
            (Partner("Booking team", "The team supports patients who cannot self-book.",
                     ("Answer portal queries", "Book for patients who ask",
                      "Design the next release"),
                     ("individual", "supportive", "Portal training for the booking team")),),
            ("2025-04-01", "2025-07-01", "2025-10-01", "2026-01-01"),
            (Benefit("staff_time", "Booking team hours released", "hours", "medium",
                     (("estimated", 5200, "2025-01-06"), ("actual", 3100, "2026-03-31"))),)),
    MapSeed("discharge-transport-hub", "Nobody waits for a lift home.",
            "One hub books every discharge journey.",
            (Partner("Ward coordinators", "Wards book transport the day before discharge.",
                     ("Book by noon", "Book for every planned discharge", "Plan weekend runs"),
                     ("environment", "causal", "One booking form for all providers")),),
            ("2025-04-01", "2025-07-01", "2025-10-01", "2026-01-01", "2026-04-01",
             "2026-07-01"),
            (Benefit("bed_days", "Delayed discharge days avoided", "bed_days", "high",
                     (("estimated", 1500, "2024-09-02"), ("validated", 1350, "2025-06-30"),
                      ("actual", 1410, "2026-03-31"))),)),
]  # fmt: skip
# Benefits of projects without a journaled map here.
BENEFITS: dict[str, tuple[Benefit, ...]] = {
    "paperless-outpatient-letters": (
        Benefit("carbon", "Paper and postage emissions avoided", "tCO2e", "high",
                (("estimated", 14, "2024-06-03"), ("actual", 12.2, "2025-12-19"))),
        Benefit("cash_release", "Print and postage savings", "GBP", "high",
                (("estimated", 120000, "2024-06-03"), ("validated", 110000, "2025-06-30"),
                 ("actual", 118500, "2025-12-19"))),
    ),
    "net-zero-anaesthetic-gases": (
        Benefit("carbon", "Anaesthetic gas emissions avoided", "tCO2e", "medium",
                (("estimated", 120, "2025-10-01"), ("validated", 96, "2026-04-30"))),
    ),
}  # fmt: skip


def quarter_end(start: str) -> str:
    first = dt.date.fromisoformat(start)
    month = first.month + 3
    following = dt.date(first.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).isoformat()


class Loader:
    def __init__(self, demo: Demo, slug: str) -> None:
        self.demo, self.slug = demo, slug
        self.base = f"projects/{demo.ids[f'projects:{slug}']}"

    def items(self, path: str, **params: str) -> list[Json]:
        response = self.demo.request(
            "GET", f"/{self.base}/{path}", params={"limit": "200", **params}
        )
        self.check(response, f"listing {path}")
        return list(response.json()["items"])

    def check(self, response: Any, doing: str) -> None:
        from scripts.demo import check

        check(response, f"{self.slug}: {doing}")

    def post(self, path: str, body: Json) -> Json:
        response = self.demo.request("POST", f"/{self.base}/{path}", json=body)
        self.check(response, f"POST {path}")
        return dict(response.json())

    def agreed_map(self, seed: MapSeed) -> Json:
        agreed = self.items("outcome-maps", status="agreed")
        if agreed:
            response = self.demo.request("GET", f"/{self.base}/outcome-maps/{agreed[0]['id']}")
            return dict(response.json())
        drafts = self.items("outcome-maps", status="draft")
        body: Json = {"vision": seed.vision, "mission": seed.mission}
        draft = drafts[0] if drafts else self.post("outcome-maps", body)
        path = f"outcome-maps/{draft['id']}"
        detail = dict(self.demo.request("GET", f"/{self.base}/{path}").json())
        for partner in seed.partners:
            found = next((p for p in detail["partners"] if p["name"] == partner.name), None)
            if found is None:
                body = {"name": partner.name, "outcome_challenge": partner.challenge}
                found = self.post(f"{path}/partners", body) | {"markers": [], "strategies": []}
            texts = {m["text"] for m in found["markers"]}
            for position, (level, text) in enumerate(zip(RISE, partner.markers, strict=True)):
                if text not in texts:
                    body = {"level": level, "text": text, "position": position}
                    self.post(f"{path}/partners/{found['id']}/markers", body)
            if not found["strategies"]:
                target, type_, description = partner.strategy
                body = {"target": target, "type": type_, "description": description}
                self.post(f"{path}/partners/{found['id']}/strategies", body)
        for practice in PRACTICES:
            self.demo.request(
                "PATCH", f"/{self.base}/{path}/practices/{practice}", json={"in_use": True}
            )
        detail = dict(self.demo.request("GET", f"/{self.base}/{path}").json())
        if not self.items(f"{path}/monitoring-plan"):
            plan = [
                ("boundary_partner", p["id"], "quarterly", "outcome_journal")
                for p in detail["partners"]
            ]
            strategy = detail["partners"][0]["strategies"][0]["id"]
            plan += [
                ("strategy", strategy, "quarterly", "strategy_journal"),
                ("organisational_practice", PRACTICES[1], "biannual", "performance_journal"),
            ]
            for kind, ref, frequency, tool in plan:
                body = {
                    "priority_kind": kind,
                    "priority_ref": ref,
                    "frequency": frequency,
                    "tool": tool,
                    "who_collects": "project manager",
                }
                self.post(f"{path}/monitoring-plan", body)
        body = {"to": "agreed", "agreed_in": "Intentional design workshop"}
        return self.post(f"{path}/transitions", body)

    def journals(
        self, outcome_map: Json, quarters: tuple[str, ...], first_quarter: int = 0
    ) -> None:
        done = {
            (e["boundary_partner_id"], e["period_start"]) for e in self.items("outcome-journal")
        }
        strategies = {e["period_start"] for e in self.items("strategy-journal")}
        performance = {e["period_start"] for e in self.items("performance-journal")}
        strategy_ids = [s["id"] for p in outcome_map["partners"] for s in p["strategies"]]
        last = len(quarters) - 1
        for number, start in enumerate(quarters):
            period = {"period_start": start, "period_end": quarter_end(start)}
            step = min(first_quarter + number, 3)
            for partner in outcome_map["partners"]:
                if (partner["id"], start) in done:
                    continue
                ratings = [
                    {"progress_marker_id": m["id"], "rating": RISE[m["level"]][step]}
                    for m in partner["markers"]
                    if m["level"] in RISE
                ]
                body = {
                    **period,
                    "boundary_partner_id": partner["id"],
                    "marker_ratings": ratings,
                    "contributors": ["lee-tran"],
                    "description_of_change": "More of the team works the new way.",
                    "lessons": "Visible leadership on shift matters most.",
                }
                self.submit("outcome-journal", body, reviewed=number < last - 1)
            if start not in strategies:
                body = {
                    **period,
                    "outcome_map_id": outcome_map["id"],
                    "strategy_ids": strategy_ids,
                    "activities_implemented": "As planned.",
                    "effectiveness": "Partners respond; night shifts lag.",
                    "contributors": ["lee-tran"],
                }
                self.submit("strategy-journal", body, reviewed=number < last - 1)
            if number % 2 == 0 and start not in performance:
                entries = [
                    {
                        "practice": p,
                        "examples_or_indicators": "Monthly review.",
                        "rating": ("medium", "high", "low")[(number + i) % 3],
                    }
                    for i, p in enumerate(PRACTICES)
                ]
                body = {
                    **period,
                    "outcome_map_id": outcome_map["id"],
                    "practice_entries": entries,
                    "contributors": ["lee-tran"],
                }
                self.submit("performance-journal", body, reviewed=number < last - 1)

    def submit(self, journal: str, body: Json, *, reviewed: bool) -> None:
        entry = self.post(journal, body)
        self.demo._record(AREA, f"{self.slug}:{journal}:{entry['id']}", "created", entry)
        self.post(f"{journal}/{entry['id']}/transitions", {"to": "submitted"})
        if reviewed:
            self.post(f"{journal}/{entry['id']}/transitions", {"to": "reviewed"})

    def benefits(self, seeds: tuple[Benefit, ...]) -> None:
        existing = {b["title"]: b for b in self.items("benefits")}
        for seed in seeds:
            benefit = existing.get(seed.title)
            if benefit is None:
                body: Json = {
                    "kind": seed.kind,
                    "title": seed.title,
                    "unit": seed.unit,
                    "confidence": seed.confidence,
                }
                benefit = self.post("benefits", body)
                self.demo._record(AREA, f"{self.slug}:benefit:{seed.title}", "created", benefit)
            values = f"benefits/{benefit['id']}/values"
            if not self.items(values):
                for value_type, amount, as_at in seed.values:
                    value: Json = {"value_type": value_type, "amount": amount, "as_at": as_at}
                    if value_type == "validated":
                        value["validated_by"] = "finance-business-partner"
                    self.post(values, value)


def load_journals(demo: Demo) -> None:
    for seed in MAPS:
        loader = Loader(demo, seed.project)
        loader.journals(loader.agreed_map(seed), seed.quarters)
        loader.benefits(seed.benefits)
    for slug, benefits in BENEFITS.items():
        Loader(demo, slug).benefits(benefits)
    # The virtual ward's third quarter (its map and first two quarters: scripts.demo_projects).
    loader = Loader(demo, VW)
    map_id = demo.ids["project detail:map"]
    response = demo.request("GET", f"/{loader.base}/outcome-maps/{map_id}")
    loader.check(response, "reading the virtual ward's map")
    loader.journals(dict(response.json()), ("2026-07-01",), first_quarter=2)
