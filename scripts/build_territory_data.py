"""Build the territory data files of ``qorgau.territory`` from the reference tables.

Run once when the reference changes:  python scripts/build_territory_data.py ../shared/reference
It writes ``src/qorgau/territory/data/{territories,population,successions}.csv``; the project
loads those files (data migration, ``qorgau load_territories``), never the reference folder.

Sources (see src/qorgau/territory/data/SOURCES.md): KATO as of 17.10.2022 and the BNS bulletin
"Численность населения РК по областям, городам и районам на 1 января 2023 года".
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

REFORM_START = "2022-06-08"  # presidential decree of 4 May 2022, in force 8 June 2022
REFORM_END = "2022-06-07"
# New region -> the region it was split from.
SPLIT_FROM = {"100000000": "630000000", "330000000": "190000000", "620000000": "350000000"}
CITY_EN = {"710000000": "Astana", "750000000": "Almaty", "790000000": "Shymkent"}
NATIONAL_POPULATION = [
    # year, total, males, females, urban, rural, source
    ("2023", "19765004", "9646722", "10118282", "12208259", "7556745", "BNS bulletin, 1 Jan 2023"),
    ("2025", "20283399", "", "", "", "", "BNS, 1 Jan 2025 (revised figure; zakon.kz)"),
    ("2026", "20495975", "", "", "13029803", "7466172", "BNS, 1 Jan 2026 (qazinform.com)"),
]

KK_LATIN = {
    "а": "a",
    "ә": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "ғ": "g",
    "д": "d",
    "е": "e",
    "ё": "yo",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "қ": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "ң": "n",
    "о": "o",
    "ө": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ұ": "u",
    "ү": "u",
    "ф": "f",
    "х": "kh",
    "һ": "h",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "і": "i",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
}


def latin(text: str) -> str:
    out = []
    for ch in text:
        low = ch.lower()
        if low in KK_LATIN:
            rep = KK_LATIN[low]
            out.append(rep.capitalize() if ch != low else rep)
        else:
            out.append(ch)
    return "".join(out)


def english_district_name(name_kk: str, kind: str) -> str:
    base = name_kk.replace(" қ.ә.", "").replace(" ауданы", "").strip()
    base = " ".join(word[:1].upper() + word[1:] for word in latin(base).split())
    return f"{base} City" if kind == "city_administration" else f"{base} District"


def main(reference: Path, out: Path) -> None:
    regions = list(csv.DictReader((reference / "kz_regions.csv").open(encoding="utf-8")))
    districts = list(csv.DictReader((reference / "kz_districts.csv").open(encoding="utf-8")))
    split_parents = set(SPLIT_FROM.values())
    affected = split_parents | set(SPLIT_FROM)

    territories: list[dict[str, str]] = []
    population: list[dict[str, str]] = []
    successions: list[dict[str, str]] = []

    def add(**row: str) -> None:
        territories.append(row)

    add(
        kato_code="000000000",
        parent_code="",
        parent_valid_from="",
        level="0",
        kind="country",
        name_en="Kazakhstan",
        name_ru="Республика Казахстан",
        name_kk="Қазақстан Республикасы",
        valid_from="",
        valid_to="",
    )
    for year, total, males, females, urban, rural, source in NATIONAL_POPULATION:
        population.append(
            dict(
                kato_code="000000000",
                valid_from="",
                year=year,
                total=total,
                males=males,
                females=females,
                urban=urban,
                rural=rural,
                source=source,
            )
        )

    for region in regions:
        code = region["code"]
        kind = "city" if region["type"] == "city_republican" else "oblast"
        name_en = CITY_EN.get(code, region["name_en"])
        valid_from = REFORM_START if code in affected else ""
        add(
            kato_code=code,
            parent_code="000000000",
            parent_valid_from="",
            level="1",
            kind=kind,
            name_en=name_en,
            name_ru=region["name_ru"],
            name_kk=region["name_kk"],
            valid_from=valid_from,
            valid_to="",
        )
        population.append(
            dict(
                kato_code=code,
                valid_from=valid_from,
                year="2023",
                total=region["population"],
                males=region["males"],
                females=region["females"],
                urban=region["urban"],
                rural=region["rural"],
                source="BNS bulletin, 1 Jan 2023",
            )
        )
        for year in ("2025", "2026"):
            if region[f"pop_{year}_01_01"]:
                population.append(
                    dict(
                        kato_code=code,
                        valid_from=valid_from,
                        year=year,
                        total=region[f"pop_{year}_01_01"],
                        males="",
                        females="",
                        urban="",
                        rural="",
                        source=f"BNS, 1 Jan {year} (secondary)",
                    )
                )
        if code in split_parents:
            # The region as it was before the reform, larger than today's.
            add(
                kato_code=code,
                parent_code="000000000",
                parent_valid_from="",
                level="1",
                kind=kind,
                name_en=name_en,
                name_ru=region["name_ru"],
                name_kk=region["name_kk"],
                valid_from="",
                valid_to=REFORM_END,
            )

    region_pop = {r["code"]: int(r["population"]) for r in regions}
    for old_parent in split_parents:
        successors = [old_parent] + [new for new, old in SPLIT_FROM.items() if old == old_parent]
        total = sum(region_pop[c] for c in successors)
        for successor in successors:
            successions.append(
                dict(
                    predecessor_code=old_parent,
                    predecessor_valid_from="",
                    successor_code=successor,
                    successor_valid_from=REFORM_START,
                    date=REFORM_START,
                    population_share=f"{region_pop[successor] / total:.4f}",
                    note="Regions reform of 2022; share = successor's population on 1 Jan 2023",
                )
            )

    kind_map = {
        "district": "district",
        "city_administration": "city_administration",
        "city_district": "city_district",
    }
    for d in districts:
        code, region_code, kind = d["kato_code"], d["region_kato"], kind_map[d["type"]]
        name_en = english_district_name(d["name_kk"], kind)
        moved = region_code in affected
        valid_from = REFORM_START if moved else ""
        add(
            kato_code=code,
            parent_code=region_code,
            parent_valid_from=valid_from,
            level="2",
            kind=kind,
            name_en=name_en,
            name_ru=d["name_ru"],
            name_kk=d["name_kk"],
            valid_from=valid_from,
            valid_to="",
        )
        population.append(
            dict(
                kato_code=code,
                valid_from=valid_from,
                year="2023",
                total=d["population"],
                males=d["males"],
                females=d["females"],
                urban=d["urban"],
                rural=d["rural"],
                source="BNS bulletin, 1 Jan 2023",
            )
        )
        if moved:
            old_region = SPLIT_FROM.get(region_code, region_code)
            add(
                kato_code=code,
                parent_code=old_region,
                parent_valid_from="",
                level="2",
                kind=kind,
                name_en=name_en,
                name_ru=d["name_ru"],
                name_kk=d["name_kk"],
                valid_from="",
                valid_to=REFORM_END,
            )
            successions.append(
                dict(
                    predecessor_code=code,
                    predecessor_valid_from="",
                    successor_code=code,
                    successor_valid_from=REFORM_START,
                    date=REFORM_START,
                    population_share="1.0000",
                    note="Same district under the region that exists since the 2022 reform",
                )
            )

    out.mkdir(parents=True, exist_ok=True)
    for name, rows in (
        ("territories", territories),
        ("population", population),
        ("successions", successions),
    ):
        with (out / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    print(
        f"{len(territories)} territories, {len(population)} population rows, "
        f"{len(successions)} successions"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(__file__).resolve().parent.parent / "src/qorgau/territory/data")
