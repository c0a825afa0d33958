"""`make demo`, stakeholders across the portfolio: seventeen more stakeholders (six public
contributors, community and voluntary groups, clinical teams, commissioners, a supplier) linked
to the projects they matter to, each link owned by a member of that project's team; dated
assessments (Mendelow, salience, IAP2 now and aimed for); consents, involvement roles, UK
Standards self-assessments and engagement plans; and two engagements a month from December 2025
to November 2026 with participation, anonymous equality monitoring and "you said, we did"
feedback, one cancelled and one still planned.

Fictional people only, loaded as the demo subject with the `admin` role (names are looked up by
admins). Relationships are spread over nine owners; the demo's own subject, owner of all six
virtual-ward relationships, is the one the ownership figures flag, and the supplier's four links
all run through the Chief Clinical Information Officer. Idempotent like the
rest: looked up first (stakeholders by name, links by project, engagements by title, feedback
by theme), created with stable Idempotency-Keys; equality answers are anonymous and never read
back, so they are loaded once, when their engagement is completed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scripts.demo_stakeholders import _admin_http, _finder, _ok, _snapshot

if TYPE_CHECKING:
    from scripts.demo import Demo

AREA = "engagement"
Json = dict[str, Any]
Lookup = Callable[[], Json | None]
Link = tuple[str, str, str]  # project slug, role in project, relationship owner

# slug, (kind, display name, category, public contributor), links, (IAP2 now, aimed for)
PEOPLE: list[tuple[str, tuple[str, str, str, bool], list[Link], tuple[str, str]]] = [
    ("yvonne-clarke", ("individual", "Yvonne Clarke (fictional)", "patient", True),
     [("maternity-bp-monitoring", "public_contributor", "dr-fiona-grant"),
      ("community-phlebotomy-hubs", "beneficiary", "owen-price")], ("involve", "collaborate")),
    ("tariq-bello", ("individual", "Tariq Bello (fictional)", "patient", True),
     [("sickle-cell-rapid-access", "public_contributor", "dr-anil-kapoor")],
     ("collaborate", "collaborate")),
    ("maureen-doyle", ("individual", "Maureen Doyle (fictional)", "carer", True),
     [("dementia-friendly-wards", "public_contributor", "sarah-quinn"),
      ("frailty-hot-clinic", "public_contributor", "lee-tran")], ("involve", "collaborate")),
    ("kwame-asante", ("individual", "Kwame Asante (fictional)", "public", True),
     [("ed-mental-health-triage", "public_contributor", "dr-jamal-ahmed"),
      ("ed-social-prescribing", "advisor", "dr-jamal-ahmed")], ("consult", "involve")),
    ("grace-oneill", ("individual", "Grace O'Neill (fictional)", "patient", True),
     [("patient-portal-booking", "public_contributor", "sarah-quinn"),
      ("paperless-outpatient-letters", "beneficiary", "sarah-quinn")], ("involve", "involve")),
    ("derek-hughes", ("individual", "Derek Hughes (fictional)", "patient", True),
     [("lung-rapid-diagnostics", "public_contributor", "owen-price")], ("inform", "involve")),
    ("maternity-voices", ("group", "Maternity and Neonatal Voices Partnership (fictional)",
                          "community_group", False),
     [("maternity-bp-monitoring", "advisor", "dr-fiona-grant")], ("collaborate", "collaborate")),
    ("sickle-cell-support", ("group", "Merseyside Sickle Cell Support Group (fictional)", "vcse",
                             False),
     [("sickle-cell-rapid-access", "advisor", "dr-anil-kapoor")], ("involve", "collaborate")),
    ("ambulance-frailty-leads", ("organisation_unit", "Ambulance service frailty leads",
                                 "staff_clinical", False),
     [("frailty-hot-clinic", "delivery_partner", "lee-tran"),
      ("discharge-transport-hub", "delivery_partner", "owen-price")],
     ("collaborate", "collaborate")),
    ("pcn-clinical-directors", ("group", "PCN clinical directors' forum", "staff_clinical",
                                False),
     [("lung-rapid-diagnostics", "decision_maker", "owen-price"),
      ("pharmacy-hypertension-finding", "influencer", "owen-price"),
      ("frailty-hot-clinic", "influencer", "lee-tran")], ("consult", "involve")),
    ("theatre-green-champions", ("group", "Theatre sustainability champions", "staff_clinical",
                                 False),
     [("reusable-theatre-textiles", "boundary_partner_member", "owen-price")],
     ("collaborate", "empower")),
    ("portal-supplier", ("organisation_unit", "Digital health supplier account team (fictional)",
                         "industry", False),
     [("patient-portal-booking", "delivery_partner", "dr-nadia-hussain"),
      ("paperless-outpatient-letters", "delivery_partner", "dr-nadia-hussain"),
      ("ai-chest-xray-triage", "delivery_partner", "dr-nadia-hussain"),
      ("eobs-sepsis-alerting", "delivery_partner", "dr-nadia-hussain")], ("consult", "consult")),
    ("prof-alison-reed", ("individual", "Prof Alison Reed (fictional)", "executive", False),
     [("eobs-sepsis-alerting", "decision_maker", "mark-ellis"),
      ("lung-rapid-diagnostics", "sponsor", "mark-ellis")], ("involve", "involve")),
    ("council-public-health", ("organisation_unit", "City council public health team",
                               "commissioner", False),
     [("ed-social-prescribing", "sponsor", "dr-jamal-ahmed"),
      ("community-phlebotomy-hubs", "influencer", "owen-price"),
      ("pharmacy-hypertension-finding", "sponsor", "emma-roberts")], ("inform", "involve")),
    ("community-pharmacy-network", ("group", "Community pharmacy network (fictional)", "other",
                                    False),
     [("pharmacy-hypertension-finding", "delivery_partner", "emma-roberts")],
     ("collaborate", "collaborate")),
    ("liaison-psychiatry", ("organisation_unit", "Liaison psychiatry team", "staff_clinical",
                            False),
     [("ed-mental-health-triage", "boundary_partner_member", "sarah-quinn")],
     ("involve", "collaborate")),
    ("older-peoples-forum", ("group", "Older people's forum (fictional)", "community_group",
                             False),
     [("dementia-friendly-wards", "advisor", "sarah-quinn"),
      ("discharge-transport-hub", "beneficiary", "owen-price")], ("consult", "involve")),
]  # fmt: skip
# Mendelow and salience by role: power, interest, legitimacy, urgency, stance, relationship, trust
BY_ROLE: dict[str, tuple[int, int, bool, bool, str, int, int]] = {
    "public_contributor": (2, 5, True, True, "champion", 4, 4),
    "beneficiary": (1, 4, True, False, "supporter", 3, 3),
    "advisor": (2, 4, True, False, "supporter", 4, 4),
    "delivery_partner": (3, 4, True, True, "supporter", 3, 3),
    "decision_maker": (5, 3, True, True, "neutral", 3, 3),
    "sponsor": (5, 4, True, False, "supporter", 4, 4),
    "influencer": (4, 2, True, False, "sceptic", 2, 2),
    "boundary_partner_member": (3, 5, True, True, "champion", 4, 5),
}
ROLES = (
    "co_designer",
    "advisory_group_member",
    "reviewer",
    "lay_governance_member",
    "co_researcher",
    "peer_facilitator",
)
STANDARDS = {
    "maternity-bp-monitoring": ("2026-Q2", ("established", "embedded", "developing")),
    "sickle-cell-rapid-access": ("2026-Q3", ("developing", "established", "established")),
    "ed-mental-health-triage": ("2026-Q3", ("developing", "developing", "not_started")),
}
PLANS = [
    ("maternity-bp-monitoring", "patient", "involve", "monthly", "dr-fiona-grant"),
    ("sickle-cell-rapid-access", "community_group", "collaborate", "quarterly", "dr-anil-kapoor"),
    ("ed-mental-health-triage", "patient", "involve", "quarterly", "dr-jamal-ahmed"),
    ("frailty-hot-clinic", "carer", "consult", "quarterly", "lee-tran"),
    ("lung-rapid-diagnostics", "public", "inform", "biannual", "owen-price"),
]
# title, type, IAP2, held (date), mode, projects, participants, anonymous attendees, feedback
# (theme, "you said", "we did" or None), status
Meeting = tuple[
    str,
    str,
    str,
    str,
    str,
    tuple[str, ...],
    tuple[str, ...],
    int,
    tuple[tuple[str, str, str | None], ...],
    str,
]
ENGAGEMENTS: list[Meeting] = [
    ("Maternity voices: home readings (Dec 2025)", "focus_group", "consult", "2025-12-09",
     "in_person", ("maternity-bp-monitoring",), ("yvonne-clarke", "maternity-voices"), 8,
     (("Devices", "The cuff is hard to use alone.", "A video guide and a larger cuff."),),
     "completed"),
    ("Lung pathway: GP education evening (Dec 2025)", "workshop", "inform", "2025-12-16",
     "online", ("lung-rapid-diagnostics",), ("pcn-clinical-directors",), 23, (), "completed"),
    ("Frailty clinic carers' coffee morning (Jan 2026)", "public_event", "consult", "2026-01-14",
     "in_person", ("frailty-hot-clinic",), ("maureen-doyle", "older-peoples-forum"), 14,
     (("Transport", "Getting to a next-day clinic is hard.", "Hospital transport is offered."),),
     "completed"),
    ("ED mental health: lived experience panel (Jan 2026)", "co_design_session", "involve",
     "2026-01-27", "hybrid", ("ed-mental-health-triage",), ("kwame-asante", "liaison-psychiatry"),
     6, (("Waiting", "The waiting room is too loud.", "A quiet room is being fitted."),
         ("Language", "The tool's questions feel blunt.", None)), "completed"),
    ("Sickle cell pathway co-design (Feb 2026)", "co_design_session", "collaborate",
     "2026-02-10", "in_person", ("sickle-cell-rapid-access",),
     ("tariq-bello", "sickle-cell-support"), 11,
     (("Pain relief", "We wait too long for analgesia.", "A 30-minute standard with audit."),),
     "completed"),
    ("Portal usability testing (Feb 2026)", "workshop", "involve", "2026-02-24", "online",
     ("patient-portal-booking", "paperless-outpatient-letters"), ("grace-oneill",), 9,
     (("Accessibility", "Buttons are too small on a phone.", "The next release enlarges them."),),
     "completed"),
    ("Phlebotomy hubs: where should they be? (Mar 2026)", "survey", "consult", "2026-03-10",
     "online", ("community-phlebotomy-hubs",), ("yvonne-clarke", "council-public-health"), 64,
     (("Locations", "Put a hub in the library.", None),), "completed"),
    ("Theatre textiles staff forum (Mar 2026)", "meeting", "collaborate", "2026-03-24",
     "in_person", ("reusable-theatre-textiles",), ("theatre-green-champions",), 17, (),
     "completed"),
    ("Dementia wards walk-round with carers (Apr 2026)", "workshop", "involve", "2026-04-14",
     "in_person", ("dementia-friendly-wards",), ("maureen-doyle", "older-peoples-forum"), 7,
     (("Signage", "Signs are too high to read.", "Signs moved to eye level."),), "completed"),
    ("Hypertension checks: pharmacy network meeting (Apr 2026)", "steering_group", "collaborate",
     "2026-04-28", "online", ("pharmacy-hypertension-finding",),
     ("community-pharmacy-network", "council-public-health"), 12, (), "completed"),
    ("Maternity voices: six months on (May 2026)", "focus_group", "involve", "2026-05-12",
     "hybrid", ("maternity-bp-monitoring",), ("yvonne-clarke", "maternity-voices"), 10,
     (("Weekends", "Nobody reviews readings at weekends.", None),), "completed"),
    ("Lung pathway patient stories (May 2026)", "interview", "consult", "2026-05-26", "online",
     ("lung-rapid-diagnostics",), ("derek-hughes",), 5, (), "completed"),
    ("ED mental health: testing the referral alert (Jun 2026)", "co_design_session", "involve",
     "2026-06-09", "in_person", ("ed-mental-health-triage",),
     ("kwame-asante", "liaison-psychiatry"), 8,
     (("Follow-up", "Tell us what happened after referral.", "A follow-up text is sent."),),
     "completed"),
    ("Social prescribing listening event (Jun 2026)", "public_event", "consult", "2026-06-23",
     "in_person", ("ed-social-prescribing",), ("kwame-asante", "council-public-health"), 31,
     (("Housing", "Most frequent attenders need housing help.", None),), "completed"),
    ("Discharge transport users' panel (Jul 2026)", "focus_group", "consult", "2026-07-14",
     "in_person", ("discharge-transport-hub",), ("older-peoples-forum",), 9, (), "cancelled"),
    ("Frailty clinic: GP and paramedic review (Jul 2026)", "meeting", "involve", "2026-07-28",
     "online", ("frailty-hot-clinic",), ("ambulance-frailty-leads", "pcn-clinical-directors"),
     15, (), "completed"),
    ("Sickle cell pathway: first results (Aug 2026)", "workshop", "collaborate", "2026-08-11",
     "in_person", ("sickle-cell-rapid-access",), ("tariq-bello", "sickle-cell-support"), 13,
     (("Night care", "Nights are still slow.", "Night nurses trained on the protocol."),),
     "completed"),
    ("Portal and letters newsletter (Aug 2026)", "newsletter", "inform", "2026-08-25", "online",
     ("patient-portal-booking", "paperless-outpatient-letters"), (), 0, (), "completed"),
    ("Maternity voices: equality review (Sep 2026)", "focus_group", "involve", "2026-09-08",
     "hybrid", ("maternity-bp-monitoring",), ("maternity-voices",), 12,
     (("Interpreters", "Interpreters are not booked for reviews.", "Booked automatically now."),),
     "completed"),
    ("Theatre textiles: a year on (Sep 2026)", "meeting", "empower", "2026-09-22", "in_person",
     ("reusable-theatre-textiles",), ("theatre-green-champions",), 19, (), "completed"),
    ("Lung pathway: PCN feedback (Oct 2026)", "steering_group", "involve", "2026-10-13",
     "online", ("lung-rapid-diagnostics",), ("pcn-clinical-directors", "derek-hughes"), 11,
     (("Results", "Patients hear results late.", None),), "completed"),
    ("Dementia wards: day room opening (Oct 2026)", "public_event", "inform", "2026-10-27",
     "in_person", ("dementia-friendly-wards",), ("maureen-doyle",), 26, (), "completed"),
    ("ED mental health: young people's panel (Nov 2026)", "co_design_session", "involve",
     "2026-11-10", "in_person", ("ed-mental-health-triage",), ("kwame-asante",), 7,
     (("Under-18s", "The tool was not made for us.", None),), "completed"),
    ("Hypertension checks: what patients think (Nov 2026)", "survey", "consult", "2026-11-24",
     "online", ("pharmacy-hypertension-finding",), ("council-public-health",), 48, (),
     "completed"),
    ("Maternity voices: planning 2027 (Dec 2026)", "focus_group", "involve", "2026-12-15",
     "hybrid", ("maternity-bp-monitoring",), ("maternity-voices",), 0, (), "planned"),
]  # fmt: skip
AGES = (
    "25_34",
    "35_44",
    "45_54",
    "55_64",
    "65_74",
    "75_plus",
    "18_24",
    "under_18",
    "prefer_not_to_say",
)
ETHNIC = ("A", "A", "A", "M", "N", "C", "H", "A", "prefer_not_to_say")
IMD = ("1", "1", "2", "1", "3", "2", "5", "1")


def _equality(engagement: int, number: int, held: str) -> Json:
    k = engagement + number
    return {
        "age_band": AGES[k % len(AGES)],
        "sex": ("female", "male", "female", "male", "female", "male", "prefer_not_to_say")[k % 7],
        "ethnic_category": ETHNIC[(engagement * 3 + number) % len(ETHNIC)],
        "disability": ("no", "yes", "no", "no")[k % 4],
        "carer": ("no", "yes")[number % 2],
        "imd_quintile": IMD[k % len(IMD)],
        "collected_at": f"{held}T12:00:00Z",
    }


def load_engagement(demo: Demo) -> None:
    with _admin_http(demo) as http:
        writer = type(demo)(http, results=demo.results, ids=demo.ids)
        ids = {
            slug: _stakeholder(writer, slug, person, links, levels)
            for slug, person, links, levels in PEOPLE
        }
        _involvement(writer, ids)
        for number, meeting in enumerate(ENGAGEMENTS):
            _engagement(writer, number, meeting, ids)


def _none() -> Json | None:
    return None


def _project(demo: Demo, slug: str) -> str:
    return demo.ids[f"projects:{slug}"]


def _stakeholder(
    writer: Demo,
    slug: str,
    person: tuple[str, str, str, bool],
    links: list[Link],
    levels: tuple[str, str],
) -> str:
    kind, name, category, public = person
    body: Json = {
        "kind": kind,
        "display_name": name,
        "category": category,
        "is_public_contributor": public,
    }
    found, outcome = writer.ensure_with_outcome(
        area=AREA,
        slug=slug,
        collection="stakeholders",
        body=body,
        lookup=_finder(writer, "stakeholders", {"q": name}, "display_name", name),
    )
    sid = str(found["id"])
    # A stakeholder registered just now has no links, assessments or consents to look up.
    fresh = outcome == "created"

    def finder(path: str, params: dict[str, str], key: str, value: Any) -> Lookup:
        return _none if fresh else _finder(writer, path, params, key, value)

    for project, role, owner in links:
        pid = _project(writer, project)
        path = f"stakeholders/{sid}/links"
        writer.ensure(
            area=AREA,
            slug=f"link:{slug}:{project}",
            collection=path,
            body={"project_id": pid, "role_in_project": role, "relationship_owner": owner},
            lookup=finder(path, {}, "project_id", pid),
        )
        power, interest, legitimacy, _, _, relation, trust = BY_ROLE[role]
        snapshots = [("2026-06-15T10:00:00Z", (*BY_ROLE[role], *levels))]
        if public:  # a public contributor was further off the target in February
            earlier = (
                power,
                interest - 1,
                legitimacy,
                False,
                "neutral",
                relation - 1,
                trust - 1,
                "inform",
                levels[1],
            )
            snapshots.insert(0, ("2026-02-15T10:00:00Z", earlier))
        path = f"stakeholders/{sid}/assessments"
        for when, values in snapshots:
            writer.ensure(
                area=AREA,
                slug=f"assessment:{slug}:{project}:{when[:7]}",
                collection=path,
                body=_snapshot(pid, when, values),
                lookup=finder(path, {"project_id": pid}, "assessed_at", when),
            )
    if public:
        path = f"stakeholders/{sid}/consents"
        writer.ensure(
            area=AREA,
            slug=f"consent:{slug}",
            collection=path,
            body={
                "purpose": "contact_for_engagement",
                "lawful_basis": "consent",
                "information_version": "Involvement PIS v1.2",
                "method": "written",
                "given_at": "2025-11-20T12:00:00Z",
            },
            lookup=finder(path, {}, "purpose", "contact_for_engagement"),
        )
    return sid


def _involvement(writer: Demo, ids: dict[str, str]) -> None:
    number = 0
    for slug, _person, links, _ in PEOPLE:
        for project, role, _owner in links:
            if role != "public_contributor":
                continue
            pid = _project(writer, project)
            writer.ensure(
                area=AREA,
                slug=f"involvement:{slug}:{project}",
                collection="involvement/roles",
                body={
                    "stakeholder_id": ids[slug],
                    "project_id": pid,
                    "role": ROLES[number % len(ROLES)],
                    "stages": ["design", "delivery", "evaluation"][: 1 + number % 3],
                    "start_date": "2026-01-05",
                    "payment_offered": number % 2 == 0,
                    "expenses_reimbursed": True,
                    "training_provided": number % 3 != 2,
                },
                lookup=_finder(
                    writer, "involvement/roles", {"stakeholder_id": ids[slug]}, "project_id", pid
                ),
            )
            number += 1
    standards = (
        "inclusive_opportunities",
        "working_together",
        "support_and_learning",
        "communications",
        "impact",
        "governance",
    )
    for project, (period, levels) in STANDARDS.items():
        pid = _project(writer, project)
        ratings = [{"standard": s, "level": levels[i % 3]} for i, s in enumerate(standards)]
        writer.ensure(
            area=AREA,
            slug=f"standards:{project}:{period}",
            collection="involvement/standards",
            body={"scope": "project", "project_id": pid, "period": period, "ratings": ratings},
            lookup=_finder(writer, "involvement/standards", {"project_id": pid}, "period", period),
        )
    for project, segment, level, frequency, owner in PLANS:
        pid = _project(writer, project)
        writer.ensure(
            area=AREA,
            slug=f"plan:{project}:{segment}",
            collection="engagements/plans",
            body={
                "project_id": pid,
                "segment": segment,
                "target_level": level,
                "objectives": "Keep this group shaping the project.",
                "frequency": frequency,
                "methods": ["workshops", "newsletter"],
                "owner": owner,
            },
            lookup=_finder(writer, "engagements/plans", {"project_id": pid}, "segment", segment),
        )


def _engagement(writer: Demo, number: int, meeting: Meeting, ids: dict[str, str]) -> None:
    title, type_, level, held, mode, projects, people, count, feedback, status = meeting
    body = {
        "title": title,
        "type": type_,
        "iap2_level": level,
        "held_at": f"{held}T14:00:00Z",
        "mode": mode,
        "project_ids": [_project(writer, p) for p in projects],
        "purpose": "Hear from the people the project serves.",
        "facilitator": "sarah-quinn",
        "accessibility_adjustments": ["Step-free venue", "Large print"],
    }
    found = writer.ensure(
        area=AREA,
        slug=f"engagement:{number:02d}",
        collection="engagements",
        body=body,
        lookup=_finder(writer, "engagements", {"type": type_}, "title", title),
    )
    eid = found["id"]
    current = _ok(writer, writer.request("GET", f"/engagements/{eid}"), "reading an engagement")
    held_now = status != "planned" and current["status"] == "planned"
    if held_now:
        move: Json = {"to": status}
        if status == "completed":
            move |= {"anonymous_attendee_count": count, "outputs": "Notes shared with the team."}
        else:
            move["reason"] = "Too few could attend in the holidays; moved to the autumn."
        path = f"/engagements/{eid}/transitions"
        _ok(writer, writer.request("POST", path, json=move), f"{status}: {title}")
        for answer in range(6 if status == "completed" and count >= 5 else 0):
            _ok(
                writer,
                writer.request(
                    "POST",
                    f"/engagements/{eid}/equality-responses",
                    json=_equality(number, answer, held),
                    headers={"Idempotency-Key": f"cmdi-demo-v1:{AREA}:equality:{number}:{answer}"},
                ),
                "recording equality monitoring",
            )
    if status != "completed":
        return  # participation and feedback are recorded once an engagement is held
    participants = f"engagements/{eid}/participants"
    for position, slug in enumerate(people):
        writer.ensure(
            area=AREA,
            slug=f"participant:{number:02d}:{slug}",
            collection=participants,
            body={
                "stakeholder_id": ids[slug],
                "role": "participant",
                "attended": status == "completed" and position < 2,
            },
            # Held just now: nobody can have been recorded yet.
            lookup=_none
            if held_now
            else _finder(writer, participants, {}, "stakeholder_id", ids[slug]),
        )
    path = f"engagements/{eid}/feedback"
    for theme, said, did in feedback:
        item = writer.ensure(
            area=AREA,
            slug=f"feedback:{number:02d}:{theme}",
            collection=path,
            body={"theme": theme, "content": said},
            lookup=_none if held_now else _finder(writer, path, {}, "theme", theme),
        )
        if did is not None and item["status"] == "open":
            url = f"/{path}/{item['id']}"
            for change in (
                {"status": "considered"},
                {"status": "acted_on", "response": did},
                {"status": "closed"},
            ):
                _ok(writer, writer.request("PATCH", url, json=change), "closing feedback")
