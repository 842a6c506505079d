"""Synthetic programme data on top of the registry's synthetic requirements.

* Every current region gets a state centre and an NGO (accredited since the law of 16 June
  2024 made programmes obligatory; one NGO in five is still awaiting accreditation), each
  with one programme: a 12-session group programme and a 10-session individual one.
* Every obliged offender (a requirement with ``attend_psychocorrection``) draws, from his
  index case's risk level and prior offences, whether he enrols (about 60%) and completes
  (about 65% of those) — higher risk enrols and completes less (selection). Sessions are
  weekly; a missed session is reported as a possible violation as the service would.
* Re-offending follows :class:`qorgau.programs.evaluation.SimulationModel`: a monthly hazard
  raised by risk and priors and multiplied by ``exp(log_hr)`` (0.7) for completers. A drawn
  re-offence before today is written as an administrative offence (art. 73) in the registry
  (``source="synth"``, ``source_record_id="programs-…"``), where the evaluation finds it like
  any other. The registry's own repeat incidents count too, so the naive contrast between
  completers and the rest is larger than 0.7 and the adjusted one should come near it.

Capacity is set after the fact to the most participants a programme held at once (or a
little more), so today's waiting lists come from the same simulated flows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from qorgau.accounts.models import Organisation, OrganisationKind
from qorgau.lib import phrases
from qorgau.lib.crypto import encrypt_text
from qorgau.programs.evaluation import (
    SimulationModel,
    months_between,
    simulate_choices,
    simulate_months_to_reoffence,
)
from qorgau.programs.models import (
    Accreditation,
    DropOutReason,
    Enrolment,
    EnrolmentStatus,
    Ownership,
    PartnerSafetyReport,
    PossibleViolation,
    Programme,
    ProgrammeFormat,
    Provider,
    ReportStatus,
    SafetyFeeling,
    SessionAttendance,
)
from qorgau.programs.outcomes import offender_events, prior_counts, risk_levels
from qorgau.programs.selectors import obliged_requirements
from qorgau.registry import choices as c
from qorgau.registry.models import Offence
from qorgau.synth.agency_names import provider_names
from qorgau.territory.models import Territory

SOURCE = "synth"
OFFENCE_PREFIX = "programs-"
LAW_IN_FORCE = dt.date(2024, 6, 16)
MODEL = SimulationModel()
PARTNER_WORDS = [
    "Он стал спокойнее, но я всё ещё боюсь, когда он выпивает.",
    "Крики прекратились, детям стало легче.",
    "Ол бағдарламадан кейін өзгерген жоқ, қорқамын.",
    "He has not hit me since he started, but he still controls the money.",
]


def _providers(rng: np.random.Generator) -> dict[int, list[Programme]]:
    """Two providers and their programmes per current region; returns programmes by region."""
    by_region: dict[int, list[Programme]] = defaultdict(list)
    for region in Territory.objects.current().regions().order_by("kato_code"):
        for ownership, name, kind in (
            (Ownership.STATE, "Центр психологической коррекции", ProgrammeFormat.GROUP),
            (Ownership.NGO, "ОФ «Жаңа жол»", ProgrammeFormat.INDIVIDUAL),
        ):
            organisation, _ = Organisation.objects.get_or_create(
                name=f"{name} — {region.name_ru}",
                territory=region,
                defaults={
                    "kind": OrganisationKind.PROGRAM_PROVIDER,
                    **provider_names(name, region),
                },
            )
            pending = ownership == Ownership.NGO and rng.random() < 0.2
            provider = Provider.objects.create(
                organisation=organisation,
                region=region,
                ownership=ownership,
                accreditation=Accreditation.PENDING if pending else Accreditation.ACCREDITED,
                accredited_from=None if pending else LAW_IN_FORCE,
                accredited_until=None if pending else dt.date(2027, 6, 15),
                source=SOURCE,
            )
            programme = Programme.objects.create(
                provider=provider,
                name="«Без насилия»" if kind == ProgrammeFormat.GROUP else "«Жауапкершілік»",
                curriculum=phrases.CURRICULUM,
                sessions=12 if kind == ProgrammeFormat.GROUP else 10,
                format=kind,
                languages=["kk", "ru"],
                capacity=12 if kind == ProgrammeFormat.GROUP else 6,
                accreditation=provider.accreditation,
                accredited_until=provider.accredited_until,
            )
            if not pending:
                by_region[region.pk].append(programme)
    return by_region


def _region_of(requirements: list[Any]) -> dict[int, int]:
    """Today's region of each requirement's district; a district of an old region (before
    2022) is found under its KATO code among today's districts."""
    current = set(Territory.objects.current().regions().values_list("pk", flat=True))
    parents = dict(Territory.objects.values_list("pk", "parent_id"))
    codes = dict(Territory.objects.values_list("pk", "kato_code"))
    today_parent = dict(
        Territory.objects.current().districts().values_list("kato_code", "parent_id")
    )
    result = {}
    for row in requirements:
        parent = parents.get(row["district_id"])
        if parent not in current:
            parent = today_parent.get(codes[row["district_id"]])
        result[row["pk"]] = parent or 0
    return result


