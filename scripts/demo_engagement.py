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

from scripts.demo_engagement_cases import (
    AGES,
    BY_ROLE,
    ENGAGEMENTS,
    ETHNIC,
    IMD,
    PEOPLE,
    PLANS,
    ROLES,
    STANDARDS,
    Link,
    Meeting,
)
from scripts.demo_stakeholders import _admin_http, _finder, _ok, _snapshot

if TYPE_CHECKING:
    from scripts.demo import Demo

AREA = "engagement"
Json = dict[str, Any]
Lookup = Callable[[], Json | None]


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
        for answer in range(5 if status == "completed" and count >= 5 else 0):
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
