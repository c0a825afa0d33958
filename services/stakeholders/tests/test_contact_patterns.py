"""The contact patterns mean the same to every regex engine that reads the published schema.

pydantic-core checks patterns with Rust's regex, Schemathesis and hypothesis generate with
Python's, and a browser validates with ECMAScript's; their `\\s` differ (U+0085 is whitespace to
Rust, not to hypothesis' generator), and stripping could shorten a matching phone number below
its minimum. Both found by the Schemathesis gate.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings, strategies as st
from pydantic import TypeAdapter

from stakeholders_service.stakeholders.schemas import EMAIL_PATTERN, PHONE_PATTERN, Email, Phone

EMAIL = TypeAdapter(Email)
PHONE = TypeAdapter(Phone)


def _accepted(adapter: TypeAdapter[str], value: str) -> bool:
    try:
        adapter.validate_python(value)
    except ValueError:
        return False
    return True


def test_every_character_is_judged_alike_by_python_and_pydantic() -> None:
    disagreements = [
        hex(code)
        for code in [*range(0x3100), 0xFEFF]
        if (value := f"a{chr(code)}b@example.org") is not None
        and bool(re.fullmatch(EMAIL_PATTERN, value)) != _accepted(EMAIL, value)
    ]
    assert disagreements == []


def test_no_whitespace_of_any_engine_is_part_of_an_address() -> None:
    for space in ("\x85", "\xa0", "\x1c", "\u2028", "\u3000", "\ufeff", "\t"):
        assert not _accepted(EMAIL, f"a@exa{space}mple.org"), repr(space)


@settings(max_examples=300, suppress_health_check=list(HealthCheck), database=None)
@given(st.from_regex(EMAIL_PATTERN, fullmatch=True).filter(lambda value: len(value) <= 254))
def test_an_address_matching_the_published_pattern_is_accepted(value: str) -> None:
    assert _accepted(EMAIL, value)


@settings(max_examples=300, suppress_health_check=list(HealthCheck), database=None)
@given(st.from_regex(PHONE_PATTERN, fullmatch=True))
def test_a_phone_number_matching_the_published_pattern_is_accepted(value: str) -> None:
    assert _accepted(PHONE, value)


def test_a_phone_number_is_still_stripped() -> None:
    assert PHONE.validate_python("  +44 (0)20 7946 0000 ") == "+44 (0)20 7946 0000"
