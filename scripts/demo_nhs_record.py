"""`make demo`, NHS Innovation Service interoperability (issue #14 item 15): imports one
fictional innovation record (document version 202304) for a supplier's COPD remote-monitoring
app, which creates its project with the registry fields and adoption milestones the record
answers (DTAC passed, a carbon reduction plan being written, real-world evidence), then exports
it and checks the export gives the same record back.

Idempotent like the rest: the import is keyed by the innovation's id (a second import updates
the same project) and carries a stable Idempotency-Key, so a second run creates nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scripts.demo_stakeholders import _fail, _ok

if TYPE_CHECKING:
    from scripts.demo import Demo

AREA = "nhs records"
SLUG = "lunglink-copd"
# The innovation's id in the NHS Innovation Service (fictional).
INNOVATION_ID = "5d0c8f2a-6b1e-4c3d-9a7f-2e4b6c8d0a13"
Json = dict[str, Any]

RECORD: Json = {
    "version": "202304",
    "INNOVATION_DESCRIPTION": {
        "name": "LungLink home monitoring for COPD (fictional)",
        "description": "An app and pulse oximeter for people with COPD at home after discharge: "
        "twice-daily readings and symptom scores, with alerts to the community respiratory team.",
        "postcode": "L3 5TR",
        "countryName": "England",
        "categories": ["DIGITAL", "DATA_MONITORING"],
        "mainCategory": "DIGITAL",
        "areas": ["IMPROVING_SYSTEM_FLOW", "NET_ZERO_GREENER_INNOVATION"],
        "careSettings": ["ACUTE_TRUSTS_INPATIENT", "PRIMARY_CARE"],
        "mainPurpose": "MONITOR_CONDITION",
        "involvedAACProgrammes": ["Academic Health Science Network"],
    },
    "UNDERSTANDING_OF_NEEDS": {
        "problemsTackled": "People with COPD are readmitted soon after discharge because "
        "deterioration at home is noticed late.",
        "carbonReductionPlan": "WORKING_ON",
        "keyHealthInequalities": ["CHRONIC_RESPIRATORY_DISEASE"],
    },
    "MARKET_RESEARCH": {
        "hasMarketResearch": "YES",
        "optionBestDescribesInnovation": "BETTER_ALTERNATIVE",
    },
    "TESTING_WITH_USERS": {
        "involvedUsersDesignProcess": "YES",
        "intendedUserGroupsEngaged": ["PATIENTS", "CARERS"],
        "userTests": [{"kind": "Usability sessions", "feedback": "Larger text was added."}],
    },
    "REGULATIONS_AND_STANDARDS": {
        "hasRegulationKnowledge": "YES_ALL",
        "standards": [{"type": "DTAC", "hasMet": "YES"}],
    },
    "REVENUE_MODEL": {
        "hasRevenueModel": "YES",
        "revenues": ["SUBSCRIPTION"],
        "hasFunding": "YES",
        "fundingDescription": "SBRI Healthcare",
    },
    "DEPLOYMENT": {"hasDeployPlan": "YES", "isDeployed": "NO"},
    "evidences": [
        {
            "evidenceSubmitType": "REAL_WORLD",
            "evidenceType": "UNPUBLISHED_DATA",
            "summary": "Readmissions within 30 days fell from 21% to 15% over six months.",
        }
    ],
}


def load_nhs_record(demo: Demo) -> None:
    from scripts.demo import KEY_PREFIX, Loaded, Outcome

    response = demo.request(
        "POST",
        "/projects/import/nhs-innovation-record",
        params={"innovation_id": INNOVATION_ID, "lead_partner": "joint"},
        json=RECORD,
        headers={"Idempotency-Key": f"{KEY_PREFIX}:nhs-record:{SLUG}"},
    )
    body = _ok(demo, response, "importing the NHS innovation record")
    replayed = response.headers.get("Idempotent-Replayed") == "true"
    outcome: Outcome = (
        "replayed" if replayed else ("created" if response.status_code == 201 else "existing")
    )
    project = body["project"]
    demo.results.append(Loaded(AREA, SLUG, outcome, project))
    demo.ids[f"{AREA}:{SLUG}"] = str(project["id"])
    exported = _ok(
        demo,
        demo.request("GET", f"/projects/{project['id']}/nhs-innovation-record"),
        "exporting the NHS innovation record",
    )
    if exported != RECORD:
        raise _fail(demo, "the exported NHS innovation record differs from the one imported")
