"""Every writer of a counted record notes its recount: a walk over the code base.

Monitoring recounts the days whose counted records changed (``monitoring/recount.py``). A save
or a delete is noted by the model signals, but ``QuerySet.update()``, ``bulk_create()`` and
``bulk_update()`` send none: a function that writes a counted model that way must note the
change itself (``recount_note``, or the registry's ``records_stored`` signal), or be listed
here with its reason. A new bulk writer that forgets fails here, before an indicator goes
stale without a word.
"""

from __future__ import annotations

import ast
import fnmatch
from collections.abc import Iterator
from pathlib import Path

from qorgau.monitoring import recount

ROOT = Path(__file__).resolve().parents[2]
SILENT_WRITES = frozenset({"update", "bulk_create", "bulk_update"})
NOTES = frozenset({"recount_note", "records_stored"})
MANAGERS = frozenset({"objects", "_default_manager"})

# Modules, then functions (module:function), whose silent writes need no note, and why.
EXEMPT_MODULES: dict[str, str] = {
    "*/synthesis.py": (
        "the generator writes a whole data set, which `indicators compute` then counts in full "
        "(`qorgau synth` and `make demo-data` run it next); its demo hand-overs move rows "
        "between organisations of one district, which no count tells apart"
    ),
}
EXEMPT: dict[str, str] = {
    "registry/importing/persons.py:resolve": (
        "records where an already known person came from (source, record number), which no "
        "measure counts"
    ),
}


def _library_modules(root: Path) -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        parts = relative.split("/")
        if "tests" in parts or "migrations" in parts or parts[-1] == "conftest.py":
            continue
        yield relative, ast.parse(path.read_text(encoding="utf-8"))


def _counted_names() -> set[str]:
    return {model.__name__ for model in recount._COUNTED}


def _queries_model(node: ast.AST, models: set[str], bound: set[str]) -> bool:
    """Whether ``node`` is built on ``<Model>.objects`` of a counted model, or on a name
    bound to one earlier in the function."""
    for inner in ast.walk(node):
        if (
            isinstance(inner, ast.Attribute)
            and inner.attr in MANAGERS
            and isinstance(inner.value, ast.Name)
            and inner.value.id in models
        ):
            return True
        if isinstance(inner, ast.Name) and inner.id in bound:
            return True
    return False


def _notes_change(function: ast.AST) -> bool:
    for inner in ast.walk(function):
        if isinstance(inner, ast.Name) and inner.id in NOTES:
            return True
        if isinstance(inner, ast.Attribute) and inner.attr in NOTES:
            return True
    return False


def silent_writers(root: Path, models: set[str]) -> set[str]:
    """``module:function`` of every silent write of a counted model with no note beside it."""
    found: set[str] = set()
    for module, tree in _library_modules(root):
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            bound: set[str] = set()
            for node in ast.walk(function):
                if isinstance(node, ast.Assign) and _queries_model(node.value, models, bound):
                    bound.update(t.id for t in node.targets if isinstance(t, ast.Name))
            for node in ast.walk(function):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in SILENT_WRITES
                    and _queries_model(node.func.value, models, bound)
                    and not _notes_change(function)
                ):
                    found.add(f"{module}:{function.name}")
    return found


def _exempt(writer: str) -> bool:
    module = writer.split(":")[0]
    return writer in EXEMPT or any(fnmatch.fnmatch(module, p) for p in EXEMPT_MODULES)


def test_every_silent_write_of_a_counted_record_notes_its_recount() -> None:
    assert recount._COUNTED, "the parts have registered their counted records"
    missing = {w for w in silent_writers(ROOT, _counted_names()) if not _exempt(w)}
    assert not missing, f"bulk writes of counted records with no recount note: {sorted(missing)}"


def test_no_exemption_is_stale() -> None:
    assert set(EXEMPT) <= silent_writers(ROOT, _counted_names())


def test_the_walk_finds_a_silent_update(tmp_path: Path) -> None:
    (tmp_path / "writer.py").write_text(
        "def close_all(ids):\n"
        "    waiting = Referral.objects.filter(pk__in=ids)\n"
        "    waiting.update(status='withdrawn')\n"
        "\n"
        "def close_noted(ids):\n"
        "    Referral.objects.filter(pk__in=ids).update(status='withdrawn')\n"
        "    recount_note(days=[], source='x')\n",
        encoding="utf-8",
    )
    assert silent_writers(tmp_path, {"Referral"}) == {"writer.py:close_all"}
