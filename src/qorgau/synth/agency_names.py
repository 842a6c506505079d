"""The synthetic country's agencies and coordinating bodies, named in the three languages.

Their names were written in English ("Crisis centre, Abai Region") and so showed in English
whatever language the reader chose. An organisation or a body keeps one name as entered
(``name``, the key its region's synthetic rows are found by) and its names in kk, ru and en
beside it, as an administrator would enter them on the setup page.
"""

from __future__ import annotations

from typing import Protocol

# the English label (the name as entered) → the Kazakh and the Russian label
LABELS: dict[str, tuple[str, str]] = {
    "Police department": ("Полиция департаменті", "Департамент полиции"),
    "Health department": ("Денсаулық сақтау басқармасы", "Управление здравоохранения"),
    "Education department": ("Білім басқармасы", "Управление образования"),
    "Social protection department": (
        "Әлеуметтік қорғау басқармасы",
        "Управление социальной защиты",
    ),
    "Justice department": ("Әділет департаменті", "Департамент юстиции"),
    "Prosecutor's office": ("Прокуратура", "Прокуратура"),
    "Legal aid centre": ("Заң көмегі орталығы", "Центр юридической помощи"),
    "Women's support NGO": ("Әйелдерді қолдау үкіметтік емес ұйымы", "НПО поддержки женщин"),
    "Crisis centre": ("Дағдарыс орталығы", "Кризисный центр"),
    "Family support centre": ("Отбасын қолдау орталығы", "Центр поддержки семьи"),
    "Coordinating body for family, children and youth affairs": (
        "Отбасы, балалар және жастар істері жөніндегі үйлестіру кеңесі",
        "Координационный совет по делам семьи, детей и молодёжи",
    ),
}
# the programme providers, named in Russian as entered → (kk, en)
PROVIDERS: dict[str, tuple[str, str]] = {
    "Центр психологической коррекции": (
        "Психологиялық түзету орталығы",
        "Psychological correction centre",
    ),
    "ОФ «Жаңа жол»": ("«Жаңа жол» қоғамдық қоры", "Public foundation «Zhana Zhol»"),
}


class Named(Protocol):
    """A territory: its name in each language."""

    name_kk: str
    name_ru: str
    name_en: str


def regional_names(label: str, region: Named) -> dict[str, str]:
    """``name_kk/name_ru/name_en`` of the agency ``label`` (English, from ``LABELS``) of
    ``region``: "<label>, <region>" in each language."""
    kk, ru = LABELS[label]
    return {
        "name_kk": f"{kk}, {region.name_kk}",
        "name_ru": f"{ru}, {region.name_ru}",
        "name_en": f"{label}, {region.name_en}",
    }


def provider_names(label: str, region: Named) -> dict[str, str]:
    """``name_kk/name_ru/name_en`` of the provider ``label`` (Russian, from ``PROVIDERS``),
    written "<label> — <region>" as its Russian name is."""
    kk, en = PROVIDERS[label]
    return {
        "name_kk": f"{kk} — {region.name_kk}",
        "name_ru": f"{label} — {region.name_ru}",
        "name_en": f"{en} — {region.name_en}",
    }
