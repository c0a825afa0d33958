"""`make demo`, stakeholders: the virtual ward's stakeholder map, engagement and involvement.

Fictional people only. Loaded through the gateway as the demo subject with the `admin` role
(name look-ups and personal data are admin-or-owner only; the demo subject also owns the
relationships it creates). Idempotent like the rest of the demo: records are looked up first and
created with stable Idempotency-Keys; status moves are made only when a record is behind.

What a newcomer then sees: a register with restricted and personal views, two dated
assessment snapshots (so the map shows quadrant movement and an engagement gap), consents, a
completed co-design workshop with "you said, we did" feedback, suppressed equality monitoring,
public contributors with their roles and stages, a UK Standards self-assessment and a GRIPP2
draft.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx

from shared.auth import issue_token
from shared.settings import DEV_AUDIENCE, DEV_ISSUER, DEV_JWT_KEY

if TYPE_CHECKING:
    from scripts.demo import Demo

AREA = "stakeholders"
PROJECT = "projects:virtual-ward-frailty-respiratory"
OWNER = "cmdi-demo"
Json = dict[str, Any]

# slug, body, role in the project, (January snapshot, March snapshot) as
# (power, interest, legitimacy, urgency, stance, relationship, trust, current, target)
Snapshot = tuple[int, int, bool, bool, str, int, int, str, str]
PEOPLE: list[tuple[str, Json, str, tuple[Snapshot, Snapshot]]] = [
    (
        "amira-haddad",
        {
            "kind": "individual",
            "display_name": "Amira Haddad (fictional)",
            "category": "patient",
            "is_public_contributor": True,
            "contact": {"email": "amira.haddad@example.org", "preferred_channel": "email"},
        },
        "public_contributor",
        (
            (2, 4, True, False, "supporter", 3, 3, "consult", "collaborate"),
            (3, 5, True, True, "champion", 4, 4, "involve", "collaborate"),
        ),
    ),
    (
        "george-pemberton",
        {
            "kind": "individual",
            "display_name": "George Pemberton (fictional)",
            "category": "carer",
            "is_public_contributor": True,
            "contact": {"phone": "07700 900481", "preferred_channel": "phone"},
        },
        "public_contributor",
        (
            (1, 4, True, True, "sceptic", 2, 2, "inform", "involve"),
            (2, 5, True, True, "neutral", 3, 3, "consult", "involve"),
        ),
    ),
    (
        "dr-priya-raman",
        {
            "kind": "individual",
            "display_name": "Dr Priya Raman (fictional)",
            "category": "staff_clinical",
            "organisation": "organisations:luhft",
        },
        "decision_maker",
        (
            (4, 3, True, False, "supporter", 4, 4, "involve", "collaborate"),
            (5, 5, True, True, "champion", 5, 4, "collaborate", "collaborate"),
        ),
    ),
    (
        "healthwatch-panel",
        {
            "kind": "group",
            "display_name": "Healthwatch Liverpool readers' panel",
            "category": "community_group",
            "organisation": "organisations:healthwatch-liverpool",
        },
        "advisor",
        (
            (2, 2, True, False, "neutral", 3, 3, "inform", "consult"),
            (3, 2, True, False, "supporter", 3, 4, "consult", "consult"),
        ),
    ),
    (
        "icb-urgent-care-commissioning",
        {
            "kind": "organisation_unit",
            "display_name": "ICB urgent care commissioning team",
            "category": "commissioner",
            "organisation": "organisations:cm-icb",
        },
        "sponsor",
        (
            (5, 2, True, False, "neutral", 3, 2, "inform", "involve"),
            (5, 2, True, False, "sceptic", 2, 2, "inform", "involve"),
        ),
    ),
    (
        "dr-owen-blake",
        {
            "kind": "individual",
            "display_name": "Dr Owen Blake (fictional)",
            "category": "academic",
            "organisation": "organisations:ljmu",
        },
        "delivery_partner",
        (
            (2, 4, True, False, "supporter", 4, 4, "collaborate", "collaborate"),
            (2, 4, True, False, "supporter", 4, 5, "collaborate", "collaborate"),
        ),
    ),
]
CONTRIBUTORS = ["amira-haddad", "george-pemberton"]
CONTRIBUTOR_ROLES = [
    ("amira-haddad", "co_designer", ["design", "evaluation"], True),
    ("george-pemberton", "advisory_group_member", ["design", "delivery", "governance"], False),
]
WORKSHOP = {
    "title": "Virtual ward co-design workshop: going home safely",
    "type": "co_design_session",
    "iap2_level": "collaborate",
    "purpose": "Design the evening escalation route with patients and carers.",
    "held_at": "2026-02-18T14:00:00Z",
    "mode": "hybrid",
    "facilitator": "cmdi-demo",
    "accessibility_adjustments": ["Hearing loop", "Step-free venue", "Large-print materials"],
}
FEEDBACK = [
    ("evening-helpline", "Evening access", "Nobody answered the helpline at night.", True),
    ("jargon", "Information", "The leaflet uses words like 'escalation'.", False),
]
# Anonymous equality monitoring from the workshop: (age band, sex, ethnic category, IMD quintile)
EQUALITY = [
    *[("65_74", "female", "A", "1")] * 4,
    *[("75_plus", "male", "A", "1")] * 3,
    ("55_64", "female", "N", "2"),
    ("45_54", "prefer_not_to_say", "prefer_not_to_say", "prefer_not_to_say"),
    *[("65_74", "male", "A", "2")] * 3,
]


def _fail(demo: Demo, message: str) -> Exception:
    error: type[Exception] = sys.modules[type(demo).__module__].DemoError
    return error(message)


def _admin_http(demo: Demo) -> httpx.Client:
    token = issue_token(
        key=DEV_JWT_KEY, subject=OWNER, roles=["admin"], issuer=DEV_ISSUER, audience=DEV_AUDIENCE
    )
    return httpx.Client(
        base_url=demo.http.base_url,
        headers={"Authorization": f"Bearer {token}", "User-Agent": "cmdi-demo"},
        timeout=demo.http.timeout,
        trust_env=False,
    )


def _ok(demo: Demo, response: httpx.Response, doing: str) -> Json:
    if not response.is_success:
        raise _fail(demo, f"{doing}: HTTP {response.status_code}: {response.text[:300]}")
    return dict(response.json()) if response.content else {}


def _finder(
    demo: Demo, collection: str, params: dict[str, str], key: str | None = None, value: Any = None
) -> Callable[[], Json | None]:
    """A look-up: the first item of `collection` whose `key` equals `value` (any item if None)."""

    def lookup() -> Json | None:
        return demo.find(collection, params, lambda item: key is None or item.get(key) == value)

    return lookup


def _snapshot(project_id: str, when: str, values: Snapshot) -> Json:
    power, interest, legitimacy, urgency, stance, relationship, trust, current, target = values
    return {
        "project_id": project_id,
        "assessed_at": when,
        "power": power,
        "interest": interest,
        "legitimacy": legitimacy,
        "urgency": urgency,
        "stance": stance,
        "relationship_quality": relationship,
        "trust": trust,
        "current_level": current,
        "target_level": target,
    }


def load_stakeholders(demo: Demo) -> None:
    project_id = demo.ids[PROJECT]
    with _admin_http(demo) as http:
        writer = type(demo)(http, results=demo.results, ids=demo.ids)
        ids: dict[str, str] = {}
        for slug, seed, role, (january, march) in PEOPLE:
            body = {k: v for k, v in seed.items() if k != "organisation"}
            if "organisation" in seed:
                body["organisation_id"] = demo.ids[seed["organisation"]]
            name = str(seed["display_name"])
            person = writer.ensure(
                area=AREA,
                slug=slug,
                body=body,
                lookup=_finder(writer, "stakeholders", {"q": name}, "display_name", name),
            )
            sid = ids[slug] = str(person["id"])
            links = f"stakeholders/{sid}/links"
            writer.ensure(
                area=AREA,
                slug=f"link:{slug}",
                collection=links,
                body={
                    "project_id": project_id,
                    "role_in_project": role,
                    "relationship_owner": OWNER,
                },
                lookup=_finder(writer, links, {}, "project_id", project_id),
            )
            assessments = f"stakeholders/{sid}/assessments"
            for when, values in (
                ("2026-01-15T10:00:00Z", january),
                ("2026-03-15T10:00:00Z", march),
            ):
                writer.ensure(
                    area=AREA,
                    slug=f"assessment:{slug}:{when[:7]}",
                    collection=assessments,
                    body=_snapshot(project_id, when, values),
                    lookup=_finder(
                        writer, assessments, {"project_id": project_id}, "assessed_at", when
                    ),
                )
        for slug in CONTRIBUTORS:
            consents = f"stakeholders/{ids[slug]}/consents"
            writer.ensure(
                area=AREA,
                slug=f"consent:{slug}",
                collection=consents,
                body={
                    "purpose": "contact_for_engagement",
                    "lawful_basis": "consent",
                    "information_version": "Involvement PIS v1.2",
                    "method": "written",
                    "given_at": "2026-01-10T12:00:00Z",
                },
                lookup=_finder(writer, consents, {}, "purpose", "contact_for_engagement"),
            )
        for slug, role, stages, paid in CONTRIBUTOR_ROLES:
            writer.ensure(
                area=AREA,
                slug=f"involvement:{slug}",
                collection="involvement/roles",
                body={
                    "stakeholder_id": ids[slug],
                    "project_id": project_id,
                    "role": role,
                    "stages": stages,
                    "start_date": "2026-01-12",
                    "payment_offered": paid,
                    "expenses_reimbursed": True,
                    "training_provided": True,
                },
                lookup=_finder(writer, "involvement/roles", {"stakeholder_id": ids[slug]}),
            )
        writer.ensure(
            area=AREA,
            slug="plan:carers",
            collection="engagements/plans",
            body={
                "project_id": project_id,
                "segment": "carer",
                "target_level": "involve",
                "objectives": "Carers shape the evening escalation route.",
                "methods": ["co-design workshop", "telephone check-ins"],
                "frequency": "monthly",
                "owner": OWNER,
            },
            lookup=_finder(
                writer, "engagements/plans", {"project_id": project_id}, "segment", "carer"
            ),
        )
        _load_workshop(writer, project_id, ids)
        writer.ensure(
            area=AREA,
            slug="standards:virtual-ward:2026-Q1",
            collection="involvement/standards",
            body={
                "scope": "project",
                "project_id": project_id,
                "period": "2026-Q1",
                "ratings": [
                    {"standard": "inclusive_opportunities", "level": "developing"},
                    {"standard": "working_together", "level": "established"},
                    {"standard": "support_and_learning", "level": "developing"},
                    {"standard": "communications", "level": "developing"},
                    {"standard": "impact", "level": "established"},
                    {"standard": "governance", "level": "not_started"},
                ],
            },
            lookup=_finder(
                writer, "involvement/standards", {"project_id": project_id}, "period", "2026-Q1"
            ),
        )


def _load_workshop(writer: Demo, project_id: str, ids: dict[str, str]) -> None:
    workshop = writer.ensure(
        area=AREA,
        slug="engagement:co-design-workshop",
        collection="engagements",
        body={**WORKSHOP, "project_ids": [project_id]},
        lookup=_finder(
            writer, "engagements", {"type": "co_design_session"}, "title", WORKSHOP["title"]
        ),
    )
    eid = workshop["id"]
    current = _ok(writer, writer.request("GET", f"/engagements/{eid}"), "reading the workshop")
    if current["status"] == "planned":
        _ok(
            writer,
            writer.request(
                "POST",
                f"/engagements/{eid}/transitions",
                json={
                    "to": "completed",
                    "anonymous_attendee_count": 9,
                    "outputs": "Evening huddle prototype.",
                },
            ),
            "completing the workshop",
        )
        # Equality answers are anonymous and never read back: load them once, with the workshop.
        for number, (age, sex, ethnic, imd) in enumerate(EQUALITY):
            _ok(
                writer,
                writer.request(
                    "POST",
                    f"/engagements/{eid}/equality-responses",
                    json={
                        "age_band": age,
                        "sex": sex,
                        "ethnic_category": ethnic,
                        "imd_quintile": imd,
                    },
                    headers={"Idempotency-Key": f"cmdi-demo-v1:{AREA}:equality:{number}"},
                ),
                "recording equality monitoring",
            )
    for slug in CONTRIBUTORS:
        participants = f"engagements/{eid}/participants"
        writer.ensure(
            area=AREA,
            slug=f"participant:{slug}",
            collection=participants,
            body={"stakeholder_id": ids[slug], "role": "participant"},
            lookup=_finder(writer, participants, {}, "stakeholder_id", ids[slug]),
        )
    feedback = f"engagements/{eid}/feedback"
    for slug, theme, content, acted in FEEDBACK:
        item = writer.ensure(
            area=AREA,
            slug=f"feedback:{slug}",
            collection=feedback,
            body={"theme": theme, "content": content},
            lookup=_finder(writer, feedback, {}, "theme", theme),
        )
        if acted and item["status"] == "open":
            url = f"/{feedback}/{item['id']}"
            for body in (
                {"status": "considered"},
                {"status": "acted_on", "response": "A nurse-led evening huddle now answers calls."},
                {"status": "closed"},
            ):
                _ok(writer, writer.request("PATCH", url, json=body), "closing feedback")
