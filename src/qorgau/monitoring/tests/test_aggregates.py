from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import Workbook

from qorgau.accounts.roles import Role
from qorgau.audit.models import AuditEntry
from qorgau.conftest import ABAI, MEDEU, SEMEY
from qorgau.monitoring import aggregates as agg
from qorgau.monitoring.engine import indicators_compute
from qorgau.monitoring.models import AggregateReport, IndicatorValue, ReportStatus
from qorgau.territory.models import Territory

pytestmark = pytest.mark.django_db
GOOD = {
    "clients_total": 12,
    "clients_women": 7,
    "clients_children": 5,
    "clients_men": 0,
    "beds": 20,
    "bed_days": 300,
    "referrals_from_police": 4,
}


@pytest.fixture
def people(make_user, make_organisation):
    centre = make_organisation("Crisis centre Semey", SEMEY)
    return {
        "centre": make_user(Role.CRISIS_CENTRE, organisation=centre, username="centre"),
        "region": make_user(Role.AKIMAT_COORDINATOR, ABAI, username="region"),
        "other_region": make_user(Role.AKIMAT_COORDINATOR, "750000000", username="almaty"),
        "nation": make_user(Role.NATIONAL_ANALYST, "000000000", username="nation"),
    }


def test_figures_are_checked_for_sign_bounds_and_sums():
    form = agg.report_form("crisis_centre")
    with pytest.raises(ValidationError) as error:
        agg.figures_validate(
            form, {**GOOD, "clients_total": 13, "beds": -1, "bed_days": 10**6, "x": 1}
        )
    fields = error.value.message_dict
    assert {"clients_total", "beds", "bed_days", "__all__"} <= set(fields)
    assert "sum of its parts (12)" in fields["clients_total"][0]
    assert agg.figures_validate(form, GOOD)[0]["clients_total"] == 12


def test_submit_approve_accept_locks_the_figures_and_audits_each_step(people):
    report = agg.report_save(
        actor=people["centre"], form_code="crisis_centre", period="2025-01", values=GOOD
    )
    assert report.status == ReportStatus.DRAFT and report.territory.kato_code == SEMEY
    agg.report_submit(report, actor=people["centre"])
    with pytest.raises(PermissionDenied):
        agg.report_approve(report, actor=people["other_region"])
    with pytest.raises(PermissionDenied):
        agg.report_approve(report, actor=people["centre"])
    agg.report_approve(report, actor=people["region"])
    with pytest.raises(ValidationError, match="locked"):
        agg.report_save(
            actor=people["centre"], form_code="crisis_centre", period="2025-01", values=GOOD
        )
    agg.report_return(report, actor=people["nation"], reason="children count doubtful")
    agg.report_save(
        actor=people["centre"],
        form_code="crisis_centre",
        period="2025-01",
        values={**GOOD, "clients_total": 11, "clients_children": 4},
    )
    agg.report_submit(report, actor=people["centre"])
    agg.report_approve(report, actor=people["region"])
    agg.report_accept(report, actor=people["nation"])
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED and report.locked
    statuses = [
        e.details.get("status")
        for e in AuditEntry.objects.filter(object_type="monitoring.aggregatereport").order_by(
            "position"
        )
    ]
    assert statuses == [
        None,
        "submitted",
        "approved",
        "returned",
        None,
        "submitted",
        "approved",
        "accepted",
    ]


def test_a_month_that_has_not_ended_cannot_be_reported(people):
    with pytest.raises(ValidationError, match="ended"):
        agg.report_save(
            actor=people["centre"], form_code="crisis_centre", period="2099-01", values=GOOD
        )
    with pytest.raises(ValidationError, match="monthly"):
        agg.report_save(
            actor=people["centre"], form_code="crisis_centre", period="2025", values=GOOD
        )