def synthesise(*, seed: int, progress: Callable[[str], Any] | None = None) -> dict[str, int]:
    """Providers, programmes, enrolments, sessions, reports and re-offences; row counts."""
    rng = np.random.default_rng(seed + 808)
    today = timezone.localdate()
    with transaction.atomic():
        programmes = _providers(rng)
        requirements = obliged_requirements().filter(starts_on__lte=today)
        rows = list(requirements.values("pk", "offender_id", "district_id", "starts_on", "ends_on"))
        if progress:
            progress(f"programs: {len(rows)} obliged offenders")
        risk = risk_levels(requirements)
        priors = prior_counts(requirements)
        regions = _region_of(rows)
        risk_arr = np.array([risk.get(r["pk"], 1) for r in rows], dtype=float)
        prior_arr = np.minimum(np.array([priors.get(r["pk"], 0) for r in rows], dtype=float), 6)
        groups = simulate_choices(risk_arr, prior_arr, rng, MODEL)
        writer = _Writer(rng, today)
        origins: list[dt.date | None] = []
        never: list[int] = []
        for row, group in zip(rows, groups, strict=True):
            options = programmes.get(regions.get(row["pk"], 0), [])
            if group == "not_attended" or not options:
                never.append(len(origins))
                origins.append(row["starts_on"])  # obliged, never attended
                continue
            programme = options[int(rng.integers(len(options)))]
            origins.append(writer.enrol(row, programme, completes=group == "completed"))
        writer.flush()
        lag = _median_programme_lag(writer.enrolments, rows)
        for i in never:  # followed from the same landmark as the evaluation
            origins[i] = rows[i]["starts_on"] + lag
        offences = _reoffences(rows, origins, writer.completed, risk_arr, prior_arr, rng, today)
        _set_capacities(rng, today)
    counts = writer.counts | {"offences": offences}
    if progress:
        progress(f"programs: {counts}")
    return counts


