"""The access layer really is one: a walk over the code base and over the models.

Every query of a personal-data model in library code either hands its queryset to the access
layer or is listed, with its reason, in :mod:`access_exemptions`; every model that belongs to a
personal-data model is itself registered (placed where its parent is) or listed as not
personal. A new query or model outside both fails here, before it can leak a row.
"""

from __future__ import annotations

import ast
import fnmatch
from collections.abc import Iterator
from pathlib import Path

from django.apps import apps
from django.db import models

from qorgau.accounts.access import registered_models
from qorgau.accounts.tests import access_exemptions as exempt

ROOT = Path(__file__).resolve().parents[2]
ACCESS_CALLS = frozenset({"restrict", "get_for_user", "placed_in"})
MANAGERS = frozenset({"objects", "_default_manager"})
# Staff accounts are managed on the user-administration pages (MANAGE_USERS), not read as
# the victims' and offenders' records are; they are registered for scoping, not walked.
NOT_WALKED = frozenset({"User"})


def _library_modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        parts = relative.split("/")
        if "tests" in parts or "migrations" in parts or parts[-1] == "conftest.py":
            continue
        yield relative, ast.parse(path.read_text(encoding="utf-8"))


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _handed_to_access_layer(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Whether ``node`` lies inside the first argument of an access-layer call."""
    while node in parents:
        parent = parents[node]
        if isinstance(parent, ast.Call) and parent.args and parent.args[0] is node:
            callee = parent.func
            name = callee.id if isinstance(callee, ast.Name) else getattr(callee, "attr", "")
            if name in ACCESS_CALLS:
                return True
        node = parent
    return False


def _function_of(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> str:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return node.name
    return "<module>"


def personal_queries(names: set[str]) -> set[str]:
    """``module:function:Model`` for every query of a personal-data model outside the layer."""
    found: set[str] = set()
    for module, tree in _library_modules():
        parents = _parents(tree)
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Attribute)
                and node.attr in MANAGERS
                and isinstance(node.value, ast.Name)
                and node.value.id in names
            ):
                continue
            if not _handed_to_access_layer(node, parents):
                found.add(f"{module}:{_function_of(node, parents)}:{node.value.id}")
    return found


def _personal_model_names() -> set[str]:
    return {model.__name__ for model in registered_models()} - NOT_WALKED


def _exempt(query: str) -> bool:
    module, function, _model = query.split(":")
    if any(fnmatch.fnmatch(module, pattern) for pattern in exempt.MODULES):
        return True
    return f"{module}:{function}" in exempt.FUNCTIONS


def test_every_personal_data_query_goes_through_the_access_layer_or_is_exempt_with_a_reason():
    outside = sorted(q for q in personal_queries(_personal_model_names()) if not _exempt(q))
    assert not outside, "personal-data queries outside the access layer:\n" + "\n".join(outside)


def test_no_exemption_is_stale():
    found = personal_queries(_personal_model_names())
    used_functions = {":".join(q.split(":")[:2]) for q in found}
    stale = sorted(set(exempt.FUNCTIONS) - used_functions)
    assert not stale, f"exemptions no query needs any more: {stale}"
    modules = {q.split(":")[0] for q in found}
    unused = [p for p in exempt.MODULES if not any(fnmatch.fnmatch(m, p) for m in modules)]
    assert not unused, f"module exemptions no query needs any more: {unused}"


def test_the_walk_finds_a_query_that_bypasses_the_layer(tmp_path):
    """The walk itself can fail: a view reading persons directly is reported."""
    tree = ast.parse(
        "def leaky(request):\n"
        "    return Person.objects.filter(home_district=request.user.territory)\n"
        "def fine(request):\n"
        "    return restrict(Person.objects.select_related('home_district'), request.user)\n"
    )
    parents = _parents(tree)
    hits = [
        _function_of(node, parents)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "objects"
        and not _handed_to_access_layer(node, parents)
    ]
    assert hits == ["leaky"]


def _children_of_personal_data() -> dict[str, type[models.Model]]:
    registered = set(registered_models())
    children: dict[str, type[models.Model]] = {}
    for model in apps.get_models():
        if model in registered:
            continue
        for field in model._meta.get_fields():
            related = getattr(field, "related_model", None)
            if getattr(field, "concrete", False) and related in registered:
                children[model._meta.label] = model
    return children


def test_every_model_that_belongs_to_personal_data_is_registered_or_listed_as_not_personal():
    unplaced = sorted(set(_children_of_personal_data()) - set(exempt.NOT_PERSONAL))
    assert not unplaced, f"register these with personal_data_of() or list them: {unplaced}"
    stale = sorted(set(exempt.NOT_PERSONAL) - set(_children_of_personal_data()))
    assert not stale, f"listed as not personal but no longer a child: {stale}"
