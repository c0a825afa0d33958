"""`make demo`, reliance on key individuals and the rules around it (issue #14 items 7, 10, 11),
on one more project, a pharmacy-led discharge medicines review:

- its project manager (Rhys Morgan, fictional) owns the relationships with two stakeholder
  groups alone; his role ends on 30 November 2026, the stakeholders service reads that from
  the projects feed and lists both relationships as orphaned; the demo hands one to the
  project lead and leaves the other on `GET /stakeholders/orphaned-relationships` to show;
- its outcome map has two agreed versions: last quarter's entry rates version 1's markers
  (version 2 was agreed after the quarter ended, so rating its markers is refused with 422
  `rating-outside-map-version`, which the demo checks);
- a duplicate registration of it is archived, which is refused without a reason (422) and
  done with one.

Idempotent like the rest: everything is looked up first, created with stable
Idempotency-Keys, and moved (the role's end, the reassignment, the second map version, the
archive) only when it has not been yet.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING, Any

from scripts.demo_stakeholders import _admin_http, _fail, _finder, _ok

if TYPE_CHECKING:
    from scripts.demo import Demo

AREA = "key people"
Json = dict[str, Any]
TITLE = "Pharmacy-led discharge medicines review"
DUPLICATE = f"{TITLE} (registered twice)"
LEAVER = "rhys-morgan-pm"
LEAD = "dr-nia-hughes"
ROLE_ENDS = "2026-11-30"
GROUPS = ("Community pharmacy network, Sefton (fictional)", "Ward 7 discharge team (fictional)")
ORPHAN_WAIT_SECONDS = 60.0


def _project_body(title: str) -> Json:
    return {
        "title": title,
        "summary": "Pharmacists review medicines before discharge and hand over to community "
        "pharmacy, so fewer people are readmitted with medicine problems.",
        "problem_statement": "One in five readmissions within 30 days involves medicines.",
        "pillar": "project_innovation",
        "innovation_type": "service_or_pathway_redesign",
        "lead_partner": "trust",
        "directorate": "pharmacy",
        "start_date": "2026-01-05",
    }


def _items(demo: Demo, path: str, params: dict[str, str] | None = None) -> list[Json]:
    response = demo.request("GET", f"/{path}", params={"limit": "200", **(params or {})})
    return list(_ok(demo, response, f"listing {path}")["items"])


def _project(demo: Demo, slug: str, title: str) -> Json:
    return demo.ensure(
        area=AREA,
        slug=slug,
        collection="projects",
        body=_project_body(title),
        lookup=lambda: demo.find("projects", {"q": title}, lambda p: p["title"] == title),
    )


def load_key_people(demo: Demo) -> None:
    project = _project(demo, "pharmacy-discharge", TITLE)
    base = f"projects/{project['id']}"
    with _admin_http(demo) as http:
        admin = type(demo)(http, results=demo.results, ids=demo.ids)
        _team_and_orphans(demo, admin, base, project["id"])
    _two_map_versions_and_a_journal(demo, base)
    _archive_the_duplicate(demo)


def _member(demo: Demo, base: str, subject: str, name: str, role: str) -> Json:
    return demo.ensure(
        area=AREA,
        slug=f"pharmacy-team-{subject}",
        collection=f"{base}/team",
        body={
            "subject": subject,
            "display_name": name,
            "affiliation": "trust",
            "role": role,
            "start_date": "2026-01-05",
        },
        lookup=lambda: demo.find(f"{base}/team", {"subject": subject, "role": role}, bool),
    )


def _team_and_orphans(demo: Demo, admin: Demo, base: str, project_id: str) -> None:
    _member(demo, base, LEAD, "Dr Nia Hughes (fictional)", "project_lead")
    leaver = _member(demo, base, LEAVER, "Rhys Morgan (fictional)", "project_manager")
    links = []
    for number, name in enumerate(GROUPS):
        group = admin.ensure(
            area=AREA,
            slug=f"pharmacy-group-{number}",
            collection="stakeholders",
            body={"kind": "group", "display_name": name, "category": "staff_clinical"},
            lookup=_finder(admin, "stakeholders", {"q": name}, "display_name", name),
        )
        path = f"stakeholders/{group['id']}/links"
        links.append(
            admin.ensure(
                area=AREA,
                slug=f"pharmacy-link-{number}",
                collection=path,
                body={
                    "project_id": project_id,
                    "role_in_project": "delivery_partner",
                    "relationship_owner": LEAVER,
                },
                lookup=_finder(admin, path, {}, "project_id", project_id),
            )
        )
    if leaver.get("end_date") != ROLE_ENDS:
        response = demo.request(
            "PATCH", f"/{base}/team/{leaver['id']}", json={"end_date": ROLE_ENDS}
        )
        _ok(demo, response, "ending the project manager's role")
    # The stakeholders service flags the links when it reads the role's end from the feed.
    deadline = time.monotonic() + ORPHAN_WAIT_SECONDS
    while True:
        orphaned = {
            link["id"]: link
            for link in _items(
                demo, "stakeholders/orphaned-relationships", {"project_id": project_id}
            )
        }
        current = [orphaned.get(link["id"]) for link in links]
        handed_over = [
            link
            for link in _items(demo, f"stakeholders/{links[0]['stakeholder_id']}/links")
            if link["id"] == links[0]["id"] and link["relationship_owner"] == LEAD
        ]
        if current[1] is not None and (current[0] is not None or handed_over):
            break
        if time.monotonic() > deadline:
            raise _fail(demo, "the stakeholders service did not flag the orphaned relationships")
        time.sleep(0.5)
    if not handed_over:
        url = f"/stakeholders/{links[0]['stakeholder_id']}/links/{links[0]['id']}"
        response = demo.request("PATCH", url, json={"relationship_owner": LEAD})
        _ok(demo, response, "handing a relationship to the project lead")


def _two_map_versions_and_a_journal(demo: Demo, base: str) -> None:
    maps = f"{base}/outcome-maps"
    versions = sorted(_items(demo, maps), key=lambda m: m["map_version"])
    if not versions:
        draft = _ok(
            demo,
            demo.request(
                "POST",
                f"/{maps}",
                json={
                    "vision": "People go home with medicines they understand and can get.",
                    "mission": "Review medicines before discharge; hand over to community "
                    "pharmacy.",
                },
                headers={"Idempotency-Key": "cmdi-demo-v1:key-people:map-1"},
            ),
            "drafting the outcome map",
        )
        partner = _ok(
            demo,
            demo.request(
                "POST",
                f"/{maps}/{draft['id']}/partners",
                json={
                    "name": "Community pharmacists",
                    "outcome_challenge": "Pick up every discharge referral within two days.",
                },
            ),
            "adding a boundary partner",
        )
        _ok(
            demo,
            demo.request(
                "POST",
                f"/{maps}/{draft['id']}/partners/{partner['id']}/markers",
                json={"level": "expect_to_see", "text": "Referrals acknowledged the same day."},
            ),
            "adding a progress marker",
        )
        versions = [draft]
    if versions[0]["status"] == "draft":
        move = {"to": "agreed", "agreed_in": "Intentional design workshop"}
        response = demo.request("POST", f"/{maps}/{versions[0]['id']}/transitions", json=move)
        versions[0] = _ok(demo, response, "agreeing version 1")
    if len(versions) == 1:
        response = demo.request(
            "PATCH", f"/{maps}/{versions[0]['id']}", json={"mission": "Review and reconcile."}
        )
        versions.append(_ok(demo, response, "opening version 2"))
    if versions[1]["status"] == "draft":
        move = {"to": "agreed", "agreed_in": "Review workshop"}
        response = demo.request("POST", f"/{maps}/{versions[1]['id']}/transitions", json=move)
        _ok(demo, response, "agreeing version 2")
    first, second = (
        _ok(demo, demo.request("GET", f"/{maps}/{v['id']}"), "reading a map version")
        for v in versions[:2]
    )
    start, end = _last_quarter(dt.date.today())
    journal = f"{base}/outcome-journal"
    if not _items(demo, journal, {"period_from": start, "period_to": end}):
        refused = demo.request(
            "POST",
            f"/{journal}",
            json=_entry(second, start, end),
        )
        if refused.status_code != 422 or "rating-outside-map-version" not in refused.text:
            raise _fail(
                demo, f"rating version 2 for {start}..{end} was not refused: {refused.text}"
            )
        _ok(
            demo,
            demo.request(
                "POST",
                f"/{journal}",
                json=_entry(first, start, end),
                headers={"Idempotency-Key": f"cmdi-demo-v1:key-people:journal-{start}"},
            ),
            "journalling last quarter against version 1",
        )


def _entry(version: Json, start: str, end: str) -> Json:
    partner = version["partners"][0]
    return {
        "boundary_partner_id": partner["id"],
        "period_start": start,
        "period_end": end,
        "marker_ratings": [{"progress_marker_id": partner["markers"][0]["id"], "rating": "medium"}],
        "description_of_change": "Most referrals were acknowledged the same day.",
    }


def _last_quarter(today: dt.date) -> tuple[str, str]:
    """The calendar quarter before the one `today` is in, as ISO dates."""
    first_month = (today.month - 1) // 3 * 3 + 1
    end = dt.date(today.year, first_month, 1) - dt.timedelta(days=1)
    start = dt.date(end.year, (end.month - 1) // 3 * 3 + 1, 1)
    return start.isoformat(), end.isoformat()


def _archive_the_duplicate(demo: Demo) -> None:
    duplicate = _project(demo, "pharmacy-discharge-duplicate", DUPLICATE)
    if duplicate["status"] == "archived":
        return
    url = f"/projects/{duplicate['id']}/archive"
    refused = demo.request("POST", url, json={})
    if refused.status_code != 422:
        raise _fail(demo, f"archiving without a reason was not refused: {refused.text}")
    reason = {"reason": f"Registered twice; the project is {TITLE}."}
    _ok(demo, demo.request("POST", url, json=reason), "archiving the duplicate")
