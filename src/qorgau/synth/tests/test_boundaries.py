"""The synthetic generator sits behind a wall: nothing that serves real data imports it."""

from __future__ import annotations

import ast
from pathlib import Path

import qorgau
from qorgau.linkage import evaluation
from qorgau.synth import parts, services

PACKAGE = Path(qorgau.__file__).parent
ALLOWED = ("synthesis.py",)  # an app's generator, found by the synth part itself


def _imports(path: Path) -> list[str]:
    """Every module ``path`` imports, absolute or relative (resolved within ``qorgau``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found += [base] + [f"{base}.{alias.name}" for alias in node.names]
    return found


def _guarded(path: Path) -> bool:
    relative = path.relative_to(PACKAGE)
    return not (
        relative.parts[0] == "synth"
        or "tests" in relative.parts
        or relative.name in ALLOWED
        or relative.name == "conftest.py"
    )


def test_no_module_outside_synth_imports_it() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): name
        for path in sorted(PACKAGE.rglob("*.py"))
        if _guarded(path)
        for name in _imports(path)
        if name == "qorgau.synth" or name.startswith("qorgau.synth.")
    }
    assert not offenders, offenders


def test_the_scan_reads_imports_and_spares_the_generators() -> None:
    module = PACKAGE / "linkage" / "engine.py"
    assert "qorgau.linkage.evaluation" in _imports(module)
    assert _guarded(module) and not _guarded(PACKAGE / "budget" / "synthesis.py")
    assert not _guarded(PACKAGE / "synth" / "writer.py")


def test_synth_plugs_itself_in() -> None:
    """The parts of every app with a ``synthesis`` module, and linkage's truth lookup."""
    assert list(parts.PARTS) == [
        "registry", "monitoring", "programs", "coordination", "budget", "citizens", "reviews",
    ]  # fmt: skip
    assert [services.linkage_truth] == evaluation._LOOKUP
