"""Aggregates: the one-sentence definition of every figure, repeated in each answer so a report
can print what it shows (keys are the figures' JSON paths in the answer)."""

from __future__ import annotations

from typing import Final

_PERIOD: Final = (
    "Engagements held in the period (from `from`, or the beginning, to `to` or `as_of`, "
    "whichever is earlier) and recorded by `as_of`, not cancelled; held date, IAP2 level, type "
    "and status are as they are now (their changes are kept only in the audit trail), so a "
    "later edit or cancellation can move an engagement in an earlier report."
)

ENGAGEMENT: Final[dict[str, str]] = {
    "coverage": _PERIOD,
    "coverage.projects_with_engagement": (
        "Projects of the set with at least one engagement in the period."
    ),
    "coverage.share": "projects_with_engagement divided by the distinct projects asked about.",
    "coverage.engagements": (
        "Distinct engagements in the period touching a project of the set (one touching two "
        "projects counts once; per project it counts for each)."
    ),
    "coverage.projects.highest_level": (
        "The highest IAP2 level (inform < consult < involve < collaborate < empower) reached "
        "by an engagement of the project in the period."
    ),
    "ownership.relationships": (
        "Stakeholders with at least one project link (recorded by `as_of`) to a project of the "
        "set; the owner of a link is the one it names now."
    ),
    "ownership.people.owned": "Relationships in which the person owns at least one link.",
    "ownership.people.sole_owned": (
        "Relationships whose every link in the set is owned by the person alone."
    ),
    "ownership.people.share": "sole_owned divided by relationships.",
    "ownership.people.flagged": "share is above flag_share: a key-person dependency.",
    "ownership.shared_relationships": "Relationships whose links name more than one owner.",
    "inclusivity.projects_with_public_involvement": (
        "Projects of the set where the public is involved at IAP2 `involve` or above: an "
        "involvement (PPI) role on the project recorded by `as_of` and held on some day of the "
        "period, or a stakeholder flagged as a public contributor whose latest stakeholder "
        "assessment of the project at `as_of` is at `involve` or above."
    ),
    "inclusivity.share": (
        "projects_with_public_involvement divided by the distinct projects asked about."
    ),
    "suppressed": (
        "Counts of people below 5 are null for reporter, viewer and team callers, and so is "
        "the smallest other count wherever the total minus the shown counts would reveal one."
    ),
}

PROJECT: Final[dict[str, str]] = {
    "stakeholders": (
        "Each stakeholder's latest assessment of the project with `assessed_at` at or before "
        "`as_of`, among those recorded by `as_of`."
    ),
    "stakeholders.mendelow": (
        "Mendelow quadrant: power and interest each high at or above `threshold` (1-5): "
        "manage closely (both high), keep satisfied (power), keep informed (interest), "
        "monitor (neither)."
    ),
    "stakeholders.salience": (
        "Salience class (Mitchell, Agle and Wood): which of power (at or above `threshold`), "
        "legitimacy and urgency the stakeholder has."
    ),
    "stakeholders.iap2": "Stakeholders at each IAP2 level now (current) and aimed for (target).",
    "stakeholders.below_target": (
        "Stakeholders whose current IAP2 level is below their target level (the engagement gap)."
    ),
    "stakeholders.relationships": (
        "Relationship quality and trust (1-5) of each stakeholder's latest snapshot, and the "
        "trend against the snapshot before it (higher: improving, equal: steady, lower: "
        "worsening; stakeholders with one snapshot are not in the trend); counts of people."
    ),
    "engagements": _PERIOD.replace("`to` or `as_of`, whichever is earlier", "`as_of`"),
    "engagements.attended_participants": (
        "Distinct stakeholders recorded by `as_of` as having attended an engagement counted."
    ),
    "engagements.anonymous_attendees": (
        "Summed anonymous attendee counts of the engagements counted."
    ),
    "feedback.items": "'You said' items recorded by `as_of` at the engagements counted.",
    "feedback.responded": (
        "Items whose 'we did' response was recorded by `as_of` (a response replaced later is "
        "dated by its replacement)."
    ),
    "feedback.closure_rate": "Items closed by `as_of` divided by items.",
    "feedback.median_days_to_response": (
        "Median of the days from an item being recorded to its response, over the responded."
    ),
    "involvement": (
        "Involvement (PPI) roles of the project recorded by `as_of` and held on some day of the "
        "period; people counted once per role and once per stage."
    ),
    "public_contributors": (
        "Stakeholders flagged (now) as public contributors, by their latest assessment of the "
        "project with `assessed_at` at or before `as_of`, among those recorded by `as_of`."
    ),
    "public_contributors.highest_level": (
        "The highest current IAP2 level among them (inform < consult < involve < collaborate "
        "< empower); what a template's `public_contributor_at_least` gate rule reads."
    ),
    "standards": (
        "The project's UK Standards for Public Involvement self-assessment recorded by `as_of` "
        "with the latest period; null levels when there is none."
    ),
    "suppressed": ENGAGEMENT["suppressed"],
}
