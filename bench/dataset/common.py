"""Deterministic ids, clock and vocabulary shared by the dataset builders (no I/O)."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

# The dataset's fixed "now": every timestamp lies before it, so a seed gives the same bytes.
AS_OF = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
START = dt.datetime(2022, 1, 3, 9, 0, tzinfo=dt.UTC)

_MASK48 = (1 << 48) - 1


def uuid7_at(at: dt.datetime, rng: random.Random) -> uuid.UUID:
    """A UUIDv7 for `at` with seeded random bits: time-ordered like `shared.db.new_id`, but
    reproducible and dated when the row was (notionally) created, not when it was generated."""
    ms = int(at.timestamp() * 1000) & _MASK48
    value = (ms << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64) | (0b10 << 62)
    return uuid.UUID(int=value | rng.getrandbits(62))


def between(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    """A uniformly random instant in [start, end], to the second."""
    if end <= start:
        return start
    seconds = int((end - start).total_seconds())
    return start + dt.timedelta(seconds=rng.randint(0, seconds))


def weighted(rng: random.Random, choices: Sequence[tuple[T, float]]) -> T:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: small means only (team sizes, participants)."""
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


FIRST_NAMES = [
    "Aisha",
    "Ben",
    "Chloe",
    "Daniel",
    "Eleanor",
    "Farah",
    "Gareth",
    "Hannah",
    "Imran",
    "Jasmine",
    "Kwame",
    "Laura",
    "Mohammed",
    "Niamh",
    "Oliver",
    "Priya",
    "Quentin",
    "Rachel",
    "Samir",
    "Tomasz",
    "Uma",
    "Victoria",
    "William",
    "Xin",
    "Yusuf",
    "Zara",
    "Amara",
    "Callum",
    "Deepa",
    "Ewan",
    "Grace",
    "Harriet",
    "Idris",
    "Joanna",
    "Kieran",
    "Leah",
    "Marcus",
    "Nadia",
    "Owen",
    "Rhiannon",
]
LAST_NAMES = [
    "Adeyemi",
    "Begum",
    "Campbell",
    "Davies",
    "Evans",
    "Fraser",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Morgan",
    "Nowak",
    "O'Brien",
    "Patel",
    "Quinn",
    "Roberts",
    "Singh",
    "Thomas",
    "Underwood",
    "Vaughan",
    "Williams",
    "Yates",
    "Zhang",
    "Ahmed",
    "Baker",
    "Clarke",
    "Edwards",
    "Foster",
    "Gill",
    "Harris",
    "Jackson",
    "Kaur",
    "Lloyd",
    "Mitchell",
    "Okafor",
    "Price",
]
SERVICES = (
    "virtual ward",
    "remote monitoring",
    "same-day emergency care",
    "discharge to assess",
    "community diagnostics",
    "social prescribing",
    "digital triage",
    "falls prevention",
    "patient-initiated follow-up",
    "shared decision making",
    "AI-assisted reporting",
    "electronic prescribing",
    "peer support",
    "carer passport",
    "hospital at home",
)
AREAS = (
    "frailty",
    "heart failure",
    "COPD",
    "diabetes",
    "maternity",
    "paediatric asthma",
    "dermatology",
    "musculoskeletal pain",
    "stroke rehabilitation",
    "perinatal mental health",
    "end of life care",
    "hypertension",
    "sepsis",
    "ophthalmology",
    "learning disabilities",
)
PLACES = (
    "the North locality",
    "the city centre PCN",
    "outpatients",
    "the emergency department",
    "community teams",
    "the east coast",
    "care homes",
    "primary care",
    "the acute medical unit",
    "rural practices",
)
DIRECTORATES = (
    "Medicine",
    "Surgery",
    "Women and Children",
    "Community Services",
    "Mental Health",
    "Diagnostics",
    "Digital",
    "Nursing and Quality",
)
SITES = ("RX101", "RX102", "RX201", "RX305", "RX410", "RX520")
FUNDERS = (
    "NHS England Innovation Fund",
    "NIHR i4i",
    "Health Foundation",
    "Trust charitable funds",
    "ICB transformation budget",
    "AHSN adoption fund",
)
THEMES = (
    "waiting times",
    "communication",
    "accessibility",
    "parking and travel",
    "digital exclusion",
    "follow-up care",
    "information in other languages",
    "staff attitude",
)


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