def test_approved_figures_feed_the_indicators(people):
    report = agg.report_save(
        actor=people["centre"], form_code="crisis_centre", period="2025-01", values=GOOD
    )
    agg.report_submit(report, actor=people["centre"])
    indicators_compute()
    semey = Territory.objects.by_code(SEMEY)
    assert not IndicatorValue.objects.filter(
        indicator="crisis_centre_clients_rate"
    ).exists()  # not approved yet
    agg.report_approve(report, actor=people["region"])
    indicators_compute()
    value = IndicatorValue.objects.get(
        indicator="crisis_centre_clients_rate", territory=semey, period="2025-01"
    )
    assert value.numerator == 12
    beds = IndicatorValue.objects.get(
        indicator="shelter_beds_per_10k_women", territory=semey, period="2025"
    )
    assert beds.numerator == pytest.approx(20 / 12)  # a stock: averaged over the year's months
    completeness = IndicatorValue.objects.get(
        indicator="reporting_completeness", territory=semey, period="2025-01"
    )
    assert completeness.numerator == 1 and completeness.denominator == 1


def test_the_pages_run_the_workflow_and_an_xlsx_upload_reports_each_row(people, signed_in):
    centre = signed_in(people["centre"])
    response = centre.post(
        "/monitoring/reports/enter/", {"form_code": "crisis_centre", "period": "2025-02", **GOOD}
    )
    assert response.status_code == 302
    report = AggregateReport.objects.get(period="2025-02")
    assert centre.post(f"/monitoring/reports/{report.pk}/submit/").status_code == 302
    region = signed_in(people["region"])
    region.post(f"/monitoring/reports/{report.pk}/approve/")
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    assert (
        signed_in(people["other_region"]).get(f"/monitoring/reports/{report.pk}/").status_code
        == 404
    )
    book = Workbook()
    sheet = book.active
    sheet.append(["period", "district", "injuries_treated", "reported_to_police"])
    sheet.append(["2025-01", SEMEY, 10, 3])
    sheet.append(["2025-01", MEDEU, 10, 3])  # outside the region
    sheet.append(["2025-13", SEMEY, 1, 1])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "health.xlsx"
    page = region.post(
        "/monitoring/reports/upload/", {"form_code": "health_facility", "file": buffer}
    ).content.decode()
    assert page.count("saved as a draft") == 1 and page.count("rejected") == 2
    assert AggregateReport.objects.filter(form="health_facility").count() == 1
    for role in (Role.AUDITOR, Role.POLICE_INSPECTOR):
        code = SEMEY if role == Role.POLICE_INSPECTOR else "000000000"
        from qorgau.accounts.models import User

        user = User.objects.create(
            username=f"x-{role}", role=role, territory=Territory.objects.by_code(code)
        )
        assert signed_in(user).get("/monitoring/reports/").status_code == 403


