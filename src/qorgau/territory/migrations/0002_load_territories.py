from django.db import migrations


def load(apps, schema_editor):
    from qorgau.territory.services import territories_load

    territories_load(
        territory_model=apps.get_model("territory", "Territory"),
        population_model=apps.get_model("territory", "TerritoryPopulation"),
        succession_model=apps.get_model("territory", "TerritorySuccession"),
    )


class Migration(migrations.Migration):
    dependencies = [("territory", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
