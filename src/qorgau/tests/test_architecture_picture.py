"""docs/architecture.svg and the layer diagram of docs/architecture.md follow the code: the
picture is drawn again from the import contract and the import graph and must equal the
committed file, and every app is in the contract, the picture and the text diagram."""

from __future__ import annotations

import importlib.util
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "architecture_picture.py"
SVG = ROOT / "docs" / "architecture.svg"
DOC = ROOT / "docs" / "architecture.md"
APPS = sorted(path.parent.name for path in (ROOT / "src" / "qorgau").glob("*/apps.py"))
REGENERATE = f"the picture no longer matches the code: run  python {SCRIPT.relative_to(ROOT)}"


@pytest.fixture(scope="module")
def picture() -> ModuleType:
    spec = importlib.util.spec_from_file_location("architecture_picture", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def _layers(picture: ModuleType) -> list[list[str]]:
    return picture.contract_layers(ROOT / "pyproject.toml")


def _text_diagram() -> str:
    """The fenced layer diagram of architecture.md: the block that starts at ``lib``."""
    blocks = re.findall(r"```\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    return next(block for block in blocks if block.lstrip().startswith("lib "))


def test_the_committed_picture_is_the_one_the_code_draws(picture):
    assert SVG.read_text(encoding="utf-8") == picture.render_svg(), REGENERATE


def test_every_app_is_in_a_layer_or_named_on_top(picture):
    layered = {name for layer in _layers(picture) for name in layer}
    placed = layered | set(picture.TOP_MODULES)
    missing = [app for app in APPS if f"qorgau.{app}" not in placed]
    assert not missing, f"apps in neither the layers contract nor TOP_MODULES: {missing}"
    assert "registry" in APPS and "web" in APPS  # the glob found the apps


def test_the_text_diagram_names_every_app_in_the_contracts_order(picture):
    diagram = _text_diagram()
    words = set(re.findall(r"[a-z_]+", diagram))
    assert not [app for app in APPS if app not in words], "an app is missing from the diagram"
    # The layers line: apps joined by "|" within a layer and "→" between layers, lowest first.
    chain = diagram.split("(")[0]
    drawn = [sorted(re.findall(r"[a-z_]+", step)) for step in chain.split("→")]
    contract = [[name.removeprefix("qorgau.") for name in layer] for layer in _layers(picture)]
    assert drawn == contract[::-1], "docs/architecture.md's diagram differs from the contract"


def test_the_picture_is_plain_svg_naming_every_layered_app(picture):
    root = ET.parse(SVG).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = {"".join(node.itertext()) for node in root.iter("{http://www.w3.org/2000/svg}text")}
    for layer in _layers(picture):
        for name in layer:
            assert name.removeprefix("qorgau.") in texts, name
    svg = SVG.read_text(encoding="utf-8")
    assert "href" not in svg and "@import" not in svg and "url(" not in svg  # offline


def test_an_import_of_a_library_module_draws_an_arrow_and_tests_do_not(picture):
    apps = ["qorgau.accounts", "qorgau.budget", "qorgau.linkage", "qorgau.registry", "qorgau.synth"]
    counts = picture.app_imports(apps, True)
    assert counts[("qorgau.registry", "qorgau.accounts")] > 0
    assert counts[("qorgau.synth", "qorgau.linkage")] > 0
    # linkage's tests import synth, budget's synthesis.py does: neither is library code.
    assert ("qorgau.linkage", "qorgau.synth") not in counts
    assert ("qorgau.budget", "qorgau.synth") not in counts
    assert not picture.library_module("qorgau.registry.tests.test_views")
    assert not picture.library_module("qorgau.registry.migrations.0001_initial")
    assert picture.library_module("qorgau.registry.services")