class _Writer:
    """Builds enrolments with their sessions, then writes them in bulk."""

    def __init__(self, rng: np.random.Generator, today: dt.date) -> None:
        self.rng, self.today = rng, today
        self.enrolments: list[Enrolment] = []
        self.sessions: list[list[SessionAttendance]] = []
        self.completed: set[int] = set()
        self.counts: dict[str, int] = defaultdict(int)

    def enrol(self, row: Any, programme: Programme, *, completes: bool) -> dt.date | None:
        """One participant; returns the programme's end (the time origin) or ``None`` if ongoing."""
        listed = row["starts_on"] + dt.timedelta(days=int(self.rng.integers(3, 30)))
        if listed > self.today:
            return None
        enrolled = listed + dt.timedelta(days=int(self.rng.integers(0, 25)))
        sessions, day, status = [], enrolled, EnrolmentStatus.ENROLLED
        planned = programme.sessions if completes else int(self.rng.integers(1, programme.sessions))
        for number in range(1, planned + 1):
            day = enrolled + dt.timedelta(days=7 * (number - 1) + int(self.rng.integers(0, 3)))
            if day > self.today:
                break
            missed = self.rng.random() < (0.06 if completes else 0.3)
            sessions.append(
                SessionAttendance(
                    number=number,
                    held_on=day,
                    attended=not missed,
                    reason=phrases.MISSED_ILL if missed and self.rng.random() < 0.5 else "",
                )
            )
        ended = None
        if len(sessions) == planned and sessions:
            ended = sessions[-1].held_on + dt.timedelta(days=int(self.rng.integers(0, 5)))
            ended = min(ended, self.today)
            status = EnrolmentStatus.COMPLETED if completes else EnrolmentStatus.DROPPED_OUT
            if completes and sum(s.attended for s in sessions) < programme.sessions_to_complete:
                status = EnrolmentStatus.DROPPED_OUT
        if enrolled > self.today:
            return None
        enrolment = Enrolment(
            requirement_id=row["pk"],
            offender_id=row["offender_id"],
            district_id=row["district_id"],
            programme=programme,
            status=status,
            listed_on=listed,
            enrolled_on=enrolled,
            ended_on=ended,
            drop_out_reason=str(self.rng.choice(DropOutReason.values[:4]))
            if status == EnrolmentStatus.DROPPED_OUT
            else "",
            source=SOURCE,
        )
        self.enrolments.append(enrolment)
        self.sessions.append(sessions)
        if status == EnrolmentStatus.COMPLETED:
            self.completed.add(row["pk"])
        return ended if status != EnrolmentStatus.ENROLLED else None

    def flush(self) -> None:
        Enrolment.objects.bulk_create(self.enrolments, batch_size=2000)
        sessions, reports, partner = [], [], []
        token_cache = [encrypt_text(text) for text in PARTNER_WORDS]
        for enrolment, items in zip(self.enrolments, self.sessions, strict=True):
            for session in items:
                session.enrolment = enrolment
            sessions.extend(items)
            if enrolment.status == EnrolmentStatus.DROPPED_OUT and enrolment.ended_on:
                reports.append(self._report(enrolment, enrolment.ended_on, phrases.DROPPED_OUT))
            if enrolment.enrolled_on and self.rng.random() < 0.1:
                partner.append(self._partner(enrolment, token_cache))
        SessionAttendance.objects.bulk_create(sessions, batch_size=5000)
        for session in sessions:
            if not session.attended:
                reports.append(
                    self._report(
                        session.enrolment, session.held_on, phrases.SESSION_MISSED, session
                    )
                )
        PossibleViolation.objects.bulk_create(reports, batch_size=5000)
        PartnerSafetyReport.objects.bulk_create(partner, batch_size=2000)
        self.counts.update(
            enrolments=len(self.enrolments),
            sessions=len(sessions),
            possible_violations=len(reports),
            partner_reports=len(partner),
        )

    def _report(
        self,
        enrolment: Enrolment,
        day: dt.date,
        text: str,
        session: SessionAttendance | None = None,
    ) -> PossibleViolation:
        age = (self.today - day).days
        status = ReportStatus.OPEN
        if age > 14:
            status = ReportStatus.RECORDED if self.rng.random() < 0.6 else ReportStatus.DISMISSED
        return PossibleViolation(
            enrolment=enrolment,
            requirement_id=enrolment.requirement_id,
            district_id=enrolment.district_id,
            attendance=session,
            occurred_on=day,
            description=text,
            status=status,
        )

    def _partner(self, enrolment: Enrolment, tokens: list[str]) -> PartnerSafetyReport:
        assert enrolment.enrolled_on is not None
        day = min(self.today, enrolment.enrolled_on + dt.timedelta(days=60))
        feeling = str(self.rng.choice(SafetyFeeling.values, p=[0.5, 0.3, 0.2]))
        return PartnerSafetyReport(
            enrolment=enrolment,
            reported_on=day,
            consent_given_on=enrolment.enrolled_on,
            feeling=feeling,
            abuse_since_start=feeling == SafetyFeeling.UNSAFE or self.rng.random() < 0.1,
            text_token=tokens[int(self.rng.integers(len(tokens)))],
        )


