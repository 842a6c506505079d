"""The people of the independent test country: territory, names, IINs, and how each register
writes a person down (its habits and errors).

Part of :mod:`qorgau.linkage.tests.independent_country`, and like it written independently of
Qorgau: nothing here imports ``qorgau``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

# --- territory ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Region:
    """A region, its districts (KATO codes valid since before 2020 and today; the first is the
    regional centre, a city administration) and the share of Kazakh names among its people."""

    code: str
    districts: tuple[str, ...]
    kazakh_share: float
    victims: int  # the true number of victims in the year, seen or not


REGIONS: tuple[Region, ...] = (
    # Akmola Region: Kokshetau, Akkol, Zerendi, Burabay districts
    Region("110000000", ("111000000", "113200000", "115600000", "117000000"), 0.55, 650),
    # Aktobe Region: Aktobe, Alga, Martok, Khromtau districts
    Region("150000000", ("151000000", "153200000", "154600000", "156000000"), 0.85, 550),
    # Pavlodar Region: Pavlodar, Ekibastuz (city administrations), Pavlodar, Ertis districts
    Region("550000000", ("551000000", "552200000", "556000000", "554600000"), 0.5, 450),
)
CITIES = frozenset({"111000000", "151000000", "551000000", "552200000"})

# --- names (our own lists; Kazakh in Kazakh orthography) -----------------------------------------

# (masculine, feminine) surname forms.
KAZAKH_SURNAMES: tuple[tuple[str, str], ...] = (
    ("Ахметов", "Ахметова"), ("Жұмабаев", "Жұмабаева"), ("Сейітов", "Сейітова"),
    ("Оспанов", "Оспанова"), ("Қасымов", "Қасымова"), ("Әбенов", "Әбенова"),
    ("Бекенов", "Бекенова"), ("Серікбаев", "Серікбаева"), ("Тоқтаров", "Тоқтарова"),
    ("Исабеков", "Исабекова"), ("Сәрсенбаев", "Сәрсенбаева"), ("Омаров", "Омарова"),
    ("Ермеков", "Ермекова"), ("Байжанов", "Байжанова"), ("Құрманов", "Құрманова"),
    ("Есенов", "Есенова"), ("Смағұлов", "Смағұлова"), ("Рахимов", "Рахимова"),
    ("Мұратов", "Мұратова"), ("Төлеуов", "Төлеуова"), ("Дәулетов", "Дәулетова"),
    ("Ғабдуллин", "Ғабдуллина"), ("Нұрғалиев", "Нұрғалиева"), ("Шәріпов", "Шәріпова"),
    ("Сұлтанов", "Сұлтанова"), ("Жексенбаев", "Жексенбаева"), ("Кәрімов", "Кәрімова"),
    ("Бейсенов", "Бейсенова"), ("Тұрсынов", "Тұрсынова"), ("Жанұзақов", "Жанұзақова"),
    ("Мұқанұлы", "Мұқанқызы"), ("Тоқтарұлы", "Тоқтарқызы"), ("Сейтқали", "Сейтқали"),
    ("Әлімжанов", "Әлімжанова"), ("Қалиев", "Қалиева"), ("Иманғалиев", "Иманғалиева"),
)  # fmt: skip
RUSSIAN_SURNAMES: tuple[tuple[str, str], ...] = (
    ("Иванов", "Иванова"), ("Петров", "Петрова"), ("Смирнов", "Смирнова"),
    ("Кузнецов", "Кузнецова"), ("Попов", "Попова"), ("Васильев", "Васильева"),
    ("Соколов", "Соколова"), ("Михайлов", "Михайлова"), ("Новиков", "Новикова"),
    ("Фёдоров", "Фёдорова"), ("Морозов", "Морозова"), ("Волков", "Волкова"),
    ("Лебедев", "Лебедева"), ("Семёнов", "Семёнова"), ("Егоров", "Егорова"),
    ("Козлов", "Козлова"), ("Степанов", "Степанова"), ("Николаев", "Николаева"),
    ("Шевченко", "Шевченко"), ("Бондаренко", "Бондаренко"), ("Ковальчук", "Ковальчук"),
    ("Григорьев", "Григорьева"), ("Захаров", "Захарова"), ("Ковалёв", "Ковалёва"),
    ("Ильин", "Ильина"), ("Кузьмин", "Кузьмина"), ("Сорокин", "Сорокина"),
    ("Высоцкий", "Высоцкая"), ("Каминский", "Каминская"), ("Шмидт", "Шмидт"),
    ("Яковлев", "Яковлева"), ("Жуков", "Жукова"), ("Поляков", "Полякова"),
)  # fmt: skip
KAZAKH_FEMALE: tuple[str, ...] = (
    "Айгерім", "Гүлнар", "Динара", "Жанар", "Әсел", "Айгүл", "Гүлмира", "Мәдина", "Сәуле",
    "Ақерке", "Нұргүл", "Жансая", "Айнұр", "Баян", "Салтанат", "Гүлжан", "Алия", "Ләззат",
    "Меруерт", "Жұлдыз", "Айжан", "Роза", "Самал", "Назерке", "Ботагөз", "Арайлым", "Камила",
    "Аружан", "Гаухар", "Дана",
)  # fmt: skip
RUSSIAN_FEMALE: tuple[str, ...] = (
    "Елена", "Наталья", "Ольга", "Татьяна", "Светлана", "Ирина", "Анна", "Екатерина", "Мария",
    "Юлия", "Людмила", "Галина", "Оксана", "Виктория", "Анастасия", "Валентина", "Надежда",
    "Марина", "Любовь", "Яна",
)  # fmt: skip
# Men's names with the two forms of the patronymic they give: Russian-style (masculine,
# feminine, from the name in Russian letters) — the Kazakh-style one is name + ұлы / қызы.
KAZAKH_MALE: tuple[tuple[str, str, str], ...] = (
    ("Нұрлан", "Нурланович", "Нурлановна"), ("Ерлан", "Ерланович", "Ерлановна"),
    ("Серік", "Серикович", "Сериковна"), ("Бауыржан", "Бауржанович", "Бауржановна"),
    ("Асқар", "Аскарович", "Аскаровна"), ("Дәурен", "Дауренович", "Дауреновна"),
    ("Жандос", "Жандосович", "Жандосовна"), ("Ерболат", "Ерболатович", "Ерболатовна"),
    ("Марат", "Маратович", "Маратовна"), ("Қайрат", "Кайратович", "Кайратовна"),
    ("Талғат", "Талгатович", "Талгатовна"), ("Бекзат", "Бекзатович", "Бекзатовна"),
    ("Ержан", "Ержанович", "Ержановна"), ("Арман", "Арманович", "Армановна"),
    ("Мұрат", "Муратович", "Муратовна"), ("Ғалым", "Галымович", "Галымовна"),
    ("Болат", "Болатович", "Болатовна"), ("Бақыт", "Бахытович", "Бахытовна"),
    ("Әділет", "Адилетович", "Адилетовна"), ("Тимур", "Тимурович", "Тимуровна"),
    ("Санжар", "Санжарович", "Санжаровна"), ("Айдос", "Айдосович", "Айдосовна"),
)  # fmt: skip
RUSSIAN_MALE: tuple[tuple[str, str, str], ...] = (
    ("Сергей", "Сергеевич", "Сергеевна"), ("Александр", "Александрович", "Александровна"),
    ("Андрей", "Андреевич", "Андреевна"), ("Дмитрий", "Дмитриевич", "Дмитриевна"),
    ("Алексей", "Алексеевич", "Алексеевна"), ("Владимир", "Владимирович", "Владимировна"),
    ("Николай", "Николаевич", "Николаевна"), ("Евгений", "Евгеньевич", "Евгеньевна"),
    ("Игорь", "Игоревич", "Игоревна"), ("Юрий", "Юрьевич", "Юрьевна"),
    ("Виктор", "Викторович", "Викторовна"), ("Иван", "Иванович", "Ивановна"),
    ("Михаил", "Михайлович", "Михайловна"), ("Павел", "Павлович", "Павловна"),
    ("Олег", "Олегович", "Олеговна"), ("Василий", "Васильевич", "Васильевна"),
    ("Геннадий", "Геннадьевич", "Геннадьевна"), ("Анатолий", "Анатольевич", "Анатольевна"),
    ("Пётр", "Петрович", "Петровна"), ("Константин", "Константинович", "Константиновна"),
)  # fmt: skip
# What a caller to the 111 line may give instead of the full name.
SHORT_FORMS: dict[str, tuple[str, ...]] = {
    "Елена": ("Лена",), "Наталья": ("Наташа", "Наталия"), "Ольга": ("Оля",),
    "Татьяна": ("Таня",), "Светлана": ("Света",), "Ирина": ("Ира",), "Анна": ("Аня",),
    "Екатерина": ("Катя",), "Мария": ("Маша",), "Юлия": ("Юля",), "Людмила": ("Люда",),
    "Галина": ("Галя",), "Анастасия": ("Настя",), "Надежда": ("Надя",), "Виктория": ("Вика",),
    "Айгерім": ("Айгера",), "Гүлнар": ("Гуля",), "Гүлмира": ("Гуля",), "Динара": ("Дина",),
    "Айгүл": ("Айка",), "Салтанат": ("Салта",), "Жұлдыз": ("Жулдыз",),
    "Александр": ("Саша",), "Сергей": ("Серёжа",), "Дмитрий": ("Дима",),
    "Владимир": ("Вова",), "Николай": ("Коля",), "Евгений": ("Женя",), "Михаил": ("Миша",),
}  # fmt: skip

KAZAKH_LETTERS_AS_RUSSIAN = str.maketrans(
    "әғқңөұүһіӘҒҚҢӨҰҮҺІ", "агкноуухиАГКНОУУХИ"
)  # a Russian keyboard, or a clerk who does not use the Kazakh letters
# Two Latin spellings: the passport's (ICAO-like) and the 2021 Kazakh Latin alphabet.
PASSPORT_LATIN: dict[str, str] = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e",
    "ё": "e", "ж": "zh", "з": "z", "и": "i", "й": "i", "і": "i", "к": "k", "қ": "k",
    "л": "l", "м": "m", "н": "n", "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ұ": "u", "ү": "u", "ф": "f", "х": "kh", "һ": "h",
    "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "ie", "ы": "y", "ь": "", "э": "e",
    "ю": "iu", "я": "ia",
}  # fmt: skip
KAZAKH_LATIN: dict[str, str] = {
    "а": "a", "ә": "ä", "б": "b", "в": "v", "г": "g", "ғ": "ğ", "д": "d", "е": "e",
    "ё": "io", "ж": "j", "з": "z", "и": "i", "й": "i", "і": "ı", "к": "k", "қ": "q",
    "л": "l", "м": "m", "н": "n", "ң": "ñ", "о": "o", "ө": "ö", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ұ": "ū", "ү": "ü", "ф": "f", "х": "h", "һ": "h",
    "ц": "ts", "ч": "ç", "ш": "ş", "щ": "şş", "ъ": "", "ы": "y", "ь": "", "э": "e",
    "ю": "iu", "я": "ia",
}  # fmt: skip
# Informal English-style spelling (Yelena, Natalya, Aigerim): what a volunteer types.
INFORMAL_LATIN: dict[str, str] = {
    **PASSPORT_LATIN, "й": "y", "ю": "yu", "я": "ya", "ь": "", "ъ": "", "х": "kh", "ё": "yo",
}  # fmt: skip
KEYBOARD_ROWS: tuple[str, ...] = (
    "йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю", "qwertyuiop", "asdfghjkl", "zxcvbnm",
)  # fmt: skip


# --- identities ---------------------------------------------------------------------------------


def iin_check_digit(first11: str) -> int | None:
    """The IIN check digit (two passes with weights 1..11, then 3..11,1,2; ``None``: never
    issued), after /work/shared/reference/kz-domain.md §4.3."""
    digits = [int(d) for d in first11]
    total = sum(d * w for d, w in zip(digits, range(1, 12), strict=True)) % 11
    if total == 10:
        weights = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
        total = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if total == 10:
            return None
    return total


def iin_for(birth_date: dt.date, sex: str, serial: int) -> str | None:
    """``YYMMDD``, century-and-sex digit (3/4: 1900s, 5/6: 2000s; odd for men), serial, check."""
    century = 3 if birth_date.year < 2000 else 5
    first11 = f"{birth_date:%y%m%d}{century + (sex == 'F')}{serial:04d}"
    digit = iin_check_digit(first11)
    return None if digit is None else first11 + str(digit)


@dataclass
class Person:
    """One true person (victim or offender) as her identity documents write her."""

    key: str
    iin: str
    sex: str
    birth_date: dt.date
    kazakh: bool
    surname: str
    first_name: str
    patronymic: str  # "" when the documents carry none
    region: str
    home_district: str
    severity: float = 0.0


class Namer:
    """Draws people: names with skewed (Zipf-like) frequencies, unique valid IINs."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.iins: set[str] = set()

    def _pick(self, items: Sequence[object]) -> int:
        weights = 1.0 / np.arange(1, len(items) + 1) ** 0.8
        return int(self.rng.choice(len(items), p=weights / weights.sum()))

    def person(
        self, key: str, *, sex: str, age: int, year: int, region: Region, kazakh: bool
    ) -> Person:
        rng = self.rng
        birth = dt.date(year - age, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365)))
        while True:
            iin = iin_for(birth, sex, int(rng.integers(0, 10000)))
            if iin is not None and iin not in self.iins:
                self.iins.add(iin)
                break
        surnames = KAZAKH_SURNAMES if kazakh else RUSSIAN_SURNAMES
        masculine, feminine = surnames[self._pick(surnames)]
        fathers = KAZAKH_MALE if kazakh else RUSSIAN_MALE
        father, patronymic_m, patronymic_f = fathers[self._pick(fathers)]
        if sex == "F":
            female = KAZAKH_FEMALE if kazakh else RUSSIAN_FEMALE
            first = female[self._pick(female)]
        else:
            first = fathers[self._pick(fathers)][0]
        if kazakh and rng.random() < 0.3:  # the Kazakh form: Нұрланқызы, Нұрланұлы
            patronymic = father + ("қызы" if sex == "F" else "ұлы")
        else:
            patronymic = patronymic_f if sex == "F" else patronymic_m
        if rng.random() < 0.03:
            patronymic = ""
        weights = np.array([0.55] + [0.15] * (len(region.districts) - 1))
        district = region.districts[
            int(rng.choice(len(region.districts), p=weights / weights.sum()))
        ]
        return Person(
            key=key,
            iin=iin,
            sex=sex,
            birth_date=birth,
            kazakh=kazakh,
            surname=feminine if sex == "F" else masculine,
            first_name=first,
            patronymic=patronymic,
            region=region.code,
            home_district=district,
        )


