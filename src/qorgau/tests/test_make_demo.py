"""``make demo`` keeps its promises: honest timing, visible installation, no repeated work."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
MAKEFILE = ROOT / "Makefile"
README = ROOT / "README.md"

pytestmark = pytest.mark.skipif(not MAKEFILE.is_file(), reason="needs the source checkout")


def _recipe(target: str) -> str:
    """The recipe lines of ``target`` in the Makefile."""
    text = MAKEFILE.read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n)+)", text, re.MULTILINE)
    assert match, f"no target {target}"
    return match.group(1)


def test_the_installation_says_it_takes_minutes_and_shows_pip_progress() -> None:
    """Seven silent minutes of ``pip install --quiet`` looked like a hang."""
    recipe = _recipe("$(STAMP)")
    lines = recipe.splitlines()
    install = next(i for i, line in enumerate(lines) if "pip install" in line and "-r" in line)
    assert "--quiet" not in lines[install]
    assert any("echo" in line and "minutes" in line for line in lines[:install])


def test_a_second_demo_skips_the_data_already_generated() -> None:
    demo = _recipe("demo")
    assert "DEMO_STAMP" in demo and "synth" not in demo
    data = _recipe("demo-data")
    assert "synth --clear" in data and data.rstrip().endswith("> $(DEMO_STAMP)")


def test_the_readme_does_not_promise_two_minutes() -> None:
    text = README.read_text(encoding="utf-8")
    assert "about two minutes" not in text
    assert "make demo-reset" in text and "several minutes" in text
