"""The kinds of referral and their answer times; configurable afterwards (they are data)."""

from django.db import migrations

KINDS = [
    # code, name, receiving organisation kinds, answer within hours, outcome within days
    ("crisis_centre", "Crisis centre or shelter", ["crisis_centre", "shelter"], 24, 14),
    ("health", "Medical help", ["health"], 24, 14),
    ("psychologist", "Psychological help", ["crisis_centre", "family_support_centre", "ngo", "health"], 72, 30),
    ("legal_aid", "Legal aid", ["legal_aid", "ngo"], 72, 30),
    ("social_protection", "Social protection", ["social_protection", "family_support_centre"], 72, 30),
    ("programme", "Psychocorrection programme for the offender", ["program_provider"], 120, 90),
    ("education", "School or kindergarten support for the children", ["education"], 72, 30),
]


def seed(apps, schema_editor):
    kind = apps.get_model("coordination", "ReferralKind")
    for code, name, receivers, hours, days in KINDS:
        kind.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "receiver_kinds": receivers,
                "respond_within_hours": hours,
                "outcome_within_days": days,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("coordination", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