# --- the error model ----------------------------------------------------------------------------


def _keyboard_neighbour(rng: np.random.Generator, char: str) -> str:
    lower = char.lower()
    for row in KEYBOARD_ROWS:
        at = row.find(lower)
        if at >= 0:
            options = [row[i] for i in (at - 1, at + 1) if 0 <= i < len(row)]
            new = options[int(rng.integers(0, len(options)))]
            return new.upper() if char.isupper() else new
    return char


def typo(rng: np.random.Generator, text: str) -> str:
    """One typing error: a neighbouring key, a dropped, doubled or swapped letter."""
    if len(text) < 3:
        return text
    at = int(rng.integers(1, len(text)))  # clerks rarely get the first letter wrong
    kind = rng.random()
    if kind < 0.4:
        return text[:at] + _keyboard_neighbour(rng, text[at]) + text[at + 1 :]
    if kind < 0.65:
        return text[:at] + text[at + 1 :]
    if kind < 0.8:
        return text[:at] + text[at] + text[at:]
    if at == len(text) - 1:
        at -= 1
    return text[:at] + text[at + 1] + text[at] + text[at + 2 :]


def transliterate(text: str, table: Mapping[str, str]) -> str:
    out: list[str] = []
    for i, char in enumerate(text):
        latin = table.get(char.lower(), char)
        if table is INFORMAL_LATIN and char.lower() == "е" and i == 0:
            latin = "ye"
        out.append(latin[:1].upper() + latin[1:] if char.isupper() else latin)
    return "".join(out)


