"""Budget validation: every rule names the row, column and reason; good rows are kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qorgau.audit.models import AuditEntry
from qorgau.budget import services
from qorgau.budget.models import Allocation, AllocationRevision, Execution
from qorgau.conftest import ABAI, ALMATY_CITY

pytestmark = pytest.mark.django_db

ALLOC = list(services.ALLOCATION_COLUMNS)
EXEC = ["region", "year", "month", "sub_programme", "executed", "wages", "goods_services",
        "social_order", "people_served", "bed_nights", "completed", "over_allocation",
        "justification"]  # fmt: skip


def _alloc(actor, approved="1200000", revised=None, reason="", region=ABAI, sub="crisis_centres"):
    return services.budget_rows_store(
        actor=actor,
        kind="allocations",
        records=[
            {
                "region": region,
                "year": 2024,
                "sub_programme": sub,
                "approved": approved,
                "revised": revised,
                "reason": reason,
            }
        ],  # fmt: skip
    )


def _exec(actor, month, executed, **extra):
    record = {"region": ABAI, "year": 2024, "month": month, "sub_programme": "crisis_centres",
              "executed": executed, **extra}  # fmt: skip
    return services.budget_rows_store(actor=actor, kind="execution", records=[record])


def _where(result):
    return [(e.sheet, e.row, e.column) for e in result.errors]


def test_programme_is_loaded_from_the_data_file():
    from qorgau.budget.models import SubProgramme

    codes = set(SubProgramme.objects.values_list("code", flat=True))
    assert {"crisis_centres", "psychocorrection", "hotlines", "training"} <= codes
    assert SubProgramme.objects.get(code="crisis_centres").classification.startswith("06.")


def test_row_errors_name_row_column_and_reason(national_finance, xlsx):
    content = xlsx(
        {
            "allocations": [
                ALLOC,
                [ABAI, 2024, "crisis_centres", 1000, None, None],
                [ABAI, 2024, "crisis_centres", -5, None, None],
                ["999999999", 2024, "crisis_centres", 10, None, None],
                [ABAI, 2024, "nonsense", 10, None, None],
                [ABAI, "twenty", "prevention", 10, None, None],
                [ABAI, 2024, "prevention", "ten", None, None],
            ]
        }
    )
    result = services.workbook_store(actor=national_finance, content=content)
    assert result.created == 1
    assert set(_where(result)) == {
        ("allocations", 3, "approved"),
        ("allocations", 4, "region"),
        ("allocations", 5, "sub_programme"),
        ("allocations", 6, "year"),
        ("allocations", 7, "approved"),
    }
    negative = next(e for e in result.errors if e.row == 3)
    assert "negative" in negative.message


def test_reupload_is_idempotent_and_audited_once(national_finance, xlsx):
    content = xlsx(
        {
            "allocations": [ALLOC, [ABAI, 2024, "crisis_centres", 1200000, None, None]],
            "execution": [
                EXEC,
                [
                    ABAI,
                    2024,
                    1,
                    "crisis_centres",
                    100000,
                    None,
                    None,
                    None,
                    5,
                    40,
                    None,
                    None,
                    None,
                ],
            ],  # fmt: skip
        }
    )
    audits = AuditEntry.objects.count()
    first = services.workbook_store(actor=national_finance, content=content)
    assert (first.created, first.errors) == (2, [])
    assert AuditEntry.objects.count() == audits + 2  # one per sheet that changed
    again = services.workbook_store(actor=national_finance, content=content)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert AuditEntry.objects.count() == audits + 2
    assert Allocation.objects.count() == 1 and Execution.objects.count() == 1
    assert AllocationRevision.objects.count() == 1


def test_revisions_keep_history_and_need_a_reason(national_finance):
    _alloc(national_finance)
    no_reason = _alloc(national_finance, revised="1500000")
    assert _where(no_reason) == [("allocations", 2, "reason")]
    revised = _alloc(national_finance, revised="1500000", reason="maslikhat decision 12")
    assert revised.updated == 1
    allocation = Allocation.objects.get()
    assert (allocation.approved, allocation.revised) == (Decimal("1200000"), Decimal("1500000"))
    history = list(allocation.revisions.values_list("number", "revised", "reason"))
    assert history == [
        (1, Decimal("1200000.00"), ""),
        (2, Decimal("1500000.00"), "maslikhat decision 12"),
    ]


def test_execution_cannot_exceed_the_revised_allocation_without_a_flag(national_finance):
    _alloc(national_finance, approved="1000")
    assert _exec(national_finance, 1, "600").created == 1
    over = _exec(national_finance, 2, "500")
    assert _where(over) == [("form" if False else "execution", 2, "executed")]
    assert "1100.00" in over.errors[0].message and "1000.00" in over.errors[0].message
    flag_only = _exec(national_finance, 2, "500", over_allocation="yes")
    assert _where(flag_only) == [("execution", 2, "justification")]
    justified = _exec(
        national_finance, 2, "500", over_allocation="yes", justification="winter shelter surge"
    )
    assert justified.created == 1
    assert Execution.objects.get(month=2).over_allocation is True


def test_correcting_a_month_counts_the_new_figure_not_both(national_finance):
    _alloc(national_finance, approved="1000")
    _exec(national_finance, 1, "900")
    corrected = _exec(national_finance, 1, "950")
    assert corrected.updated == 1 and not corrected.errors


def test_execution_needs_an_allocation(national_finance):
    result = _exec(national_finance, 1, "10")
    assert _where(result) == [("execution", 2, "sub_programme")]


def test_revised_allocation_cannot_fall_below_what_was_executed(national_finance):
    _alloc(national_finance, approved="1000")
    _exec(national_finance, 1, "800")
    result = _alloc(national_finance, approved="1000", revised="700", reason="cut")
    assert _where(result) == [("allocations", 2, "revised")]


def test_breakdown_must_sum_to_the_executed_amount(national_finance):
    _alloc(national_finance, approved="1000")
    wrong = _exec(national_finance, 1, "100", wages="60", goods_services="30", social_order="0")
    assert _where(wrong) == [("execution", 2, "executed")]
    right = _exec(national_finance, 1, "100", wages="60", goods_services="30", social_order="10")
    assert right.created == 1


def test_outputs_must_fit_the_sub_programme(national_finance):
    _alloc(national_finance, approved="1000")
    result = _exec(national_finance, 1, "10", completed=3)
    assert _where(result) == [("execution", 2, "completed")]


def test_month_and_negative_outputs(national_finance):
    _alloc(national_finance, approved="1000")
    result = _exec(national_finance, 13, "10", people_served=-1)
    assert set(_where(result)) == {("execution", 2, "month"), ("execution", 2, "people_served")}


def test_total_rows_must_equal_the_sum_of_their_rows(national_finance, xlsx):
    content = xlsx(
        {
            "allocations": [
                ALLOC,
                [ABAI, 2024, "crisis_centres", 1000, None, None],
                [ABAI, 2024, "prevention", 500, None, None],
                [ABAI, 2024, "total", 1600, None, None],
                [ALMATY_CITY, 2024, "crisis_centres", 700, None, None],
                [ALMATY_CITY, 2024, "total", 700, None, None],
            ]
        }
    )
    result = services.workbook_store(actor=national_finance, content=content)
    assert result.created == 1  # Almaty's group adds up; Abai's does not and is kept out
    assert ("allocations", 4, "approved") in _where(result)
    assert ("allocations", 2, "sub_programme") in _where(result)
    assert not Allocation.objects.filter(region__kato_code=ABAI).exists()


def test_duplicate_rows_in_one_file_are_rejected(national_finance, xlsx):
    content = xlsx(
        {
            "allocations": [
                ALLOC,
                [ABAI, 2024, "crisis_centres", 1000, None, None],
                [ABAI, 2024, "crisis_centres", 1000, None, None],
            ]
        }
    )
    result = services.workbook_store(actor=national_finance, content=content)
    assert _where(result) == [("allocations", 3, "sub_programme")]


def test_regional_officer_works_only_in_the_region(abai_finance):
    inside = _alloc(abai_finance, region=ABAI)
    outside = _alloc(abai_finance, region=ALMATY_CITY)
    assert inside.created == 1
    assert _where(outside) == [("allocations", 2, "region")]


def test_only_finance_may_store(make_user):
    from qorgau.accounts.roles import Role
    from qorgau.conftest import COUNTRY

    analyst = make_user(Role.NATIONAL_ANALYST, COUNTRY)
    with pytest.raises(PermissionDenied):
        _alloc(analyst)


def test_single_save_raises_field_errors(national_finance):
    with pytest.raises(ValidationError) as caught:
        services.allocation_save(
            actor=national_finance,
            values={
                "region": ABAI,
                "year": 2024,
                "sub_programme": "crisis_centres",
                "approved": "-1",
            },  # fmt: skip
            source="entry",
        )
    assert "approved" in caught.value.message_dict


def test_damaged_file_is_a_clear_error(national_finance):
    with pytest.raises(ValidationError):
        services.workbook_store(actor=national_finance, content=b"not a workbook")


def test_programme_reload_is_idempotent_and_retires_missing_codes(tmp_path):
    from django.core.management import call_command

    from qorgau.budget.models import SubProgramme
    from qorgau.budget.programme import PROGRAMME_FILE, programme_load

    before = list(SubProgramme.objects.values_list("code", "classification", "active"))
    call_command("budget_load_programme", stdout=None)
    assert list(SubProgramme.objects.values_list("code", "classification", "active")) == before
    shorter = tmp_path / "programme.yaml"
    text = PROGRAMME_FILE.read_text(encoding="utf-8")
    shorter.write_text(text[: text.index("  - code: family_support")], encoding="utf-8")
    programme_load(shorter)
    assert SubProgramme.objects.get(code="family_support").active is False


def test_stored_money_notes_the_months_to_recount(national_finance):
    """The import writes in bulk, so it notes the earliest month it changed for the nightly
    recomputation (``monitoring.recount``); a rejected row notes nothing."""
    from qorgau.monitoring.models import RecountDay

    _alloc(national_finance, approved="1000")
    assert list(RecountDay.objects.values_list("day", flat=True)) == [dt.date(2024, 1, 1)]
    RecountDay.objects.all().delete()
    _exec(national_finance, 3, "100")
    _exec(national_finance, 5, "2000")  # over the allocation without a flag: rejected
    assert list(RecountDay.objects.values_list("day", flat=True)) == [dt.date(2024, 3, 1)]
