"""A survivor case's line in the crisis-centre register, written without retyping.

The hidden-violence estimate links the police register with the registers outside it; a
crisis centre's is one of them. Its record of a survivor is what the estimate needs and no
more: the IIN's keyed pseudonym if she gave it, sex, year of birth, district, the day she was
seen and the injury. It is written through the one write path of register records
(:func:`qorgau.registry.intake.register_records_store`), as an import of the centre's file
would be, and never into the police register: she stays unknown to the police. It is not a
share with an agency, so a withdrawal of consent does not stop it (the centre's own statistics,
like its monthly totals); ``docs/cases.md`` says so to the caseworker.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q

from qorgau.cases.models import SurvivorCase
from qorgau.registry.intake import RegisterRecordDraft, register_records_store
from qorgau.registry.models import RegisterRecord
from qorgau.registry.models.register_records import Register
from qorgau.registry.signals import records_stored

REGISTER_SOURCE = "survivor_case"


def _register_record_id(case: SurvivorCase, seen_on: dt.date) -> str:
    return f"{case.pk}" if seen_on == case.opened_on else f"{case.pk}.{seen_on.isoformat()}"


def case_register_record(case: SurvivorCase, *, seen_on: dt.date, actor_id: int | None) -> bool:
    """Write the case's line in the crisis-centre register for the day she was seen (the
    intake, a reopening); a second call for the same day writes nothing. Whether it was new."""
    record_id = _register_record_id(case, seen_on)
    if RegisterRecord.objects.filter(source=REGISTER_SOURCE, source_record_id=record_id).exists():
        return False
    draft = RegisterRecordDraft(
        register=Register.CRISIS_CENTRE,
        record_id=record_id,
        district_id=case.district_id,
        seen_on=seen_on,
        iin_pseudonym=case.iin_pseudonym,
        sex=case.sex,
        birth_year=case.birth_year,
        injury=case.injury,
        organisation_id=case.organisation_id,
    )
    pks = register_records_store([draft], source=REGISTER_SOURCE, actor_id=actor_id)
    records_stored.send(RegisterRecord, pks=pks)
    return True


def case_register_records_sync(*, since: dt.date | None = None) -> int:
    """The system's job: every case's intake and reopening in the register (safe to re-run)."""
    written = 0
    cases = SurvivorCase.objects.order_by("pk")
    if since is not None:
        cases = cases.filter(Q(opened_on__gte=since) | Q(reopened_on__gte=since))
    for case in cases:
        with transaction.atomic():
            written += case_register_record(case, seen_on=case.opened_on, actor_id=None)
            if case.reopened_on:
                written += case_register_record(case, seen_on=case.reopened_on, actor_id=None)
    return written