@dataclass(frozen=True)
class Habit:
    """How one register writes a person down (probabilities per record)."""

    iin: float  # the IIN is recorded
    wrong_iin: float  # ... but mistyped in its 11th digit, which the checksum does not see
    surname: float
    patronymic: float
    kazakh_letters: float  # Kazakh letters kept (else written as their Russian neighbours)
    latin: float  # the name written in a Latin transliteration
    typo: float  # per name field
    birth_date: float  # the full date (when no IIN)
    birth_year_only: float  # only the year (when no IIN and no date)
    date_slip: float  # day and month swapped, or the year one off (a written date only)
    sex: float  # sex recorded
    short_first_name: float
    swapped_names: float  # surname and first name in each other's field
    second_record: float  # a second record of the same person in the year


HABITS: dict[str, Habit] = {
    "police": Habit(0.96, 0.0, 1.0, 0.97, 0.35, 0.0, 0.02, 0.98, 0.02, 0.01, 1.0, 0.0, 0.0, 0.0),
    "health": Habit(0.85, 0.01, 1.0, 0.9, 0.4, 0.0, 0.06, 0.75, 0.2, 0.03, 1.0, 0.0, 0.0, 0.2),
    "crisis_centre": Habit(
        0.35, 0.0, 0.95, 0.5, 0.5, 0.3, 0.1, 0.45, 0.4, 0.04, 1.0, 0.05, 0.02, 0.15
    ),
    "line_111": Habit(0.0, 0.0, 0.35, 0.03, 0.2, 0.0, 0.1, 0.0, 0.1, 0.0, 0.9, 0.3, 0.0, 0.25),
    "social": Habit(0.5, 0.01, 1.0, 0.9, 0.4, 0.0, 0.05, 0.8, 0.15, 0.03, 1.0, 0.0, 0.0, 0.1),
}


