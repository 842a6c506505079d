"""Which days to recount: the days from which counted records changed (``RecountDay``).

The nightly run recomputes from yesterday (``indicators compute --since``), but records are
often dated earlier than the day they are written: most victims go to the police long after
the violence, and a report triaged, a referral completed, a decision done or a re-offence
after a programme changes a figure counted on an earlier day. Every such write notes the
earliest day it changes; the next incremental run starts no later than the earliest day noted
when it began, and settles the notes it read once it has stored its values.

Each part that feeds a measure registers, for the models whose rows its measures count, what
changes a count and on which days (``counted_record_register``). A new record notes its days,
a deleted one its days, a changed one the days before and after the change, unless no counted
field changed (a check-in's new due date notes nothing). Writes that bypass the models' signals
report themselves: the registry sends ``registry.signals.records_stored`` for its bulk writes;
other parts call :func:`recount_note`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone

from qorgau.monitoring.models import RecountDay

Record = Any  # a model instance, or a namespace of its counted fields and pk
Days = Callable[[Sequence[Record]], Iterable[dt.date | dt.datetime | None]]


@dataclass(frozen=True)
class CountedRecord:
    """How a model's rows are counted: ``fields`` (attribute names) are those whose change
    changes a count; ``days`` gives the days a batch of records counts on, reading only those
    fields and ``pk``. A change to one of ``moves_from`` (an order's end) changes the counts
    only from the earlier of its old and new day."""

    fields: tuple[str, ...]
    days: Days
    moves_from: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()


_COUNTED: dict[type[models.Model], list[CountedRecord]] = {}


def counted_record_register(
    model: type[models.Model],
    fields: tuple[str, ...],
    days: Days,
    moves_from: tuple[str, ...] = (),
    measures: tuple[str, ...] = (),
) -> None:
    """Declare that measures count ``model``'s rows (called from the parts' ``ready``); with
    ``measures``, that a change moves only those (else any measure may move)."""
    counted = CountedRecord(fields, days, moves_from, measures)
    if counted not in _COUNTED.setdefault(model, []):
        _COUNTED[model].append(counted)


def local_day(value: dt.date | dt.datetime | None) -> dt.date | None:
    """A timestamp's day in the system's time zone; a date as it is."""
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):  # as Django would store it: in the current time zone
            value = timezone.make_aware(value)
        return timezone.localtime(value).date()
    return value


def recount_note(
    *,
    days: Iterable[dt.date | dt.datetime | None],
    source: str,
    measures: tuple[str, ...] = (),
) -> dt.date | None:
    """Note that the records counted from the earliest of ``days`` changed (for ``measures``
    only, or any); returns that day."""
    known = [day for day in (local_day(value) for value in days) if day is not None]
    if not known:
        return None
    first = min(known)
    RecountDay.objects.bulk_create(
        [RecountDay(day=first, measure=measure, source=source[:60]) for measure in measures or [""]]
    )
    return first


@dataclass(frozen=True)
class Noted:
    """The notes a run read: the earliest day by measure ("": any) and their keys."""

    days: dict[str, dt.date]
    keys: list[int]


def recount_noted(before: dt.datetime) -> Noted:
    """The notes made before ``before`` (a run's start) and committed by now."""
    days: dict[str, dt.date] = {}
    keys: list[int] = []
    for pk, measure, day in RecountDay.objects.filter(noted_at__lt=before).values_list(
        "pk", "measure", "day"
    ):
        keys.append(pk)
        days[measure] = min(day, days.get(measure, day))
    return Noted(days, keys)


def recount_settle(noted: Noted) -> None:
    """Forget the notes a run read and recounted. Only those: a note committed while the run
    was reading belongs to a record the run may not have seen, and stays for the next run."""
    for offset in range(0, len(noted.keys), 900):
        settled = RecountDay.objects.filter(pk__in=noted.keys[offset : offset + 900])
        settled._raw_delete(settled.db)


def _values(model: type[models.Model], fields: set[str], pks: Sequence[Any]) -> list[Record]:
    rows: list[Record] = []
    for offset in range(0, len(pks), 500):
        chunk = model._base_manager.filter(pk__in=pks[offset : offset + 500])
        rows.extend(SimpleNamespace(**row) for row in chunk.values("pk", *sorted(fields)))
    return rows


def _fields(model: type[models.Model]) -> set[str]:
    return {name for counted in _COUNTED.get(model, []) for name in counted.fields}


def _earliest(values: Iterable[dt.date | dt.datetime | None]) -> list[dt.date | None]:
    """The earliest of ``values`` as a day, which is all a note keeps (``recount_note``): one
    time-zone conversion for a batch of thousands rather than one per row. Values that do not
    compare (dates beside timestamps) are each converted."""
    known = [value for value in values if value is not None]
    if not known:
        return []
    try:
        return [local_day(min(known))]
    except TypeError:
        return [local_day(value) for value in known]


def _notes(
    model: type[models.Model], records: Sequence[Record]
) -> list[tuple[tuple[str, ...], list[dt.date | None]]]:
    return [
        (counted.measures, _earliest(counted.days(records))) for counted in _COUNTED.get(model, [])
    ]


def _changed_notes(
    model: type[models.Model], old: Record, new: Record
) -> list[tuple[tuple[str, ...], list[dt.date | None]]]:
    notes: list[tuple[tuple[str, ...], list[dt.date | None]]] = []
    for counted in _COUNTED.get(model, []):
        changed = [f for f in counted.fields if getattr(old, f) != getattr(new, f)]
        if not changed:
            continue
        if all(f in counted.moves_from for f in changed):
            days = [local_day(getattr(r, f)) for f in changed for r in (old, new)]
        else:
            days = [local_day(day) for day in counted.days([old, new])]
        notes.append((counted.measures, days))
    return notes


def _note(model: type[models.Model], notes: list[tuple[tuple[str, ...], list[Any]]]) -> None:
    for measures, days in notes:
        recount_note(days=days, source=model._meta.label, measures=measures)


def _before_save(
    sender: type[models.Model], instance: Any, raw: bool = False, **kwargs: Any
) -> None:
    if raw or sender not in _COUNTED or instance.pk is None:
        return
    fields = _fields(sender)
    update_fields = kwargs.get("update_fields")
    if update_fields is not None:
        touched = {getattr(sender._meta.get_field(name), "attname", name) for name in update_fields}
        if not fields & touched:
            return
    found = _values(sender, fields, [instance.pk])
    instance._recount_old = found[0] if found else None


def _after_save(
    sender: type[models.Model], instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw or sender not in _COUNTED:
        return
    old = instance.__dict__.pop("_recount_old", None)
    if created:
        _note(sender, _notes(sender, [instance]))
    elif old is not None:
        _note(sender, _changed_notes(sender, old, instance))


def _after_delete(sender: type[models.Model], instance: Any, **kwargs: Any) -> None:
    if sender in _COUNTED:
        _note(sender, _notes(sender, [instance]))


def _stored(
    sender: type[models.Model],
    pks: Sequence[Any],
    records: Sequence[Record] | None = None,
    **kwargs: Any,
) -> None:
    """Note the days of rows a bulk write stored, read from the rows it sends when they carry
    every counted field (an import's batch), else read back by key."""
    if sender not in _COUNTED or not pks:
        return
    fields = _fields(sender)
    if not records or not all(hasattr(records[0], name) for name in fields):
        records = _values(sender, fields, list(pks))
    _note(sender, _notes(sender, records))


def connect() -> None:
    """Listen to every save and delete (the models are looked up, so parts may register their
    models after this) and to the registry's bulk writes."""
    from qorgau.registry.signals import records_stored

    pre_save.connect(_before_save, dispatch_uid="monitoring.recount.pre_save")
    post_save.connect(_after_save, dispatch_uid="monitoring.recount.post_save")
    post_delete.connect(_after_delete, dispatch_uid="monitoring.recount.post_delete")
    records_stored.connect(_stored, dispatch_uid="monitoring.recount.stored")
