"""How registers misspell names, by the generator's own rules.

Linkage normalises spellings with its tables (``qorgau.linkage.names``). If the generator
spelled only with mirrors of those tables, synthetic linkage quality would measure the linkage
against itself; these schemes and keying slips are the generator's, chosen from how names are
written in practice, not from what the linkage can undo.
"""

from __future__ import annotations

import numpy as np

from qorgau.synth.names import LATIN, to_latin

# Other ways people and clerks write Cyrillic names in Latin letters. Linkage knows only what
# its own normalisation does with them (``linkage/names.py``); these tables are the generator's,
# so that synthetic linkage quality is not measured against a mirror of the linkage's rules.
LATIN_SCHEMES: dict[str, tuple[float, dict[str, str]]] = {
    # BGN/PCGN-like, as English-language documents write Russian names
    "bgn": (0.3, {"й": "y", "ы": "y", "ю": "yu", "я": "ya", "ё": "yo", "э": "e", "и": "i"}),
    # French-style, as older foreign documents did
    "french": (
        0.15,
        {"ш": "ch", "ч": "tch", "ж": "j", "у": "ou", "х": "kh", "й": "ï", "ю": "iou", "я": "ia"},
    ),
    # The 2021 Kazakh Latin alphabet
    "kazakh_2021": (
        0.2,
        {
            "ә": "ä", "ғ": "ğ", "қ": "q", "ң": "ñ", "ө": "ö", "ұ": "ū", "ү": "ü", "і": "ı",
            "ш": "ş", "ч": "ç", "ж": "j", "х": "h", "й": "i", "ы": "y",
        },
    ),
}  # fmt: skip

# Neighbouring keys of the Russian (ЙЦУКЕН) and Latin (QWERTY) layouts, for keying slips.
KEY_ROWS = ("йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю", "qwertyuiop", "asdfghjkl", "zxcvbnm")


def to_latin_variant(text: str, rng: np.random.Generator) -> str:
    """A Latin spelling by one of several schemes: the passport one (half the time) or one of
    :data:`LATIN_SCHEMES`, each over the passport table for the letters it leaves alone."""
    draw = float(rng.random())
    for _name, (share, table) in LATIN_SCHEMES.items():
        if draw < share:
            out = []
            for char in text:
                latin = table.get(char.lower(), LATIN.get(char.lower(), char))
                out.append(latin.capitalize() if char.isupper() else latin)
            return "".join(out)
        draw -= share
    return to_latin(text)


def key_slip(text: str, rng: np.random.Generator) -> str:
    """One letter replaced by a neighbouring key of its keyboard row."""
    positions = [i for i, c in enumerate(text) if any(c.lower() in row for row in KEY_ROWS)]
    if len(text) < 4 or not positions:
        return text
    at = positions[int(rng.integers(0, len(positions)))]
    char = text[at]
    row = next(r for r in KEY_ROWS if char.lower() in r)
    i = row.index(char.lower())
    near = [row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)]
    new = near[int(rng.integers(0, len(near)))]
    return text[:at] + (new.upper() if char.isupper() else new) + text[at + 1 :]
