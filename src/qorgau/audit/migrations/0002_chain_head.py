from django.db import migrations


def create_head(apps, schema_editor):
    from qorgau.audit.models import AuditChainHead as CurrentHead

    head_model = apps.get_model("audit", "AuditChainHead")
    if not head_model.objects.filter(pk=1).exists():
        head = CurrentHead(pk=1, length=0, last_seal="")
        head_model.objects.create(pk=1, length=0, last_seal="", seal=head.compute_seal())


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
