"""Move the synthetic register sightings into registry.RegisterRecord (+ synth.RecordTruth).

The other registers' records now enter through the registry's write path, whoever supplies
them; a database made before keeps its synthetic data set, copied here: tokens and
pseudonyms as they are (already encrypted and keyed), ``severe`` as a medium harm (the
sighting did not say more), the truth key into ``RecordTruth``. Then the old table goes.
Going back leaves the copied records in place (``qorgau synth --clear`` removes them).
"""

from typing import Any

from django.db import migrations

SOURCE = "synth"
BATCH = 2000


def _record(RegisterRecord: Any, sighting: Any) -> Any:
    return RegisterRecord(
        register=sighting.register,
        source=SOURCE,
        source_record_id=f"sighting-{sighting.pk}",
        district_id=sighting.district_id,
        seen_on=sighting.seen_on,
        iin_pseudonym=sighting.iin_pseudonym,
        surname_token=sighting.surname_token,
        first_name_token=sighting.first_name_token,
        patronymic_token=sighting.patronymic_token,
        sex=sighting.sex,
        birth_date=sighting.birth_date,
        birth_year=sighting.birth_year,
        injury="moderate" if sighting.severe else "",
    )


def _copy_batch(apps: Any, batch: list[Any]) -> None:
    RegisterRecord = apps.get_model("registry", "RegisterRecord")
    RecordTruth = apps.get_model("synth", "RecordTruth")
    RegisterRecord.objects.bulk_create([_record(RegisterRecord, s) for s in batch])
    pks = dict(
        RegisterRecord.objects.filter(
            source=SOURCE, source_record_id__in=[f"sighting-{s.pk}" for s in batch]
        ).values_list("source_record_id", "pk")
    )
    RecordTruth.objects.bulk_create(
        RecordTruth(run_id=s.run_id, record_id=pks[f"sighting-{s.pk}"], truth_key=s.truth_key)
        for s in batch
    )


def sightings_copy(apps: Any, schema_editor: Any) -> None:
    RegisterSighting = apps.get_model("synth", "RegisterSighting")
    batch: list[Any] = []
    for sighting in RegisterSighting.objects.order_by("pk").iterator(chunk_size=BATCH):
        batch.append(sighting)
        if len(batch) == BATCH:
            _copy_batch(apps, batch)
            batch = []
    if batch:
        _copy_batch(apps, batch)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_register_records"),
        ("synth", "0002_record_truth"),
    ]

    operations = [
        migrations.RunPython(sightings_copy, migrations.RunPython.noop, elidable=True),
        migrations.DeleteModel(name="RegisterSighting"),
    ]