def _median_programme_lag(enrolments: list[Enrolment], rows: list[Any]) -> dt.timedelta:
    starts = {row["pk"]: row["starts_on"] for row in rows}
    lags = sorted(
        (e.ended_on - starts[e.requirement_id]).days for e in enrolments if e.ended_on is not None
    )
    return dt.timedelta(days=lags[len(lags) // 2] if lags else 0)


def _reoffences(
    rows: list[Any],
    origins: list[dt.date | None],
    completed: set[int],
    risk: np.ndarray,
    priors: np.ndarray,
    rng: np.random.Generator,
    today: dt.date,
) -> int:
    """Draw each offender's time to re-offence from his origin; write those before today."""
    group = np.array(["completed" if r["pk"] in completed else "other" for r in rows])
    months = simulate_months_to_reoffence(group, risk, priors, rng, MODEL)
    known = offender_events([r["offender_id"] for r in rows])
    offences = []
    for row, origin, wait in zip(rows, origins, months, strict=True):
        if origin is None or wait > months_between(origin, today):
            continue
        day = origin + dt.timedelta(days=max(1, int(wait * 30.44)))
        already = [d for d in known.get(row["offender_id"], []) if origin < d <= day]
        if already or day > today:
            continue  # the registry already holds an earlier re-offence
        offences.append(
            Offence(
                district_id=row["district_id"],
                offender_id=row["offender_id"],
                kind=c.OffenceKind.ADMINISTRATIVE,
                article="73",
                committed_on=day,
                decided_on=min(today, day + dt.timedelta(days=10)),
                outcome=c.OffenceOutcome.FINE,
                source=SOURCE,
                source_record_id=f"{OFFENCE_PREFIX}{row['pk']}",
            )
        )
    Offence.objects.bulk_create(offences, batch_size=2000)
    return len(offences)


def _set_capacities(rng: np.random.Generator, today: dt.date) -> None:
    """Places = the most held at once, or a little fewer so that today some wait."""
    for programme in Programme.objects.filter(provider__source=SOURCE):
        spans = programme.enrolments.values_list("enrolled_on", "ended_on")
        busiest = 0
        for day in (today - dt.timedelta(days=30 * k) for k in range(0, 30)):
            held = sum(
                1 for start, end in spans if start and start <= day and (end is None or end >= day)
            )
            busiest = max(busiest, held)
        programme.capacity = max(programme.capacity, busiest + int(rng.integers(-2, 3)), 1)
        programme.save(update_fields=["capacity"])


def clear() -> None:
    """Remove the synthetic programme rows and the re-offences written into the registry."""
    with transaction.atomic():
        enrolments = Enrolment.objects.filter(source=SOURCE)
        PossibleViolation.objects.filter(enrolment__in=enrolments).delete()
        PartnerSafetyReport.objects.filter(enrolment__in=enrolments).delete()
        SessionAttendance.objects.filter(enrolment__in=enrolments).delete()
        enrolments.delete()
        providers = Provider.objects.filter(source=SOURCE)
        organisation_ids = list(providers.values_list("organisation_id", flat=True))
        Enrolment.objects.filter(programme__provider__in=providers).delete()
        Programme.objects.filter(provider__in=providers).delete()
        providers.delete()
        # Another part may refer to them; a later run then reuses them by name.
        with contextlib.suppress(ProtectedError):
            Organisation.objects.filter(pk__in=organisation_ids, users__isnull=True).delete()
        Offence.objects.filter(source=SOURCE, source_record_id__startswith=OFFENCE_PREFIX).delete()


def demo_adopt(programme: Programme) -> int:
    """The synthetic participants of the region's state centre's programme of the same format
    move to ``programme`` (a demo provider's, set up by the administrator), with their
    sessions and reports, so that its staff have a working day. Safe to re-run; rows moved."""
    if programme.enrolments.exists():
        return 0
    region = programme.provider.region
    synthetic = Programme.objects.filter(
        provider__source=SOURCE,
        provider__region=region,
        provider__ownership=Ownership.STATE,
        format=programme.format,
    ).first()
    if synthetic is None:
        return 0
    moved = Enrolment.objects.filter(programme=synthetic, source=SOURCE).update(programme=programme)
    if moved:
        programme.capacity = max(programme.capacity, synthetic.capacity)
        programme.save(update_fields=["capacity"])
    return int(moved)
