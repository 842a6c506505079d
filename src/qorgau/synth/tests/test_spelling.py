"""The generator misspells by rules of its own: several Latin schemes and keying slips."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

from qorgau.synth import spelling


def test_latin_spellings_come_from_several_schemes():
    rng = np.random.default_rng(0)
    forms = {spelling.to_latin_variant("Жұмабаева Шолпан", rng) for _ in range(200)}
    assert "Zhumabaeva Sholpan" in forms  # the passport scheme
    assert "Jūmabaeva Şolpan" in forms  # the 2021 Kazakh Latin alphabet
    assert "Jumabaeva Cholpan" in forms  # French-style (ш → ch, ж → j)
    assert all(form.isascii() or any(c in form for c in "ūşäğqñöüıçï") for form in forms)


def test_a_key_slip_replaces_one_letter_by_a_neighbour():
    rng = np.random.default_rng(1)
    for _ in range(100):
        slipped = spelling.key_slip("Галина", rng)
        differ = [(a, b) for a, b in zip("Галина", slipped, strict=True) if a != b]
        assert len(differ) == 1
        ((was, now),) = differ
        row = next(r for r in spelling.KEY_ROWS if was.lower() in r)
        assert abs(row.index(was.lower()) - row.index(now.lower())) == 1


def test_the_spelling_rules_are_not_linkages():
    """Nothing in the generator's spelling comes from the linkage it is used to evaluate."""
    tree = ast.parse(Path(spelling.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not any(name.startswith("qorgau.linkage") for name in imported)
