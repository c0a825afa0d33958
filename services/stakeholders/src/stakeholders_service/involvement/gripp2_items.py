"""GRIPP2 checklists (Staniszewska et al., BMJ 2017;358:j3453): the short form's 5 items and the
long form's 34, as (code, section, topic, prompt). Prompts are paraphrased, not the published
wording; codes and topics follow the long form's numbering (see docs/domain/involvement.md)."""

from __future__ import annotations

from typing import NamedTuple


class ChecklistItem(NamedTuple):
    code: str
    section: str
    topic: str
    prompt: str


SHORT: tuple[ChecklistItem, ...] = (
    ChecklistItem("aim", "1", "Aim", "Report the aim of PPI in the study."),
    ChecklistItem(
        "methods", "2", "Methods", "Provide a clear description of the methods used for PPI."
    ),
    ChecklistItem(
        "results",
        "3",
        "Study results",
        "Outcomes: report the results of PPI, positive and negative.",
    ),
    ChecklistItem(
        "outcomes",
        "4",
        "Discussion and conclusions",
        "Comment on the extent to which PPI influenced the study; positive and negative effects.",
    ),
    ChecklistItem(
        "critical_perspective",
        "5",
        "Reflections/critical perspective",
        "Reflect critically on what went well and what did not, so others can learn.",
    ),
)

_ABSTRACT = "Abstract"
_BACKGROUND = "Background"
_METHODS = "Methods"
_CAPTURE = "Capture or measurement of PPI impact"
_RESULTS = "Study results"
_DISCUSSION = "Discussion and conclusions"

LONG: tuple[ChecklistItem, ...] = (
    ChecklistItem("1a", _ABSTRACT, "Aim", "State the aim of the study."),
    ChecklistItem(
        "1b", _ABSTRACT, "Methods", "Describe how patients and the public were involved."
    ),
    ChecklistItem("1c", _ABSTRACT, "Results", "Report the impacts and outcomes of PPI."),
    ChecklistItem("1d", _ABSTRACT, "Conclusions", "Summarise the main conclusions."),
    ChecklistItem("1e", _ABSTRACT, "Keywords", "Use PPI or an equivalent term as a keyword."),
    ChecklistItem("2a", _BACKGROUND, "Definition", "The definition of PPI used, and its links."),
    ChecklistItem(
        "2b", _BACKGROUND, "Theoretical underpinnings", "The theoretical rationale for PPI."
    ),
    ChecklistItem(
        "2c", _BACKGROUND, "Concepts and theory development", "Conceptual models used for PPI."
    ),
    ChecklistItem("3", "Aims", "Aim", "State the aim of the study, including the aim of PPI."),
    ChecklistItem("4a", _METHODS, "Design", "Describe the methods by which the public took part."),
    ChecklistItem("4b", _METHODS, "People involved", "Describe the patients, carers and public."),
    ChecklistItem("4c", _METHODS, "Stages of involvement", "At which stages PPI took place."),
    ChecklistItem(
        "4d", _METHODS, "Level or nature of involvement", "The level or nature of PPI per stage."
    ),
    ChecklistItem(
        "5a", _CAPTURE, "Qualitative evidence", "Methods to explore impact qualitatively."
    ),
    ChecklistItem(
        "5b", _CAPTURE, "Quantitative evidence", "Methods to measure impact quantitatively."
    ),
    ChecklistItem("5c", _CAPTURE, "Robustness of measure", "How rigorous the capture method was."),
    ChecklistItem(
        "6", "Economic assessment", "Economic assessment", "Any method to assess PPI's costs."
    ),
    ChecklistItem("7a", _RESULTS, "Outcomes of PPI", "Results of PPI, positive and negative."),
    ChecklistItem("7b", _RESULTS, "Impacts of PPI", "Impacts on the research and the people."),
    ChecklistItem("7c", _RESULTS, "Qualitative evidence of impact", "What it showed, if used."),
    ChecklistItem("7d", _RESULTS, "Quantitative evidence of impact", "What it showed, if used."),
    ChecklistItem("7e", _RESULTS, "Economic assessment", "Costs and benefits found, if assessed."),
    ChecklistItem("8a", _DISCUSSION, "Outcomes", "How far PPI influenced the study overall."),
    ChecklistItem("8b", _DISCUSSION, "Impacts", "The impacts of PPI, positive and negative."),
    ChecklistItem("8c", _DISCUSSION, "Definition", "How the definition of PPI shaped the work."),
    ChecklistItem(
        "8d", _DISCUSSION, "Theoretical underpinnings", "The theory in the light of the results."
    ),
    ChecklistItem(
        "8e", _DISCUSSION, "Concepts and theory development", "Any development of concepts."
    ),
    ChecklistItem("8f", _DISCUSSION, "Context", "How the context helped or hindered PPI."),
    ChecklistItem("8g", _DISCUSSION, "Process", "How the way of involving people worked."),
    ChecklistItem("8h", _DISCUSSION, "Robustness", "How robust the evidence of impact is."),
    ChecklistItem("8i", _DISCUSSION, "Economic assessment", "What the costs mean."),
    ChecklistItem("8j", _DISCUSSION, "Future research", "What should be studied next about PPI."),
    ChecklistItem("8k", _DISCUSSION, "Strengths and limitations", "Of the PPI in this study."),
    ChecklistItem(
        "9",
        "Reflections/critical perspective",
        "Reflections",
        "Reflect critically on what went well and what did not, so others can learn.",
    ),
)

FORMS: dict[str, tuple[ChecklistItem, ...]] = {"short": SHORT, "long": LONG}
