"""`make demo`, the portfolio: 23 more projects (32 with the first nine) across every directorate,
both pillars, every innovation type and, once the gate step has run, every stage; and the team
of each, so key-person figures have people to count.

The team is where a portfolio's dependencies show: one executive sponsors most projects, one
evaluator evaluates nine, the Chief Clinical Information Officer leads seven, and on the
wearable fall detectors one person is lead, sponsor and evaluator at once. Members have start
dates in the past (the registry's own history) and a few have left (an end date), so the team
changes over time.
Loaded like the rest of the demo: looked up first (projects by title, members by subject and
role), created with stable Idempotency-Keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scripts.demo import Demo

Json = dict[str, Any]
AREA = "portfolio"

# subject → (display name, affiliation); fictional people.
PEOPLE: dict[str, tuple[str, str]] = {
    "dr-helen-price": ("Dr Helen Price", "trust"),
    "mark-ellis": ("Mark Ellis", "trust"),
    "dr-amara-okafor": ("Dr Amara Okafor", "university"),
    "lee-tran": ("Lee Tran", "trust"),
    "dr-ruth-adeyemi": ("Dr Ruth Adeyemi", "trust"),
    "karen-walsh": ("Karen Walsh", "trust"),
    "tom-fielding": ("Tom Fielding", "trust"),
    "dr-nadia-hussain": ("Dr Nadia Hussain", "trust"),
    "prof-mike-carroll": ("Prof Mike Carroll", "university"),
    "dr-li-wei": ("Dr Li Wei", "university"),
    "sarah-quinn": ("Sarah Quinn", "trust"),
    "dr-jamal-ahmed": ("Dr Jamal Ahmed", "trust"),
    "emma-roberts": ("Emma Roberts", "trust"),
    "dr-fiona-grant": ("Dr Fiona Grant", "trust"),
    "owen-price": ("Owen Price", "trust"),
    "dr-kate-morgan": ("Dr Kate Morgan", "trust"),
    "gareth-jones": ("Gareth Jones", "trust"),
    "dr-anil-kapoor": ("Dr Anil Kapoor", "trust"),
    "beth-cole": ("Beth Cole", "other"),
}


@dataclass(frozen=True)
class PortfolioProject:
    slug: str
    title: str
    summary: str
    directorate: str
    innovation_type: str
    lead_partner: str
    start: str
    end: str
    # (lead, sponsor, evaluator, manager); None: the role is not filled
    team: tuple[str | None, str | None, str | None, str | None]
    is_digital: bool = False
    pillar: str = "project_innovation"
    core20: tuple[str, ...] = ()
    net_zero: bool = False
    budget: int | None = None
    tags: tuple[str, ...] = ()
    # (subject, role, start, end): members beyond the four, or who have left
    extra: tuple[tuple[str, str, str, str | None], ...] = field(default=())

    def body(self) -> Json:
        body: Json = {
            "title": self.title,
            "summary": self.summary,
            "directorate": self.directorate,
            "pillar": self.pillar,
            "innovation_type": self.innovation_type,
            "lead_partner": self.lead_partner,
            "is_digital": self.is_digital,
            "tags": list(self.tags),
            "core20plus5_tags": list(self.core20),
            "net_zero_relevant": self.net_zero,
            "start_date": self.start,
            "planned_end_date": self.end,
        }
        if self.budget is not None:
            body["budget_gbp"] = self.budget
        return body

    def memberships(self) -> list[tuple[str, str, str, str | None]]:
        core = [(s, r, self.start, None) for s, r in zip(self.team, ROLES, strict=True) if s]
        return core + list(self.extra)


P = PortfolioProject
UEC, MED, DIG, DX = "Urgent and Emergency Care", "Medicine", "Digital", "Diagnostics"
REDESIGN, TECH, WORKFORCE, ORG = (
    "service_or_pathway_redesign",
    "digital_technology",
    "workforce_or_role",
    "organisational_or_management",
)
PROJECTS: list[PortfolioProject] = [
    P("ed-social-prescribing", "Social prescribing link workers in the emergency department",
      "Link workers see frequent attenders in ED and connect them with housing, debt and "
      "loneliness support in the community.", UEC, REDESIGN, "joint", "2026-06-01", "2027-05-31",
      ("dr-jamal-ahmed", "mark-ellis", "dr-li-wei", "sarah-quinn"),
      core20=("core20_deprivation",), tags=("social-prescribing", "frequent-attenders")),
    P("ward-food-waste", "Ward food waste to anaerobic digestion",
      "Separate collection of ward food waste for anaerobic digestion instead of macerators.",
      "Estates and Facilities", ORG, "trust", "2026-09-01", "2027-08-31",
      ("gareth-jones", "tom-fielding", None, None), net_zero=True, tags=("net-zero", "waste")),
    P("community-phlebotomy-hubs", "Community phlebotomy hubs",
      "Walk-in blood tests in three community hubs in the most deprived wards, results in the "
      "shared record.", DX, REDESIGN, "trust", "2026-04-06", "2027-03-31",
      ("owen-price", "mark-ellis", "dr-amara-okafor", "lee-tran"),
      core20=("core20_deprivation",), budget=145000, tags=("phlebotomy", "community")),
    P("dementia-friendly-wards", "Dementia-friendly ward environments",
      "Signage, lighting, colour and a day room designed with carers on two older people's "
      "wards.", MED, ORG, "joint", "2026-05-04", "2027-04-30",
      ("dr-helen-price", "karen-walsh", "prof-mike-carroll", "sarah-quinn"),
      tags=("dementia", "environment")),
    P("maternity-bp-monitoring", "Home blood pressure monitoring in pregnancy",
      "Women with hypertension in pregnancy record their blood pressure at home; midwives "
      "review the readings remotely.", "Women's and Children's", TECH, "joint", "2026-01-05",
      "2027-01-29", ("dr-fiona-grant", "karen-walsh", "dr-amara-okafor", "lee-tran"),
      is_digital=True, budget=210000,
      core20=("maternity", "hypertension_case_finding", "core20_deprivation"),
      tags=("maternity", "remote-monitoring")),
    P("surgical-prehab", "Surgical prehabilitation school",
      "Exercise, nutrition and smoking-cessation support in the six weeks before major "
      "surgery.", "Surgery", REDESIGN, "joint", "2026-02-02", "2027-01-29",
      ("dr-kate-morgan", "dr-ruth-adeyemi", "prof-mike-carroll", "sarah-quinn"),
      tags=("prehabilitation", "surgery")),
    P("sickle-cell-rapid-access", "Sickle cell rapid access pathway",
      "A direct-access bay and pain protocol so people in sickle cell crisis get analgesia "
      "within 30 minutes.", MED, REDESIGN, "trust", "2026-03-02", "2027-02-26",
      ("dr-anil-kapoor", "dr-ruth-adeyemi", "dr-li-wei", "lee-tran"),
      core20=("plus_group", "core20_deprivation"), tags=("sickle-cell", "haematology")),
    P("innovation-benefits-framework", "Benefits realisation framework for innovations",
      "One way to estimate, validate and track the benefits of every innovation the board "
      "approves.", "Research and Innovation", ORG, "joint", "2026-01-12", "2026-12-18",
      ("tom-fielding", "mark-ellis", "prof-mike-carroll", "owen-price"),
      pillar="innovation_governance", tags=("governance", "benefits")),
    P("ed-mental-health-triage", "Digital mental health triage in the emergency department",
      "A validated digital risk tool lets ED nurses triage mental health presentations and "
      "refer to liaison psychiatry sooner.", UEC, TECH, "joint", "2025-12-01", "2026-11-30",
      ("dr-jamal-ahmed", "mark-ellis", "dr-amara-okafor", "sarah-quinn"), is_digital=True,
      core20=("severe_mental_illness",), budget=175000, tags=("mental-health", "triage")),
    P("physician-associates-sdec", "Physician associates in same-day emergency care",
      "Physician associates clerk ambulatory patients in SDEC under consultant supervision.",
      UEC, WORKFORCE, "trust", "2025-11-03", "2026-10-30",
      ("dr-helen-price", "dr-ruth-adeyemi", "dr-li-wei", "lee-tran"),
      tags=("sdec", "workforce")),
    P("lung-rapid-diagnostics", "Lung cancer rapid diagnostic pathway",
      "Straight-to-CT for suspected lung cancer from primary care, with a results clinic in "
      "seven days.", DX, REDESIGN, "joint", "2025-06-02", "2026-12-31",
      ("dr-nadia-hussain", "mark-ellis", "prof-mike-carroll", "owen-price"), budget=320000,
      core20=("early_cancer_diagnosis", "core20_deprivation"), tags=("cancer", "diagnostics")),
    P("eobs-sepsis-alerting", "Electronic observations and sepsis alerting",
      "Bedside electronic observations with NEWS2 and sepsis alerts to the outreach team.",
      DIG, TECH, "trust", "2025-07-01", "2026-12-31",
      ("dr-nadia-hussain", "mark-ellis", "dr-amara-okafor", "sarah-quinn"), is_digital=True,
      budget=560000, tags=("sepsis", "patient-safety"),
      extra=(("beth-cole", "project_manager", "2025-07-01", "2026-03-31"),)),
    P("reusable-theatre-textiles", "Reusable theatre gowns and drapes",
      "Reusable gowns and drapes laundered locally instead of single-use, measured in tonnes "
      "of CO2e and waste avoided.", "Theatres, Anaesthesia and Critical Care", ORG, "trust",
      "2025-05-01", "2026-12-31", ("emma-roberts", "tom-fielding", "dr-li-wei", "owen-price"),
      net_zero=True, tags=("net-zero", "theatres")),
    P("frailty-hot-clinic", "Frailty hot clinic",
      "Next-day geriatrician assessment for frail older people referred by GPs and paramedics "
      "instead of ED.", MED, REDESIGN, "trust", "2025-03-03", "2026-09-30",
      ("dr-helen-price", "mark-ellis", "dr-amara-okafor", "lee-tran"),
      core20=("core20_deprivation",), budget=260000, tags=("frailty", "admission-avoidance")),
    P("pharmacy-hypertension-finding", "Hypertension case-finding in community pharmacies",
      "Community pharmacists check blood pressure opportunistically and refer raised readings "
      "to the GP practice.", "Pharmacy", REDESIGN, "joint", "2025-02-03", "2026-07-31",
      ("emma-roberts", "dr-ruth-adeyemi", "prof-mike-carroll", "owen-price"),
      core20=("hypertension_case_finding", "core20_deprivation"), tags=("hypertension",)),
    P("patient-portal-booking", "Patient portal self-booking",
      "Outpatients choose and change their own appointment slots in the patient portal.",
      "Outpatients", TECH, "trust", "2025-01-06", "2026-06-30",
      ("dr-nadia-hussain", "mark-ellis", "dr-li-wei", "sarah-quinn"), is_digital=True,
      budget=190000, tags=("outpatients", "patient-portal")),
    P("first-contact-physio-ed", "First-contact physiotherapy in the emergency department",
      "Advanced practice physiotherapists see minor musculoskeletal injuries at the front door.",
      UEC, WORKFORCE, "trust", "2024-11-04", "2026-05-29",
      ("dr-jamal-ahmed", "mark-ellis", "dr-amara-okafor", "lee-tran"), tags=("msk", "ed")),
    P("discharge-transport-hub", "Discharge transport coordination hub",
      "One hub books every discharge journey by noon the day before, with the ambulance "
      "service and voluntary drivers.", MED, ORG, "trust", "2024-09-02", "2026-03-31",
      ("karen-walsh", "mark-ellis", "dr-li-wei", "owen-price"), tags=("discharge", "flow"),
      extra=(("beth-cole", "analyst", "2024-09-02", "2025-08-29"),)),
    P("paperless-outpatient-letters", "Paper-free outpatient letters",
      "Clinic letters go to patients through the portal and to GPs electronically, on paper "
      "only on request.", "Outpatients", TECH, "trust", "2024-06-03", "2025-12-19",
      ("dr-nadia-hussain", "tom-fielding", "prof-mike-carroll", "sarah-quinn"),
      is_digital=True, net_zero=True, tags=("outpatients", "net-zero")),
    P("pharmacogenomic-testing", "Pharmacogenomic testing before prescribing",
      "A point-of-care genotype test guides the choice of antiplatelet after a stroke.",
      "Pharmacy", "other", "joint", "2026-01-19", "2027-01-29",
      ("emma-roberts", "dr-ruth-adeyemi", "dr-amara-okafor", None), tags=("genomics",)),
    P("ai-chest-xray-triage", "AI triage of chest X-rays",
      "An AI tool flags chest X-rays likely to show cancer for same-day reporting.", DX,
      "medical_device", "joint", "2025-10-06", "2026-12-18",
      ("dr-nadia-hussain", "mark-ellis", "dr-li-wei", "owen-price"), is_digital=True,
      core20=("early_cancer_diagnosis",), budget=240000, tags=("ai", "radiology")),
    P("drone-pathology-samples", "Drone transport of pathology samples",
      "Drones carry urgent samples between the two main hospital sites.", DX, "other",
      "joint", "2026-02-16", "2026-12-18", ("gareth-jones", "tom-fielding", None, None),
      tags=("logistics", "pathology")),
    P("wearable-falls-community", "Wearable fall detectors for people at home",
      "A wrist-worn detector alerts a responder when an older person living alone falls.",
      "Community Services", "medical_device", "joint", "2025-09-15", "2026-09-30",
      ("dr-kate-morgan", "dr-kate-morgan", "dr-kate-morgan", None), is_digital=True,
      tags=("falls", "wearables")),
]  # fmt: skip


# The first nine projects' teams (scripts.demo loads the projects, scripts.demo_projects the
# virtual ward's team): (lead, sponsor, evaluator, manager, start).
FIRST_TEAMS: dict[str, tuple[str | None, str | None, str | None, str | None, str]] = {
    "ed-streaming": ("dr-jamal-ahmed", "mark-ellis", "dr-li-wei", "lee-tran", "2025-11-03"),
    "ai-discharge-summaries": (
        "dr-nadia-hussain", "dr-ruth-adeyemi", "prof-mike-carroll", "sarah-quinn", "2026-03-02"
    ),
    "pharmacy-robotics": ("emma-roberts", "tom-fielding", None, "owen-price", "2026-04-01"),
    "nurse-led-heart-failure-clinics": (
        "dr-anil-kapoor", "karen-walsh", "dr-amara-okafor", None, "2025-09-01"
    ),
    "digital-outpatients-pifu": (
        "dr-nadia-hussain", "mark-ellis", None, "sarah-quinn", "2026-02-02"
    ),
    "net-zero-anaesthetic-gases": (
        "dr-kate-morgan", "tom-fielding", "dr-li-wei", None, "2025-10-01"
    ),
    "falls-sensors-older-peoples-wards": (
        "dr-helen-price", "karen-walsh", "prof-mike-carroll", "lee-tran", "2026-05-05"
    ),
    "proportionate-innovation-governance": (
        "mark-ellis", "dr-ruth-adeyemi", "prof-mike-carroll", "owen-price", "2025-07-01"
    ),
}  # fmt: skip
ROLES = ("project_lead", "executive_sponsor", "evaluator", "project_manager")


def load_portfolio(demo: Demo) -> None:
    """The projects, then each one's team; and the teams of the first nine projects but the
    virtual ward (needs the projects step)."""
    for seed in PROJECTS:

        def lookup(seed: PortfolioProject = seed) -> Json | None:
            return demo.find(
                "projects", {"q": seed.title}, lambda item: item["title"] == seed.title
            )

        project, outcome = demo.ensure_with_outcome(
            area="projects", slug=seed.slug, body=seed.body(), lookup=lookup
        )
        _team(demo, seed.slug, str(project["id"]), seed.memberships(), outcome == "created")
    for slug, (*team, start) in FIRST_TEAMS.items():
        members: list[tuple[str, str, str, str | None]] = [
            (s, r, start, None) for s, r in zip(team, ROLES, strict=True) if s
        ]
        _team(demo, slug, demo.ids[f"projects:{slug}"], members, fresh=False)


def _team(
    demo: Demo,
    slug: str,
    project_id: str,
    memberships: list[tuple[str, str, str, str | None]],
    fresh: bool,
) -> None:
    base = f"projects/{project_id}/team"
    for subject, role, start, end in memberships:
        name, affiliation = PEOPLE[subject]

        def member(s: str = subject, r: str = role) -> Json | None:
            if fresh:
                return None  # a project registered just now has no team yet
            return demo.find(base, {"subject": s, "role": r}, lambda _: True)

        body: Json = {
            "subject": subject,
            "display_name": name,
            "affiliation": affiliation,
            "role": role,
            "start_date": start,
        }
        if end:
            body["end_date"] = end
        demo.ensure(
            area=AREA,
            slug=f"team-{slug}-{subject}-{role}",
            collection=base,
            body=body,
            lookup=member,
        )
