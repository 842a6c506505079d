"""Kazakh and Russian names, their sex-specific forms and the spellings registers give them.

Names are stored in their Kazakh (or Russian) Cyrillic form. Registers write them
differently: the police mostly in Russian Cyrillic without the Kazakh letters, the 111 line
sometimes in Latin letters or with a short form of the first name, and every register makes
the odd typo. These variants are what record linkage has to see through.

The names themselves are data, kept in ``data/names.json`` (in the order the sampling draws
from, so a seed gives the same people): a list of names is edited there, not in code.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

_DATA = json.loads((Path(__file__).parent / "data" / "names.json").read_text(encoding="utf-8"))

KAZAKH_SURNAMES: list[str] = _DATA["kazakh_surnames"]
RUSSIAN_SURNAMES: list[str] = _DATA["russian_surnames"]
KAZAKH_MALE: list[str] = _DATA["kazakh_male"]
KAZAKH_FEMALE: list[str] = _DATA["kazakh_female"]
RUSSIAN_MALE: list[str] = _DATA["russian_male"]
RUSSIAN_FEMALE: list[str] = _DATA["russian_female"]
# Short forms a caller gives on the phone (111 line).
SHORT_FORMS: dict[str, str] = _DATA["short_forms"]

KAZAKH_TO_RUSSIAN = str.maketrans("әғқңөұүһіӘҒҚҢӨҰҮҺІ", "агкноуухиАГКНОУУХИ")

LATIN = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e", "ё": "e",
    "ж": "zh", "з": "z", "и": "i", "й": "i", "і": "i", "к": "k", "қ": "k", "л": "l", "м": "m",
    "н": "n", "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ұ": "u", "ү": "u", "ф": "f", "х": "kh", "һ": "h", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "iu", "я": "ia",
}  # fmt: skip


def female_surname(surname: str) -> str:
    """The feminine form of a surname (-ов → -ова, -ин → -ина, -ский → -ская)."""
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    if surname.endswith("ский"):
        return surname[:-2] + "ая"
    return surname


def patronymic(father: str, sex: str, *, kazakh_style: bool) -> str:
    """A patronymic from the father's first name: Нұрланұлы / Нұрланқызы or -ович / -овна."""
    if kazakh_style:
        return father + ("қызы" if sex == "F" else "ұлы")
    father = father.translate(KAZAKH_TO_RUSSIAN)
    if father in ("Илья", "Никита", "Данила"):
        return father[:-1] + ("инична" if sex == "F" else "ич")
    if father.endswith("й"):
        stem, masculine, feminine = father[:-1], "евич", "евна"
    elif father[-1] in "аеиоуыэюя":
        stem, masculine, feminine = father, "евич", "евна"
    else:
        stem, masculine, feminine = father, "ович", "овна"
    return stem + (feminine if sex == "F" else masculine)


def to_russian(text: str) -> str:
    """Kazakh letters written as their nearest Russian ones (Нұрлан → Нурлан)."""
    return text.translate(KAZAKH_TO_RUSSIAN)


def to_latin(text: str) -> str:
    """A passport-style Latin transliteration (Жұмабаева → Zhumabaeva)."""
    out = []
    for char in text:
        latin = LATIN.get(char.lower(), char)
        out.append(latin.capitalize() if char.isupper() else latin)
    return "".join(out)


def typo(text: str, rng: np.random.Generator) -> str:
    """One keying error: a dropped, doubled or swapped letter."""
    if len(text) < 4:
        return text
    at = int(rng.integers(1, len(text) - 1))
    kind = int(rng.integers(0, 3))
    if kind == 0:
        return text[:at] + text[at + 1 :]
    if kind == 1:
        return text[:at] + text[at] + text[at:]
    return text[: at - 1] + text[at] + text[at - 1] + text[at + 1 :]
