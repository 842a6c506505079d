"""The programme structure as data: ``data/programme.yaml`` loaded into the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

PROGRAMME_FILE = Path(__file__).resolve().parent / "data" / "programme.yaml"
OUTPUT_KINDS = ("people_served", "bed_nights", "sessions", "trainings", "completed")


class ProgrammeFileError(ValueError):
    pass


def programme_read(path: Path = PROGRAMME_FILE) -> dict[str, Any]:
    """The parsed file, checked: three names each, known outputs, unique codes."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    codes = set()
    for spec in (data["programme"], *data["sub_programmes"]):
        if set(spec["name"]) != {"kk", "ru", "en"}:
            raise ProgrammeFileError(f"{spec['code']}: names are needed in kk, ru and en")
        if spec["code"] in codes:
            raise ProgrammeFileError(f"{spec['code']}: the code is used twice")
        codes.add(spec["code"])
        unknown = set(spec.get("outputs", ())) - set(OUTPUT_KINDS)
        if unknown:
            raise ProgrammeFileError(f"{spec['code']}: unknown outputs {sorted(unknown)}")
    return dict(data)


def programme_load(path: Path = PROGRAMME_FILE, *, apps: Any = None) -> int:
    """Create or update the programme and its sub-programmes by code; return how many.

    Sub-programmes missing from the file are kept (allocations may point at them) but made
    inactive. ``apps`` is the migration state when run from a data migration.
    """
    if apps is None:
        from django.apps import apps
    programme_model: Any = apps.get_model("budget", "Programme")
    sub_model: Any = apps.get_model("budget", "SubProgramme")
    data = programme_read(path)

    def names(spec: dict[str, Any]) -> dict[str, str]:
        return {f"name_{lang}": spec["name"][lang] for lang in ("kk", "ru", "en")}

    spec = data["programme"]
    programme, _created = programme_model.objects.update_or_create(
        code=spec["code"], defaults={"classification": spec["classification"], **names(spec)}
    )
    seen = []
    for sub in data["sub_programmes"]:
        sub_model.objects.update_or_create(
            code=sub["code"],
            defaults={
                "programme": programme,
                "classification": sub["classification"],
                "outputs": list(sub.get("outputs", [])),
                "active": sub.get("active", True),
                **names(sub),
            },
        )
        seen.append(sub["code"])
    sub_model.objects.filter(programme=programme).exclude(code__in=seen).update(active=False)
    return 1 + len(seen)
