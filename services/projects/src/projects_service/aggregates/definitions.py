"""Aggregates: the one-sentence definition of every figure, returned with each answer so a
report can repeat them (issue #11: every report carries the definitions used)."""

from __future__ import annotations

from typing import Final

PORTFOLIO_DEFINITIONS: Final[dict[str, str]] = {
    "project_set": (
        "Projects created by as_of that match the filters; stage is the stage a project was in "
        "at as_of (from its stage history), while pillar, directorate, innovation type, "
        "Core20PLUS5 tags and the net-zero flag are the registry's current values, which keep no "
        "history; archived projects are counted, since archiving has no recorded date."
    ),
    "project_ids": (
        "The ids of the project set when any filter is given; null when none is, meaning all "
        "projects."
    ),
    "projects": "The number of projects in the set.",
    "by_stage": "Projects in the set by the stage they were in at as_of.",
    "by_pillar": "Projects in the set by pillar.",
    "by_directorate": "Projects in the set by directorate (null: none recorded).",
    "by_innovation_type": "Projects in the set by innovation type.",
    "period": (
        "The window of the period figures (gate funnel, days in stage): from (default: all "
        "history) to to, which is at most as_of."
    ),
    "gate_funnel.entered": (
        "Projects that arrived in the period at a stage the gate decides on (G0 idea, G1 "
        "scoping, G2 design, G3 and G4 evaluation, G5 scaling or embedding), by creation there "
        "or a stage change other than resuming from a pause."
    ),
    "gate_funnel.decided": (
        "Projects with a gate decision received by as_of and decided in the period, leaving out "
        "decisions that did not fit the project's stage (rejected) and decisions corrected by a "
        "later decision received by as_of."
    ),
    "gate_funnel.proceeded": (
        "Decided projects whose latest such decision at the gate was proceed, proceed with "
        "conditions, scale or adopt."
    ),
    "gate_funnel.stopped": "Decided projects whose latest such decision at the gate was stop.",
    "gate_funnel.conversion": "proceeded / decided at the gate (null when none was decided).",
    "days_in_stage": (
        "For each stage, the stays that ended in the period (from arriving in the stage to the "
        "next stage change, in days): their number, median and 90th percentile by linear "
        "interpolation between closest ranks (PostgreSQL's percentile_cont), and ongoing, the "
        "projects in the stage at as_of; a pause is a stay in paused and resuming starts a new "
        "stay."
    ),
    "core20plus5": "Projects in the set carrying each Core20PLUS5 tag (once per tag).",
    "net_zero.share": "Projects marked net-zero relevant / projects in the set.",
    "net_zero.tco2e_estimate": (
        "The sum of the latest estimated value known at as_of of every active carbon benefit "
        "measured in tCO2e, over the set."
    ),
    "benefits": (
        "Per benefit kind and unit: the sum over active benefits of each one's latest estimated, "
        "validated and actual value dated on or before as_of and recorded by as_of (a benefit's "
        "active or retired status is today's)."
    ),
    "monitoring": (
        "Monitoring-plan items of each project's outcome map agreed at as_of with a journal tool "
        "and a scheduled frequency (not ad hoc); an item is overdue when its journal's latest "
        "period submitted by as_of (the named partner's outcome journal, else the project's "
        "journal of that kind) ended, or with none the map was agreed, more than one interval "
        "(monthly 31, quarterly 92, biannual 183, annual 366 days) before as_of."
    ),
    "monitoring.overdue_outcome_journals": "Overdue monitoring items that use the outcome journal.",
    "key_person.active_members": (
        "Distinct people with a team membership active on the day of as_of and recorded by "
        "as_of (membership end dates are today's); below 5 it is withheld from reporter and "
        "viewer."
    ),
    "key_person.lead_is_sponsor_is_evaluator": (
        "One active member is project lead, executive sponsor and evaluator (or developmental "
        "evaluator) of the project."
    ),
    "key_person.projects": (
        "Projects where lead = sponsor = evaluator or with fewer than two active members, by id, "
        "at most 200."
    ),
    "key_person.people": (
        "Per person holding a lead, sponsor or evaluator role in the set: projects led, "
        "sponsored and evaluated, and share_of_leads = projects led / projects with a lead, "
        "flagged above threshold; the subject only for governance and admin, and no rows for "
        "others when fewer than 5 people hold such roles."
    ),
    "suppressed": (
        "JSON pointers of the figures withheld for this caller: counts of people below 5, and "
        "figures that would reveal one."
    ),
}

ATTAINMENT_DEFINITIONS: Final[dict[str, str]] = {
    "series": (
        "Per boundary partner (followed across outcome-map versions) and marker level, one "
        "point per outcome journal entry as it stood at as_of (submitted by then and not yet "
        "replaced by an amendment submitted by then), oldest period first."
    ),
    "markers": "Active markers of the level for that partner in the map version the entry rated.",
    "rated": "Markers of the level the entry rated.",
    "attained": "Of those, rated medium or high.",
    "attainment_share": "attained / markers (null without markers).",
}