def test_the_api_saves_and_moves_reports_and_lists_values(people, signed_in):
    centre = signed_in(people["centre"])
    created = centre.post(
        "/api/v1/aggregate-reports/",
        {"form": "crisis_centre", "period": "2025-03", "figures": GOOD},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["figures"]["clients_total"] == 12
    bad = centre.post(
        "/api/v1/aggregate-reports/",
        {"form": "crisis_centre", "period": "2025-03", "figures": {**GOOD, "clients_total": 99}},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "clients_total" in bad.json()["extra"]["fields"]
    pk = created.json()["id"]
    assert centre.post(f"/api/v1/aggregate-reports/{pk}/submit/").json()["status"] == "submitted"
    assert (
        signed_in(people["region"])
        .post(f"/api/v1/aggregate-reports/{pk}/approve/")
        .json()["status"]
        == "approved"
    )
    assert centre.post(f"/api/v1/aggregate-reports/{pk}/accept/").status_code == 403
    nation = signed_in(people["nation"])
    assert nation.post(f"/api/v1/aggregate-reports/{pk}/accept/").json()["status"] == "accepted"
    assert len(nation.get("/api/v1/indicators/").json()["indicators"]) >= 30
    indicators_compute()
    values = nation.get(
        f"/api/v1/indicator-values/?indicator=crisis_centre_clients_rate&territory={SEMEY}&period=2025-03"
    )
    assert values.json()["results"][0]["numerator"] == 12


def _submitted_history(actor, months: list[str], totals: list[int], men: int = 0) -> None:
    """A year of submitted crisis-centre reports: ``totals`` clients, five of them children."""
    for period, total in zip(months, totals, strict=True):
        values = {
            **GOOD,
            "clients_total": total + men,
            "clients_women": total - 5,
            "clients_children": 5,
            "clients_men": men,
        }
        report = agg.report_save(
            actor=actor, form_code="crisis_centre", period=period, values=values
        )
        agg.report_submit(report, actor=actor)


YEAR_2024 = [f"2024-{m:02d}" for m in range(1, 13)]
TOTALS_2024 = [10, 11, 12, 13, 14, 10, 11, 12, 13, 14, 10, 11]


def test_a_figure_far_from_the_reporters_own_year_is_flagged_and_not_refused(people):
    """Modified z-score on the 12 months before (hand-computed): the totals have median 11.5
    and MAD 1.5, so the spread is 1.4826 × 1.5 and the usual range 11.5 ± 3.5 × 2.224, 4–19."""
    centre = people["centre"]
    _submitted_history(centre, YEAR_2024, TOTALS_2024)

    def flags(total: int, men: int = 0) -> dict[str, agg.OutlierFlag]:
        values = {
            "clients_total": total + men,
            "clients_women": total - 5,
            "clients_children": 5,
            "clients_men": men,
            "beds": 20,
        }
        found = agg.figures_outliers(
            form_code="crisis_centre",
            period="2025-01",
            territory_id=centre.organisation.territory_id,
            organisation_id=centre.organisation_id,
            values=values,
        )
        return {flag.item: flag for flag in found}

    assert "clients_total" not in flags(19)  # 7.5 / 2.224 = 3.37
    total = flags(20)["clients_total"]  # 8.5 / 2.224 = 3.82
    assert (total.median, total.low, total.high, total.months) == (11.5, 4, 19, 12)
    assert set(flags(60)) == {"clients_total", "clients_women"}  # children and beds as usual
    # a count that was always zero: the Poisson spread of 1, so 4 is flagged and 3 is not
    assert "clients_men" in flags(12, men=4) and "clients_men" not in flags(12, men=3)

    report = agg.report_save(
        actor=centre,
        form_code="crisis_centre",
        period="2025-01",
        values={**GOOD, "clients_total": 60, "clients_women": 55},
    )
    assert [flag.item for flag in agg.report_outliers(report)] == ["clients_total", "clients_women"]
    assert agg.report_submit(report, actor=centre).status == ReportStatus.SUBMITTED


def test_too_short_or_unsubmitted_history_flags_nothing(people):
    centre = people["centre"]
    _submitted_history(centre, YEAR_2024[:5], TOTALS_2024[:5])
    for period in YEAR_2024[5:]:  # drafts: not yet the reporter's word
        agg.report_save(actor=centre, form_code="crisis_centre", period=period, values=GOOD)
    report = agg.report_save(
        actor=centre,
        form_code="crisis_centre",
        period="2025-01",
        values={**GOOD, "clients_total": 60, "clients_women": 55},
    )
    assert agg.report_outliers(report) == []


def test_flags_reach_the_reporter_and_the_approver_on_the_pages_and_the_api(people, signed_in):
    centre = people["centre"]
    _submitted_history(centre, YEAR_2024, TOTALS_2024)
    page = signed_in(centre).post(
        "/monitoring/reports/enter/",
        {
            "form_code": "crisis_centre",
            "period": "2025-01",
            **GOOD,
            "clients_total": 60,
            "clients_women": 55,
        },
        follow=True,
    )
    text = page.content.decode()
    assert "60 is far from the last 12 months of this report" in text
    assert "usual range 4–19" in text and "Figures to check" in text
    report = AggregateReport.objects.get(period="2025-01")
    agg.report_submit(report, actor=centre)
    region = signed_in(people["region"])
    assert "Figures to check" in region.get(f"/monitoring/reports/{report.pk}/").content.decode()
    listed = region.get("/api/v1/aggregate-reports/").json()["results"]
    flagged = next(r for r in listed if r["id"] == report.pk)["outliers"]
    assert [(f["item"], f["low"], f["high"]) for f in flagged][0] == ("clients_total", 4, 19)
    region.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    assert "Проверьте" in region.get(f"/monitoring/reports/{report.pk}/").content.decode()


def test_overdue_reports_list_what_each_reporter_owes(people, make_organisation):
    """On 20 April 2025 (due on the 10th of the next month) March and earlier are due."""
    import datetime as dt

    from qorgau.accounts.models import OrganisationKind
    from qorgau.territory.models import Level
    from qorgau.territory.services import territory_scope_ids

    centre, region = people["centre"], people["region"]
    make_organisation("Shelter Semey", SEMEY, kind=OrganisationKind.SHELTER)
    closed = make_organisation("Closed centre", SEMEY)
    closed.is_active = False
    closed.save()
    make_organisation("Family centre Medeu", MEDEU, kind=OrganisationKind.FAMILY_SUPPORT_CENTRE)
    january = agg.report_save(
        actor=centre, form_code="crisis_centre", period="2025-01", values=GOOD
    )
    agg.report_submit(january, actor=centre)
    agg.report_save(actor=centre, form_code="crisis_centre", period="2025-02", values=GOOD)
    semey = Territory.objects.by_code(SEMEY)
    health = agg.report_save(
        actor=region,
        form_code="health_facility",
        period="2025-02",
        values={"injuries_treated": 3, "reported_to_police": 1},
        territory=semey,
    )
    agg.report_submit(health, actor=region)

    day = dt.date(2025, 4, 20)
    owed = agg.reports_overdue(territory_ids={semey.pk}, today=day)
    listed = {(o.form.code, o.reporter, o.period, o.status) for o in owed}
    assert listed == {
        ("crisis_centre", "Crisis centre Semey", "2025-02", "draft"),
        ("crisis_centre", "Crisis centre Semey", "2025-03", ""),
        ("crisis_centre", "Shelter Semey", "2025-01", ""),
        ("crisis_centre", "Shelter Semey", "2025-02", ""),
        ("crisis_centre", "Shelter Semey", "2025-03", ""),
        ("health_facility", semey.name, "2025-03", ""),
    }  # not the closed centre, not the unused forms, not April (due 10 May)
    assert {o.due for o in owed if o.period == "2025-03"} == {dt.date(2025, 4, 10)}
    abai = Territory.objects.get(kato_code=ABAI, level=Level.REGION, valid_to__isnull=True)
    in_abai = agg.reports_overdue(territory_ids=set(territory_scope_ids(abai)), today=day)
    assert listed <= {(o.form.code, o.reporter, o.period, o.status) for o in in_abai}
    almaty = Territory.objects.by_code("750000000")
    in_almaty = agg.reports_overdue(territory_ids=set(territory_scope_ids(almaty)), today=day)
    assert not {o.territory_id for o in in_almaty} & {semey.pk}
    assert len(agg.reports_overdue(today=day)) >= len(owed)
    before_due = agg.reports_overdue(territory_ids={semey.pk}, today=dt.date(2025, 4, 9))
    assert {o.period for o in before_due} == {"2025-01", "2025-02"}  # March not due yet


def test_the_alerts_page_lists_overdue_reports_of_the_users_region(people, signed_in):
    import datetime as dt

    today = dt.date.today()
    last = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    before = (last - dt.timedelta(days=1)).replace(day=1)
    months = [(before - dt.timedelta(days=31 * n)).replace(day=1) for n in (1, 0)]
    report = agg.report_save(
        actor=people["centre"],
        form_code="crisis_centre",
        period=f"{months[0]:%Y-%m}",
        values=GOOD,
    )
    agg.report_submit(report, actor=people["centre"])
    page = signed_in(people["region"]).get("/monitoring/alerts/").content.decode()
    assert "Overdue reports" in page and "Crisis centre Semey" in page
    assert f"{months[1]:%Y-%m}" in page
    other = signed_in(people["other_region"]).get("/monitoring/alerts/").content.decode()
    assert "Overdue reports" in other and "Crisis centre Semey" not in other


def test_completeness_counts_only_what_is_owed_by_those_who_owe_it(
    people, make_organisation, make_user
):
    """Received ≤ expected: a district form is owed by the districts that use it, and a form
    sent by a body that does not owe it (an NGO's crisis-centre form) is not counted."""
    import datetime as dt

    from qorgau.accounts.models import OrganisationKind
    from qorgau.monitoring.measures import reports_expected, reports_received

    centre, region = people["centre"], people["region"]
    ngo = make_organisation("Women's NGO Semey", SEMEY, kind=OrganisationKind.NGO)
    volunteer = make_user(Role.CRISIS_CENTRE, organisation=ngo, username="ngo")
    semey = Territory.objects.by_code(SEMEY)
    for actor, form, values, territory in (
        (centre, "crisis_centre", GOOD, None),
        (volunteer, "crisis_centre", GOOD, None),
        (region, "health_facility", {"injuries_treated": 2, "reported_to_police": 1}, semey),
    ):
        report = agg.report_save(
            actor=actor, form_code=form, period="2025-01", values=values, territory=territory
        )
        agg.report_submit(report, actor=actor)
    january = dt.date(2025, 1, 1)
    received = [r for r in reports_received(None) if r.district_id == semey.pk]
    expected = [r for r in reports_expected(None) if r.district_id == semey.pk]
    assert [r.day for r in received] == [january, january]  # the centre's and the district's
    assert sum(r.day == january for r in expected) == 2
    assert len(expected) >= len(received)


def test_the_report_list_filters_and_pages_on_the_page_and_in_the_api(people, signed_in):
    centre = people["centre"]
    _submitted_history(centre, YEAR_2024, TOTALS_2024)
    agg.report_save(actor=centre, form_code="crisis_centre", period="2025-01", values=GOOD)
    client = signed_in(people["region"])
    drafts = client.get("/monitoring/reports/?status=draft").content.decode()
    assert drafts.count("/monitoring/reports/") >= 1 and ">2025-01<" in drafts
    assert ">2024-05<" not in drafts
    first = client.get("/monitoring/reports/?form=crisis_centre").content.decode()
    assert first.count('href="/monitoring/reports/') >= 13  # every report on one page
    response = client.get("/api/v1/aggregate-reports/?period=2024-05&form=crisis_centre")
    assert response.status_code == 200, response.content[:300]
    api = response.json()
    assert [r["period"] for r in api["results"]] == ["2024-05"]
    assert client.get("/api/v1/aggregate-reports/?status=nonsense").status_code == 400


def test_timeliness_counts_reports_submitted_by_the_due_day(people):
    """Due on the 10th of the following month (Almaty time): the 10th counts, the 11th not."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from qorgau.monitoring.measures import reports_on_time, reports_received

    centre = people["centre"]
    almaty = ZoneInfo("Asia/Almaty")
    stamps = {
        "2025-01": dt.datetime(2025, 2, 10, 23, 30, tzinfo=almaty),  # the last evening
        "2025-02": dt.datetime(2025, 3, 11, 0, 15, tzinfo=almaty),  # just after midnight
    }
    for period, stamp in stamps.items():
        report = agg.report_save(
            actor=centre, form_code="crisis_centre", period=period, values=GOOD
        )
        agg.report_submit(report, actor=centre)
        AggregateReport.objects.filter(pk=report.pk).update(submitted_at=stamp)
    assert agg.due_date("2025-02") == dt.date(2025, 3, 10)
    semey = Territory.objects.by_code(SEMEY).pk
    on_time = [r.day for r in reports_on_time(None) if r.district_id == semey]
    received = [r.day for r in reports_received(dt.date(2025, 2, 1)) if r.district_id == semey]
    assert on_time == [dt.date(2025, 1, 1)]
    assert received == [dt.date(2025, 2, 1)]  # and none before "since"