class Recorder:
    """Writes one person as one register would, with that register's habits and errors."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def name(self, text: str, habit: Habit, *, latin: bool) -> str:
        if not text:
            return ""
        if not self.chance(habit.kazakh_letters):
            text = text.translate(KAZAKH_LETTERS_AS_RUSSIAN)
        if latin:
            table = (PASSPORT_LATIN, KAZAKH_LATIN, INFORMAL_LATIN)[int(self.rng.integers(0, 3))]
            text = transliterate(text, table)
        if self.chance(habit.typo):
            text = typo(self.rng, text)
        return text

    def wrong_iin(self, iin: str) -> str:
        """The IIN with its 11th digit mistyped — still valid when the first-pass sum is not
        10 (the 11th digit's first-pass weight is 0 modulo 11); otherwise left as it is."""
        for digit in self.rng.permutation(10):
            candidate = iin[:10] + str(int(digit))
            check = iin_check_digit(candidate)
            if candidate != iin[:11] and check is not None and str(check) == iin[11]:
                return candidate + iin[11]
        return iin

    def birth(self, person: Person, habit: Habit) -> tuple[str, str]:
        """``(birth_date, birth_year)`` as written (without the IIN)."""
        day = person.birth_date
        if self.chance(habit.birth_date):
            if self.chance(habit.date_slip):
                if day.day <= 12 and day.day != day.month and self.chance(0.5):
                    day = dt.date(day.year, day.day, day.month)
                else:
                    shift = 1 if self.chance(0.5) else -1
                    leap_day = (day.month, day.day) == (2, 29)
                    day = day.replace(year=day.year + shift, day=28 if leap_day else day.day)
            return day.isoformat(), ""
        if self.chance(habit.birth_year_only):
            year = day.year + (int(self.rng.choice((-1, 1))) if self.chance(habit.date_slip) else 0)
            return "", str(year)
        return "", ""

    def identity(self, person: Person, register: str) -> dict[str, str]:
        habit = HABITS[register]
        latin = self.chance(habit.latin)
        first = person.first_name
        if self.chance(habit.short_first_name) and first in SHORT_FORMS:
            options = SHORT_FORMS[first]
            first = options[int(self.rng.integers(0, len(options)))]
        surname = person.surname if self.chance(habit.surname) else ""
        patronymic = person.patronymic if self.chance(habit.patronymic) else ""
        row = {
            "surname": self.name(surname, habit, latin=latin),
            "first_name": self.name(first, habit, latin=latin),
            "patronymic": self.name(patronymic, habit, latin=latin),
            "iin": "",
            "birth_date": "",
            "birth_year": "",
            "sex": person.sex if self.chance(habit.sex) else "U",
        }
        if row["surname"] and self.chance(habit.swapped_names):
            row["surname"], row["first_name"] = row["first_name"], row["surname"]
        if self.chance(habit.iin):
            row["iin"] = self.wrong_iin(person.iin) if self.chance(habit.wrong_iin) else person.iin
            row["birth_date"] = person.birth_date.isoformat()
        else:
            row["birth_date"], row["birth_year"] = self.birth(person, habit)
        return row
