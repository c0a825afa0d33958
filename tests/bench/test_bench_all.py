"""`make bench` (bench.all): each benchmark's section of RESULTS.md is added after the sections
before it, replaced on the next run, and the rest of the file is kept."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from bench.all import STEPS, Options, ensure_dataset, write_section

pytestmark = pytest.mark.backend_independent  # the PostgreSQL run leaves it out

RESULTS = """# Benchmark results

<!-- make bench: begin -->
run's table
<!-- make bench: end -->

## Notes kept by hand
"""


def test_sections_follow_the_run_section_in_order_and_are_replaced(tmp_path: Path) -> None:
    path = tmp_path / "RESULTS.md"
    path.write_text(RESULTS)
    write_section("lists", "lists, first run", path)
    write_section("stall", "stall, first run", path)
    write_section("lists", "lists, second run", path)
    text = path.read_text()
    assert "lists, first run" not in text
    assert text.count("<!-- make bench: bench.lists begin -->") == 1
    positions = [
        text.index(marker)
        for marker in ("<!-- make bench: end -->", "lists, second run", "stall, first run")
    ]
    assert positions == sorted(positions)
    assert text.index("stall, first run") < text.index("## Notes kept by hand")
    assert text.startswith("# Benchmark results\n")


def test_a_file_without_sections_gets_one_at_its_end(tmp_path: Path) -> None:
    path = tmp_path / "RESULTS.md"
    write_section("feed", "feed figures", path)
    assert path.read_text().startswith("# Benchmark results\n")
    assert path.read_text().rstrip().endswith("<!-- make bench: bench.feed end -->")


def test_every_step_is_a_benchmark_module_with_a_time_limit() -> None:
    names = [step.name for step in STEPS]
    assert names[0] == "run" and len(set(names)) == len(names)
    for step in STEPS:
        # exports is run only where its module exists (another issue's benchmark).
        assert step.name == "exports" or importlib.util.find_spec(f"bench.{step.name}")
        assert 0 < step.timeout <= 300
    assert sum(step.timeout for step in STEPS) <= 16 * 60


def test_the_dataset_is_generated_only_when_missing_or_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generated: list[list[str]] = []

    def fake_generate(command: list[str], **_: Any) -> None:
        generated.append(command)
        for service in ("projects", "assessment", "stakeholders"):
            (tmp_path / f"{service}.db").write_bytes(b"")

    monkeypatch.setattr("bench.all.subprocess.run", fake_generate)
    options = Options(data=tmp_path, backends=("sqlite",), quick=True)
    ensure_dataset(options, 200, regenerate=False)
    ensure_dataset(options, 200, regenerate=False)
    assert len(generated) == 1 and "200" in generated[0]
    ensure_dataset(options, 300, regenerate=False)  # another size than it generated
    assert len(generated) == 2
    (tmp_path / ".incomplete-sqlite").touch()  # a generation that was interrupted
    ensure_dataset(options, 300, regenerate=False)
    assert len(generated) == 3 and not (tmp_path / ".incomplete-sqlite").exists()
