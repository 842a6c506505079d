"""Name keys for record linkage: the same name in any of the spellings registers use gives the
same (or a close) Latin key.

Registers write one person as Нұрланқызы in Kazakh Cyrillic, Нурлановна in Russian Cyrillic,
Nurlanovna on a passport, Nūrlanqyzy in the 2021 Kazakh Latin alphabet. No PyPI transliterator
knows the Kazakh letters (``methods.md`` §4.4), so the table is ours. The key is deliberately
lossy — it folds the distinctions registers do not keep (Kazakh letters to their Russian
neighbours, ё/е, й/и/ы, soft and hard signs, doubled letters, kh/h, zh/j, ya/ia, ye/e) — and
is then compared with Jaro–Winkler, which absorbs the remaining typos.

The key is built in two steps that every input shares:

1. Cyrillic letters are written in a passport (ICAO-like) Latin, letter by letter; Latin
   letters of the 2021 Kazakh alphabet lose their diacritics the way the passport writes them
   (ş → sh, ç → ch, ğ → g, q → k, ä → a …).
2. The resulting Latin string is folded: digraph variants to one form, y → i, doubled letters
   to one.

Limits: a Latin digraph is ambiguous with a pair of Cyrillic letters that happen to spell it
(к+х and х both give "kh"); such pairs are rare in Kazakh and Russian names and the key
accepts the collision. The key is for comparison only — never shown, never stored outside the
linkage run's working tables.
"""

from __future__ import annotations

import re
import unicodedata

# Step 1a: Cyrillic (Russian and Kazakh letters) → passport-style Latin.
CYRILLIC_TO_LATIN: dict[str, str] = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e",
    "ё": "e", "ж": "zh", "з": "z", "и": "i", "й": "i", "і": "i", "к": "k", "қ": "k",
    "л": "l", "м": "m", "н": "n", "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ұ": "u", "ү": "u", "ф": "f", "х": "kh", "һ": "h",
    "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e",
    "ю": "iu", "я": "ia",
}  # fmt: skip

# The 2021 Kazakh Latin alphabet (decree of 28 January 2021), for writing test spellings and
# for reading them back; Russian-only letters as that alphabet's users write them.
KAZAKH_LATIN_2021: dict[str, str] = {
    "а": "a", "ә": "ä", "б": "b", "в": "v", "г": "g", "ғ": "ğ", "д": "d", "е": "e",
    "ё": "e", "ж": "j", "з": "z", "и": "i", "й": "i", "і": "ı", "к": "k", "қ": "q",
    "л": "l", "м": "m", "н": "n", "ң": "ñ", "о": "o", "ө": "ö", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ұ": "ū", "ү": "ü", "ф": "f", "х": "h", "һ": "h",
    "ц": "ts", "ч": "ç", "ш": "ş", "щ": "şç", "ъ": "", "ы": "y", "ь": "", "э": "e",
    "ю": "iu", "я": "ia",
}  # fmt: skip

# Step 1b: Latin letters with diacritics (2021 Kazakh alphabet, its 2017/2018 drafts, Turkish
# keyboards) → plain Latin as a passport writes the same sound.
LATIN_DIACRITICS: dict[str, str] = {
    "ä": "a", "á": "a", "ğ": "g", "ǵ": "g", "ı": "i", "í": "i", "ñ": "n", "ń": "n",
    "ö": "o", "ó": "o", "ū": "u", "ü": "u", "ú": "u", "ý": "i", "ş": "sh", "ś": "sh",
    "ç": "ch", "ć": "ch", "ž": "zh", "š": "sh", "č": "ch", "é": "e", "è": "e", "ë": "e",
    "q": "k", "w": "u", "x": "ks",
}  # fmt: skip

# Step 2: variants of one sound in Latin spellings, folded in this order.
_FOLDS: tuple[tuple[str, str], ...] = (
    ("shch", "sh"),
    ("sch", "sh"),
    ("tch", "ch"),
    ("dzh", "j"),
    ("dj", "j"),
    ("zh", "j"),
    ("kh", "h"),
    ("gh", "g"),
    ("ts", "c"),
    ("tz", "c"),
    ("yo", "e"),
    ("ye", "e"),
    ("ya", "ia"),
    ("yu", "iu"),
    ("y", "i"),
    ("ie", "e"),
)
_NOT_LETTER = re.compile(r"[^a-z]")
_DOUBLED = re.compile(r"(.)\1+")

# Surname endings (key form): the feminine form folds to the masculine one.
_SURNAME_FEMININE: tuple[tuple[str, str], ...] = (
    ("skaia", "ski"),
    ("ckaia", "cki"),
    ("ova", "ov"),
    ("eva", "ev"),
    ("ina", "in"),
)
# Patronymic suffixes (key form), longest first: what remains is the father's name.
_PATRONYMIC_SUFFIXES: tuple[str, ...] = (
    "ovich", "evich", "ovna", "evna", "inichna", "ichna", "ich",
    "ulu", "uli", "ul", "kizi", "kiz", "gizi",
)  # fmt: skip

