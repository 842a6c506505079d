"""Draw ``docs/architecture.svg``: the layers of the import contract and the imports between apps.

Run from the repository root after a change of layers or of imports between apps:

    .venv/bin/python scripts/architecture_picture.py

The layers come from the import-linter "layers" contract in ``pyproject.toml``
(``[tool.importlinter]``), the imports from the code itself (``grimp``, the graph builder
import-linter runs on). ``src/qorgau/tests/test_architecture_picture.py`` draws the picture again
and fails while it differs from the committed file, so the picture cannot drift from the code.

One band per layer, the highest on top, one box per app (``qorgau.<app>``), and above them a row
of the modules outside the layers (``TOP_MODULES``). An arrow from A to B means some library
module of A imports one of B (tests, migrations and ``synthesis.py`` parts left out); its width
and its number count those modules of A. The project's small top-level modules (``env``,
``checks``, ``manage``, ``wsgi``, ``formats``) are in no box and draw no arrow. The SVG is plain
text written here, sorted so that the same code gives the same bytes, with no external font,
style sheet or link, so it renders offline.
"""

from __future__ import annotations

import math
import sys
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import grimp  # import-linter's graph builder, installed with it

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "architecture.svg"
PACKAGE = "qorgau"

# Outside the layers: the site's pages and operations sit above every layer, with the URL map
# and the settings. The test requires every app folder to be here or in the contract.
TOP_MODULES = ("qorgau.operations", "qorgau.settings", "qorgau.urls", "qorgau.web")

# Not library code: an import made only by these does not join two apps.
EXCLUDED_PARTS = frozenset({"tests", "migrations", "synthesis", "conftest"})

WIDTH = 960
LEFT = 84  # room for the band labels
RIGHT = 16
TITLE_HEIGHT = 44
BAND_PITCH = 78
BOX_WIDTH = 136
BOX_HEIGHT = 30
PYRAMID_STEP = 120
# Colour-blind-safe hues dark enough to read as thin lines on white (Tableau 10, darkened).
PALETTE = (
    "#3b6a99",
    "#d9731a",
    "#c8393b",
    "#3f8f8a",
    "#46883d",
    "#a8891c",
    "#8f5a86",
    "#c7566a",
    "#7d5a46",
    "#5f6b73",
)
LEGEND = (
    "An arrow A \u2192 B: library modules of A import B's (tests, migrations and synthesis.py left "
    "out); its colour is B's,",
    "its width and the number at its tail count those modules of A. Layers: the layers contract "
    "of [tool.importlinter]",
    "in pyproject.toml, highest on top. Drawn by scripts/architecture_picture.py from the code.",
)
UPWARD = "#d00000"  # an import against the layers: import-linter should already have refused it


@dataclass(frozen=True)
class Box:
    """A drawn module: an app of a layer or a top-level module, placed in its band."""

    name: str
    band: int  # 0 is the top row; higher numbers lie lower
    x: float
    y: float
    width: float
    colour: str  # of the arrows into it

    @property
    def label(self) -> str:
        return self.name.removeprefix(PACKAGE + ".")

    @property
    def centre(self) -> float:
        return self.x + self.width / 2


def contract_layers(pyproject: Path) -> list[list[str]]:
    """The layers of the import-linter "layers" contract, highest first, each a sorted list."""
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["importlinter"]
    contract = next(c for c in config["contracts"] if c["type"] == "layers")
    layers = []
    for layer in contract["layers"]:
        names = layer.replace(":", "|").split("|")
        layers.append(sorted(name.strip() for name in names))
    return layers


def library_module(module: str) -> bool:
    return not EXCLUDED_PARTS.intersection(module.split("."))


def owner(module: str, names: list[str]) -> str | None:
    """The drawn module that ``module`` is or lies inside, if any."""
    for name in names:
        if module == name or module.startswith(name + "."):
            return name
    return None


def app_imports(names: list[str], exclude_type_checking: bool) -> dict[tuple[str, str], int]:
    """For each pair of drawn modules (A, B), how many library modules of A import B's."""
    if str(ROOT / "src") not in sys.path:
        sys.path.insert(0, str(ROOT / "src"))
    graph = grimp.build_graph(
        PACKAGE, exclude_type_checking_imports=exclude_type_checking, cache_dir=None
    )
    importers: dict[tuple[str, str], set[str]] = defaultdict(set)
    for module in sorted(graph.modules):
        source = owner(module, names)
        if source is None or not library_module(module):
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            target = owner(imported, names)
            if target is not None and target != source and library_module(imported):
                importers[(source, target)].add(module)
    return {pair: len(modules) for pair, modules in sorted(importers.items())}


def layout(bands: list[list[str]]) -> dict[str, Box]:
    """Boxes spread evenly across their band, band 0 (the top row) first.

    The one-app layers at the bottom widen downwards, a step a layer, like a stepped pyramid:
    every app above imports them, and the wider boxes leave their arrows room to land beside
    the boxes in between instead of all in one column."""
    boxes: dict[str, Box] = {}
    span = WIDTH - LEFT - RIGHT
    base = len(bands)
    while base > 1 and len(bands[base - 1]) == 1:
        base -= 1  # bands[base:] is the run of one-app layers at the bottom
    for band, names in enumerate(bands):
        width = min(span, BOX_WIDTH + PYRAMID_STEP * max(0, band - base))
        y = TITLE_HEIGHT + band * BAND_PITCH + (BAND_PITCH - BOX_HEIGHT) / 2
        for index, name in enumerate(names):
            centre = LEFT + span * (index + 0.5) / len(names)
            colour = PALETTE[len(boxes) % len(PALETTE)]
            boxes[name] = Box(name, band, centre - width / 2, y, width, colour)
    return boxes


