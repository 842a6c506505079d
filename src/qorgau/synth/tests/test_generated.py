"""Calibration, registry rules and the hidden-violence truth on one small synthetic country."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter, defaultdict

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from qorgau.conftest import audit_trail_clear
from qorgau.lib.crypto import decrypt_text
from qorgau.registry import models as rm
from qorgau.registry.lawcheck import offence_breaches
from qorgau.registry.legal import legal_rule
from qorgau.registry.services import reconciliations_by_offender
from qorgau.synth import calibration as cal
from qorgau.synth.models import RecordTruth, TruthCount, VictimTruth
from qorgau.synth.services import district_frame, synth_clear, synth_run, truth_write
from qorgau.territory.models import Level
from qorgau.territory.services import territories_load

SCALE = 0.02
# Marked as database tests so that they run before any transactional test flushes the database.
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def run(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        # A transactional test that ran earlier may have flushed the reference data.
        territories_load()
        synth_clear()
        yield synth_run(first_year=2022, last_year=timezone.localdate().year, scale=SCALE, seed=3)
        synth_clear()
        audit_trail_clear()


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def population(year: int) -> float:
    return cal.national_population(year) * SCALE


# --- calibration -------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2023, 2024])
def test_orders_per_100k_within_the_published_band(run, year):
    orders = rm.ProtectiveOrder.objects.filter(source="synth", issued_on__year=year).count()
    target = cal.year_volumes(year)[1] / cal.national_population(year) * 1e5
    rate = orders / population(year) * 1e5
    assert 0.85 * target <= rate <= 1.15 * target
    assert 320 <= rate <= 500


def test_incidents_about_100k_a_year_at_scale_one(run):
    incidents = rm.Incident.objects.filter(source="synth", occurred_at__year=2024).count()
    assert 85_000 <= incidents / SCALE <= 115_000


def test_requirements_per_order_nationally_and_by_region(run):
    frame = district_frame()
    region_of = dict(zip(frame.pk_after.tolist(), frame.region_codes, strict=True))
    region_of.update(zip(frame.pk_before.tolist(), frame.region_codes, strict=True))
    orders = Counter(
        region_of[d]
        for d in rm.ProtectiveOrder.objects.filter(
            source="synth", issued_on__year__in=(2023, 2024)
        ).values_list("district_id", flat=True)
    )
    requirements = Counter(
        region_of[d]
        for d in rm.BehaviourRequirement.objects.filter(
            source="synth", decided_on__year__in=(2023, 2024)
        ).values_list("district_id", flat=True)
    )
    assert 0.15 <= sum(requirements.values()) / sum(orders.values()) <= 0.25
    for region, count in orders.items():
        if count >= 150:
            assert 0.10 <= requirements[region] / count <= 0.32, region


def test_violations_arrests_and_art73(run):
    orders = rm.ProtectiveOrder.objects.filter(source="synth", served_on__isnull=False)
    violations = rm.OrderViolation.objects.filter(order__source="synth")
    assert 0.03 <= violations.count() / orders.count() <= 0.07
    assert 0.12 <= violations.filter(sanction="arrest").count() / violations.count() <= 0.4
    art73 = rm.Offence.objects.filter(source="synth", article="73").count()
    assert 0.78 <= art73 / rm.ProtectiveOrder.objects.filter(source="synth").count() <= 0.95


def test_victims_mostly_women_in_partner_relationships(run):
    victims = rm.IncidentParticipant.objects.filter(incident__source="synth", role="victim")
    women = victims.filter(person__sex="F").count()
    assert women / victims.count() > 0.8
    relationships = Counter(
        rm.IncidentParticipant.objects.filter(
            incident__source="synth", role="offender"
        ).values_list("relationship", flat=True)
    )
    partners = sum(relationships[r] for r in cal.PARTNER_RELATIONSHIPS)
    assert partners / sum(relationships.values()) > 0.6
    assert {"parent", "child", "sibling", "in_law"} <= set(relationships)


def test_criminal_offences_jump_after_the_2024_criminalisation(run):
    criminal = rm.Offence.objects.filter(source="synth", kind="criminal")
    before = criminal.filter(committed_on__year=2023).count()
    after = criminal.filter(committed_on__year=2025).count()
    assert 600 <= before / SCALE <= 1400
    assert after > 2 * before
    homicides = criminal.filter(article="99", committed_on__year__in=(2022, 2023, 2024, 2025))
    assert 60 <= homicides.count() / SCALE / 4 <= 400


def test_check_ins_mostly_weekly_with_some_missed(run):
    gaps = []
    for days in _checks_by_order().values():
        days.sort()
        gaps += [(b - a).days for a, b in zip(days, days[1:], strict=False)]
    assert sum(g <= 7 for g in gaps) / len(gaps) > 0.8
    assert any(g > 7 for g in gaps)


def _checks_by_order() -> dict[int, list[dt.date]]:
    found = defaultdict(list)
    for order_id, day in rm.OrderCheckIn.objects.filter(order__source="synth").values_list(
        "order_id", "checked_on"
    ):
        found[order_id].append(day)
    return found


def test_risk_assessments_have_every_level(run):
    levels = set(
        rm.RiskAssessment.objects.filter(victim__source="synth").values_list("level", flat=True)
    )
    assert {"low", "medium", "high"} <= levels


# --- rules ---------------------------------------------------------------------------------------


def test_incidents_follow_the_rules(run):
    today = timezone.localdate()
    for incident in rm.Incident.objects.filter(source="synth").select_related("district"):
        assert incident.reported_at >= incident.occurred_at
        assert local_day(incident.reported_at) <= today
        assert incident.district.level == Level.DISTRICT
        assert incident.district.exists_on(local_day(incident.occurred_at))
    pairs = rm.IncidentParticipant.objects.filter(incident__source="synth")
    per_incident = pairs.values("incident").annotate(n=Count("person", distinct=True))
    assert all(row["n"] == 2 for row in per_incident)


def test_old_regions_before_the_2022_reform(run):
    early = rm.Incident.objects.filter(
        source="synth", occurred_at__lt=dt.datetime(2022, 6, 1, tzinfo=dt.UTC)
    )
    semey = early.filter(district__kato_code="101000000")
    assert semey.exists()
    assert set(semey.values_list("district__parent__kato_code", flat=True)) == {"630000000"}
    late = rm.Incident.objects.filter(
        source="synth", district__kato_code="101000000", occurred_at__year=2023
    )
    assert set(late.values_list("district__parent__kato_code", flat=True)) == {"100000000"}


def test_orders_follow_the_rules(run):
    today = timezone.localdate()
    orders = rm.ProtectiveOrder.objects.filter(source="synth").select_related(
        "incident", "offender", "district"
    )
    for order in orders.prefetch_related("protected_persons", "check_ins", "violations"):
        assert local_day(order.incident.occurred_at) <= order.issued_on <= today
        assert order.district.exists_on(order.issued_on)
        protected = {p.pk for p in order.protected_persons.all()}
        assert protected and order.offender_id not in protected
        assert (order.offender.age_on(order.issued_on) or 0) >= 16
        assert order.term_days == legal_rule("protective_order.term_days", order.issued_on).value
        if order.served_on:
            assert order.issued_on <= order.served_on <= today
            assert order.ends_on == order.served_on + dt.timedelta(days=order.term_days - 1)
        for check in order.check_ins.all():
            assert order.status_on(check.checked_on) in ("active", "violated", "extended")
            assert check.checked_on <= today
        for violation in order.violations.all():
            assert order.served_on and order.ends_on
            assert order.served_on <= violation.occurred_on <= min(order.ends_on, today)
            assert not (order.revoked_on and violation.occurred_on >= order.revoked_on)
            if violation.occurred_on >= cal.NO_WARNING_FROM:
                assert violation.sanction != "warning"


def test_requirements_follow_the_law_of_their_day(run):
    today = timezone.localdate()
    requirements = rm.BehaviourRequirement.objects.filter(source="synth").select_related(
        "incident", "district"
    )
    assert requirements.filter(conditions__icontains="attend_psychocorrection").exists()
    for requirement in requirements.prefetch_related("protected_persons", "violations"):
        day = requirement.decided_on
        assert local_day(requirement.incident.occurred_at) <= day <= today
        assert requirement.district.exists_on(day)
        term = legal_rule("requirement.term_months", day).value
        assert term["min"] <= requirement.term_months <= term["max"]
        assert set(requirement.conditions) <= set(legal_rule("requirement.conditions", day).value)
        assert 0 <= requirement.police_reports_per_month <= 4
        assert requirement.offender_id not in {p.pk for p in requirement.protected_persons.all()}
        for violation in requirement.violations.all():
            assert requirement.starts_on <= violation.occurred_on <= min(requirement.ends_on, today)
            assert violation.condition in requirement.conditions


def test_offences_and_risk_are_never_in_the_future(run):
    today = timezone.localdate()
    offences = rm.Offence.objects.filter(source="synth")
    assert not offences.filter(Q(committed_on__gt=today) | Q(decided_on__gt=today)).exists()
    assert not offences.filter(decided_on__lt=models_f("committed_on")).exists()
    assessments = rm.RiskAssessment.objects.filter(victim__source="synth")
    assert all(local_day(a) <= today for a in assessments.values_list("assessed_at", flat=True))
    assert not rm.Person.objects.filter(source="synth", birth_date__gt=today).exists()


def models_f(name: str):
    from django.db.models import F

    return F(name)


def test_persons_are_keyed_and_encrypted(run):
    persons = rm.Person.objects.filter(source="synth")
    assert not persons.filter(iin_pseudonym__isnull=True).exists()
    assert not persons.filter(surname_token="").exists()
    assert persons.values("iin_pseudonym").distinct().count() == persons.count()


# --- hidden violence ---------------------------------------------------------------------


def test_truth_is_consistent_with_the_database(run, tmp_path):
    frame = district_frame()
    region_of = dict(zip(frame.pk_after.tolist(), frame.region_codes, strict=True))
    region_of.update(zip(frame.pk_before.tolist(), frame.region_codes, strict=True))
    police: dict[tuple[str, int], set[int]] = defaultdict(set)
    for person, district, moment in rm.IncidentParticipant.objects.filter(
        incident__source="synth", role="victim"
    ).values_list("person_id", "incident__district_id", "incident__occurred_at"):
        police[(region_of[district], local_day(moment).year)].add(person)
    registered = Counter(
        (register, region_of[district], day.year)
        for register, district, day in rm.RegisterRecord.objects.filter(source="synth").values_list(
            "register", "district_id", "seen_on"
        )
    )
    path = tmp_path / "truth.csv"
    assert truth_write(run, path) == TruthCount.objects.filter(run=run).count()
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    national_true = national_police = 0
    for row in rows:
        key = (row["region_code"], int(row["year"]))
        true = int(row["true_victims"])
        assert int(row["police"]) == len(police[key])
        for register in rm.Register.values:
            assert int(row[register]) == registered[(register, *key)]
            assert int(row[register]) <= true
        assert int(row["police"]) <= int(row["any_register"]) <= true
        national_true += true
        national_police += int(row["police"])
    assert 0.10 <= national_police / national_true <= 0.30
    assert VictimTruth.objects.filter(run=run).count() == sum(len(v) for v in police.values())


def test_registers_are_positively_dependent(run):
    police_keys = set(VictimTruth.objects.filter(run=run).values_list("truth_key", flat=True))
    health = list(
        RecordTruth.objects.filter(run=run, record__register="health").values_list(
            "truth_key", flat=True
        )
    )
    overall = sum(t.police for t in TruthCount.objects.filter(run=run)) / sum(
        t.true_victims for t in TruthCount.objects.filter(run=run)
    )
    assert sum(k in police_keys for k in health) / len(health) > 1.5 * overall


def test_register_records_carry_linkage_attributes_unevenly(run):
    records = rm.RegisterRecord.objects.filter(source="synth")
    social = records.filter(register="social")
    line = records.filter(register="line_111")
    assert social.exclude(iin_pseudonym="").count() / social.count() > 0.85
    assert line.exclude(iin_pseudonym="").count() / max(1, line.count()) < 0.2
    assert line.filter(birth_date__isnull=True).count() > 0


def test_register_records_are_imported_records_with_their_truth_apart(run):
    """What the other registers saw is stored as any import stores it: names only as tokens,
    districts of the day, no truth; who each record truly is lives only in RecordTruth."""
    records = rm.RegisterRecord.objects.filter(source="synth")
    assert records.count() > 100
    assert RecordTruth.objects.filter(run=run).count() == records.count()
    assert not RecordTruth.objects.exclude(record__source="synth").exists()
    fields = {f.name for f in rm.RegisterRecord._meta.get_fields()}
    assert not fields & {"truth_key", "surname", "first_name", "patronymic", "iin"}
    assert not records.filter(surname_token="").exists()
    for record in records.order_by("pk")[:50]:
        surname = decrypt_text(record.surname_token)
        assert surname and surname not in record.surname_token
        assert not record.iin_pseudonym.isdigit()
    # The registry's HMAC: a register's IIN finds the police record of the same victim.
    police = set(rm.Person.objects.filter(source="synth").values_list("iin_pseudonym", flat=True))
    assert set(records.values_list("iin_pseudonym", flat=True)) & police
    injuries = Counter(records.values_list("register", "injury"))
    assert injuries[("health", "light")] > 0 and injuries[("line_111", "light")] == 0
    assert {injury for _r, injury in injuries} <= {"", "light", "moderate", "grave"}
    frame = district_frame()
    versions = set(frame.pk_before.tolist()) | set(frame.pk_after.tolist())
    assert set(records.values_list("district_id", flat=True)) <= versions


def test_demo_districts_have_work_today(run):
    today = timezone.localdate()
    for code in ("101000000", "751710000"):
        orders = rm.ProtectiveOrder.objects.filter(source="synth", district__kato_code=code)
        assert orders.in_force_on(today).count() >= 5, code
    both = rm.ProtectiveOrder.objects.filter(
        source="synth", district__kato_code__in=("101000000", "751710000")
    )
    assert both.expiring_within(today, 7).exists()
    assert both.check_overdue(today).exists()


def test_offences_follow_the_law_of_their_day(run):
    """Every synthetic offence passes the registry's own check (registry.lawcheck): an article
    in force for its kind on the day, an outcome the law allows, no second reconciliation."""
    offences = list(
        rm.Offence.objects.filter(source="synth").values(
            "pk", "offender_id", "kind", "article", "committed_on", "decided_on", "outcome"
        )
    )
    reconciled = reconciliations_by_offender(o["offender_id"] for o in offences)
    assert any(o["outcome"] == "reconciliation" for o in offences)
    for o in offences:
        own = o["decided_on"] or o["committed_on"]
        others = list(reconciled.get(o["offender_id"], []))
        if o["outcome"] == "reconciliation":
            others.remove(own)
        breaches = offence_breaches(
            kind=o["kind"],
            article=o["article"],
            committed_on=o["committed_on"],
            decided_on=o["decided_on"],
            outcome=o["outcome"],
            earlier_reconciliations=others,
        )
        assert breaches == [], (o, breaches)