# Short (diminutive) first names a caller gives on the phone → the full name's key. Looked up
# on the Latin spelling *before* doubled letters fold, so that a short form does not swallow a
# full name of its own that differs only by a doubled letter: Галя ("galia") is Галина, but
# Ғалия ("galiia") is a name in its own right; Жаня ("jania") is Жанна, Жания ("janiia") is not.
# Ambiguous short forms (Гуля: Гүлнар or Гүлмира) and short forms that are names of their own
# (Мади) are left alone: Jaro–Winkler decides.
DIMINUTIVES: dict[str, str] = {
    "sasha": "aleksandr", "shura": "aleksandr", "sereja": "sergei",
    "dima": "dmitri", "vova": "vladimir", "volodia": "vladimir", "kolia": "nikolai",
    "jenia": "evgeni", "misha": "mihail", "lena": "elena", "natasha": "natalia",
    "tania": "tatiana", "katia": "ekaterina", "nastia": "anastasia", "sveta": "svetlana",
    "masha": "maria", "olia": "olga", "liuda": "liudmila", "galia": "galina",
    "aigera": "aigerim", "jania": "jana", "salta": "saltanat",
    "tolia": "anatoli", "petia": "petr", "vania": "ivan", "kostia": "konstantin",
    "lesha": "aleksei", "alesha": "aleksei", "pasha": "pavel", "jora": "georgi",
    "ira": "irina", "ania": "ana", "nadia": "nadejda", "vika": "viktoria", "liuba": "liubov",
    "lida": "lidia", "zina": "zinaida", "raia": "raisa", "tonia": "antonina",
    "ksiusha": "ksenia", "sonia": "sofia", "lera": "valeria", "dasha": "daria",
    "polia": "polina", "iura": "iuri", "vitia": "viktor", "gena": "genadi", "lenia": "leonid",
    "stepa": "stepan", "boria": "boris",
}  # fmt: skip


def to_passport_latin(text: str) -> str:
    """A passport-style Latin spelling of Cyrillic text (Жұмабаева → Zhumabaeva)."""
    return _transliterate(text, CYRILLIC_TO_LATIN)


def to_kazakh_latin(text: str) -> str:
    """The 2021 Kazakh Latin spelling of Cyrillic text (Жұмабаева → Jūmabaeva)."""
    return _transliterate(text, KAZAKH_LATIN_2021)


def _transliterate(text: str, table: dict[str, str]) -> str:
    out = []
    for char in text:
        latin = table.get(char.lower(), char)
        out.append(latin[:1].upper() + latin[1:] if char.isupper() else latin)
    return "".join(out)


def name_key(text: str | None) -> str:
    """The comparison key of any name in any of the spellings above ("" for nothing)."""
    key = _latin_key(text)
    while True:  # until stable, so that a key is its own key ("iie" → "ie" → "e")
        folded = _fold(_DOUBLED.sub(r"\1", key))
        if folded == key:
            return key
        key = folded


def _latin_key(text: str | None) -> str:
    """The key before doubled letters are folded (patronymic suffixes need the boundary)."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text).casefold()
    latin = []
    for char in folded:
        if char in CYRILLIC_TO_LATIN:
            latin.append(CYRILLIC_TO_LATIN[char])
        elif char in LATIN_DIACRITICS:
            latin.append(LATIN_DIACRITICS[char])
        else:
            # Decomposed accents and anything else: keep the base letter, drop the rest.
            base = unicodedata.normalize("NFKD", char)[:1]
            latin.append(base)
    return _fold(_NOT_LETTER.sub("", "".join(latin)))


def _fold(key: str) -> str:
    while True:
        before = key
        for variant, common in _FOLDS:
            key = key.replace(variant, common)
        if key == before:
            return key


def surname_key(text: str | None) -> str:
    """A surname's key with the feminine ending folded (Ахметова, Akhmetova → ahmetov)."""
    key = name_key(text)
    for feminine, masculine in _SURNAME_FEMININE:
        if key.endswith(feminine) and len(key) > len(feminine) + 1:
            return key[: -len(feminine)] + masculine
    return key


def patronymic_key(text: str | None) -> str:
    """The father's name in a patronymic, whichever form it takes.

    Нурланович, Нурлановна, Нұрланұлы, Нұрланқызы, Nurlanovich, Nūrlanqyzy → nurlan; a father's
    name ending in -й loses it (Сергеевич, Сергейұлы → serg), so both forms meet.
    """
    key = _latin_key(text)
    for suffix in _PATRONYMIC_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            key = key[: -len(suffix)]
            break
    # A father's name ending in -й: Сергеевич → "serg" (the doubled e folded before the suffix
    # went) and Сергейұлы → "sergei" → "serg".
    if key.endswith("i") and len(key) > 3:
        key = key[:-1]
    if key.endswith("e") and len(key) > 3:
        key = key[:-1]
    return name_key(key)


def first_name_key(text: str | None) -> str:
    """A first name's key, short forms (Саша, Sasha) read as the full name (aleksandr).

    The short form is recognised before doubled letters fold (see :data:`DIMINUTIVES`): after
    folding, Ғалия and Галя are both "galia", and only one of them is Галина.
    """
    full = DIMINUTIVES.get(_latin_key(text))
    return full if full is not None else name_key(text)