Ports = dict[tuple[str, str], tuple[float, float]]


def _ports(boxes: dict[str, Box], pairs: list[tuple[str, str]]) -> Ports:
    """Where each arrow leaves and enters: spread along the box's side, ordered by the other
    end's position so that arrows into one box do not cross at its edge. Keyed by (this box,
    the other end), each port is its x and its side: 1 for the bottom, -1 for the top."""
    sides: dict[tuple[str, float], list[tuple[float, str]]] = defaultdict(list)
    for source, target in pairs:
        a, b = boxes[source], boxes[target]
        sides[(source, 1.0 if b.band > a.band else -1.0)].append((b.centre, target))
        sides[(target, -1.0 if a.band <= b.band else 1.0)].append((a.centre, source))
    ports = {}
    for (name, side), ends in sides.items():
        for index, (_, other) in enumerate(sorted(ends)):
            ports[(name, other)] = (
                boxes[name].x + boxes[name].width * (index + 1) / (len(ends) + 1),
                side,
            )
    return ports


def _arrow(source: Box, target: Box, count: int, ports: Ports) -> str:
    """One import as a curve with its head, its count by the tail and a tooltip."""
    x0, out_side = ports[(source.name, target.name)]
    x3, in_side = ports[(target.name, source.name)]
    y0 = source.y + (BOX_HEIGHT if out_side > 0 else 0)
    y3 = target.y + (BOX_HEIGHT if in_side > 0 else 0)
    width = 0.8 + 0.9 * math.sqrt(count)
    head = 5 + width
    tip = y3
    y3 += in_side * head  # the line stops where the head begins
    bend = max(28.0, abs(y3 - y0) * 0.45)
    colour = UPWARD if target.band < source.band else target.colour
    path = (
        f"M{x0:.1f},{y0:.1f} C{x0:.1f},{y0 + out_side * bend:.1f} "
        f"{x3:.1f},{y3 + in_side * bend:.1f} {x3:.1f},{y3:.1f}"
    )
    half = head * 0.6
    points = f"{x3 - half:.1f},{y3:.1f} {x3 + half:.1f},{y3:.1f} {x3:.1f},{tip:.1f}"
    label_y = y0 + out_side * 9 + (3 if out_side > 0 else 0)
    title = f"{source.label} \u2192 {target.label}: {count} importing module" + (
        "s" if count != 1 else ""
    )
    return (
        f'<g stroke="{colour}" fill="{colour}"><title>{escape(title)}</title>'
        f'<path d="{path}" fill="none" stroke-width="{width:.1f}" stroke-opacity="0.5"/>'
        f'<polygon points="{points}" stroke="none" fill-opacity="0.8"/>'
        f'<text x="{x0 + 2:.1f}" y="{label_y:.1f}" stroke="none" font-size="9">{count}</text>'
        "</g>"
    )


def _text(x: float, y: float, text: str, **attributes: Any) -> str:
    extra = "".join(
        f" {key.replace('_', '-')}={quoteattr(str(v))}" for key, v in attributes.items()
    )
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(text)}</text>'


def render_svg(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """The whole picture, as the text of an SVG file."""
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["importlinter"]
    layers = contract_layers(pyproject)
    bands = [sorted(TOP_MODULES), *layers]
    boxes = layout(bands)
    counts = app_imports(sorted(boxes), bool(config.get("exclude_type_checking_imports")))
    ports = _ports(boxes, list(counts))
    height = TITLE_HEIGHT + len(bands) * BAND_PITCH + 20 + 17 * len(LEGEND)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" role="img">',
        "<title>The layers of Qorgau and the imports between them</title>",
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        _text(
            LEFT,
            28,
            "Qorgau: the layers of the import contract and the imports between apps",
            font_size="17",
            font_weight="bold",
            fill="#222222",
        ),
    ]
    for band in range(len(bands)):
        top = TITLE_HEIGHT + band * BAND_PITCH
        shade = "#eef1f5" if band % 2 else "#f7f8fa"
        label = "outside" if band == 0 else f"layer {len(bands) - band}"
        parts.append(
            f'<rect x="4" y="{top}" width="{WIDTH - 8}" height="{BAND_PITCH}" fill="{shade}"/>'
        )
        parts.append(_text(12, top + BAND_PITCH / 2 + 4, label, font_size="12", fill="#555555"))
    for (source, target), count in counts.items():
        parts.append(_arrow(boxes[source], boxes[target], count, ports))
    for box in boxes.values():
        dash = ' stroke-dasharray="4 3"' if box.band == 0 else ""
        parts.append(
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" height="{BOX_HEIGHT}" '
            f'rx="5" fill="#ffffff" stroke="#333333" stroke-width="1.2"{dash}/>'
        )
        parts.append(
            _text(
                box.centre,
                box.y + 20,
                box.label,
                font_size="14",
                text_anchor="middle",
                fill="#111111",
            )
        )
    legend_y = TITLE_HEIGHT + len(bands) * BAND_PITCH + 20
    for line, text in enumerate(LEGEND):
        parts.append(_text(12, legend_y + 17 * line, text, font_size="12", fill="#333333"))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main() -> None:
    OUTPUT.write_text(render_svg(), encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
