"""Load the programme structure of ``data/programme.yaml`` (re-run: `qorgau budget_load_programme`)."""

from typing import Any

from django.db import migrations


def load(apps: Any, schema_editor: Any) -> None:
    from qorgau.budget.programme import programme_load

    programme_load(apps=apps)


class Migration(migrations.Migration):
    dependencies = [("budget", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
