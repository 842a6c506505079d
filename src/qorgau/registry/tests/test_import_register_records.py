"""Records of the registers outside the police through the importer: the command end to end,
every bad input, who may import which register, the page and the API."""

from __future__ import annotations

import datetime as dt
import importlib
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise

from qorgau.accounts.models import OrganisationKind
from qorgau.accounts.roles import Role
from qorgau.audit.models import AuditEntry
from qorgau.conftest import ABAI, COUNTRY, KURCHATOV, MEDEU, SEMEY
from qorgau.lib.crypto import decrypt_text
from qorgau.registry.importing import engine, register_records
from qorgau.registry.importing.permissions import may_import, registers_for
from qorgau.registry.models import ImportJob, RegisterRecord
from qorgau.registry.services import iin_pseudonym
from qorgau.registry.tests.test_import_helpers import (
    iin,
    incident_row,
    read_rejects,
    write_csv,
    write_xlsx,
)
from qorgau.territory.models import Kind, Level, Territory

pytestmark = pytest.mark.django_db

REGISTERS = ["health", "crisis_centre", "line_111", "social"]


def run(*args: str) -> int:
    """``qorgau import ...``; the exit code (a CommandError is what manage.py exits 1 for)."""
    try:
        call_command("import", *args)
    except SystemExit as exc:
        return int(exc.code or 0)
    except CommandError:
        return 1
    return 0


def run_records(path: Path, *args: str, register: str = "crisis_centre") -> int:
    return run("register-records", str(path), "--register", register, "--source", "cc", *args)


def tomorrow() -> str:
    return (timezone.localdate() + dt.timedelta(days=1)).isoformat()


def record_row(number: int, **overrides: Any) -> dict[str, Any]:
    row = {
        "record_id": f"CC-{number:04d}",
        "seen_on": "2024-03-06",
        "district": SEMEY,
        "iin": iin(1990, 2 * number, "F"),
        "surname": "Ахметова",
        "first_name": "Әлия",
        "patronymic": "Серікқызы",
        "sex": "",
        "birth_date": "",
        "birth_year": "",
        "injury": "light",
    }
    row.update(overrides)
    return row


def no_iin(number: int, **overrides: Any) -> dict[str, Any]:
    return record_row(number, iin="", **overrides)


def table_text() -> str:
    """Every stored cell of the records table, as one text (to look for what must not be)."""
    table = connection.ops.quote_name(RegisterRecord._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        return " ".join(str(cell) for row in cursor.fetchall() for cell in row)


# --- the command end to end --------------------------------------------------------------------


def test_good_rows_are_stored_encrypted_and_bad_rows_listed(tmp_path: Path) -> None:
    victim = iin(1990, 2, "F")
    rows = [
        record_row(1, iin=victim, sex="M", birth_date="1991-05-05"),  # the IIN wins
        no_iin(2, surname="", patronymic="", first_name="Aigul", sex="F", birth_year="1985"),
        no_iin(3, seen_on="2021-03-06", injury=""),  # the Semey of East Kazakhstan
        no_iin(4, seen_on=tomorrow()),
        no_iin(5, district="999999999"),
        record_row(6, iin="900101400012"),
    ]
    path = write_csv(tmp_path / "records.csv", rows)
    rejects = tmp_path / "rejects.csv"

    assert run_records(path, "--rejects", str(rejects), register="health") == engine.EXIT_REJECTS

    assert [(r["row"], r["field"]) for r in read_rejects(rejects)] == [
        ("5", "seen_on"),
        ("6", "district"),
        ("7", "iin"),
    ]
    first = RegisterRecord.objects.get(source_record_id="CC-0001")
    assert (first.register, first.source, first.district.kato_code) == ("health", "cc", SEMEY)
    assert first.iin_pseudonym == iin_pseudonym(victim)
    assert (first.sex, first.birth_date, first.birth_year) == ("F", dt.date(1990, 3, 1), 1990)
    assert decrypt_text(first.surname_token) == "Ахметова"
    assert decrypt_text(first.patronymic_token) == "Серікқызы"
    assert (first.injury, first.organisation, first.created_by) == ("light", None, None)
    only_first = RegisterRecord.objects.get(source_record_id="CC-0002")
    assert (only_first.surname_token, only_first.iin_pseudonym) == ("", "")
    assert decrypt_text(only_first.first_name_token) == "Aigul"
    assert (only_first.sex, only_first.birth_date, only_first.birth_year) == ("F", None, 1985)
    old = RegisterRecord.objects.get(source_record_id="CC-0003")
    assert old.district.valid_to == dt.date(2022, 6, 7) and old.injury == ""
    stored = table_text()
    for clear in ("Ахметова", "Әлия", "Aigul", victim):
        assert clear not in stored
    job = ImportJob.objects.get()
    assert (job.kind, job.register, job.accepted_rows, job.rejected_rows) == (
        "register-records",
        "health",
        3,
        3,
    )


def test_rerun_adds_nothing_and_other_sources_are_other_records(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "records.csv", [record_row(n) for n in range(1, 6)])

    assert run_records(path, "--batch-size", "2") == engine.EXIT_OK
    assert run_records(path) == engine.EXIT_OK

    assert RegisterRecord.objects.count() == 5
    entries = AuditEntry.objects.filter(object_type="registry.registerrecord")
    assert [entry.details["rows"] for entry in entries.order_by("position")] == [2, 2, 1]
    assert ImportJob.objects.order_by("pk").last().accepted_rows == 0
    assert run("register-records", str(path), "--register", "social", "--source", "soc") == 0
    assert RegisterRecord.objects.filter(register="social").count() == 5


def test_an_incidents_file_is_not_read_as_records(tmp_path: Path, capsys) -> None:
    path = write_csv(tmp_path / "incidents.csv", [incident_row(1)])

    assert run_records(path, "--language", "en") == engine.EXIT_UNREADABLE

    error = capsys.readouterr().err
    assert "Required columns are missing" in error and "seen_on" in error
    assert not RegisterRecord.objects.exists()
    assert ImportJob.objects.get().status == "failed"


def test_xlsx_with_typed_cells(tmp_path: Path) -> None:
    born_2005 = iin(2005, 3, "M")
    rows = [
        record_row(1, iin=int(born_2005), seen_on=dt.date(2024, 3, 6), district=int(SEMEY)),
        no_iin(2, seen_on=dt.datetime(2024, 3, 6), birth_date=dt.date(1990, 1, 1)),
    ]
    path = write_xlsx(tmp_path / "records.xlsx", rows)

    assert run_records(path) == engine.EXIT_OK

    first = RegisterRecord.objects.get(source_record_id="CC-0001")
    assert first.iin_pseudonym == iin_pseudonym(born_2005) and first.sex == "M"
    assert RegisterRecord.objects.get(source_record_id="CC-0002").birth_year == 1990


def test_names_keep_their_letters_in_one_unicode_form(tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "Әлия  Гүл")
    path = write_csv(tmp_path / "records.csv", [no_iin(1, first_name=decomposed)])

    assert run_records(path) == engine.EXIT_OK

    token = RegisterRecord.objects.get().first_name_token
    assert decrypt_text(token) == unicodedata.normalize("NFC", "Әлия Гүл")


# --- bad input: one reason each, the rest of the file kept --------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"seen_on": "tomorrow"}, "seen_on", "This date is in the future."),
        ({"seen_on": "06/03/2024"}, "seen_on", "Not a date"),
        ({"seen_on": ""}, "seen_on", "This column is required."),
        ({"district": ABAI}, "district", "Choose a district"),
        ({"district": "12345"}, "district", "A KATO code has 9 digits."),
        ({"iin": "12345678901"}, "iin", "An IIN has exactly 12 digits."),
        ({"iin": "900101400012"}, "iin", "The check digit of the IIN does not match"),
        ({"iin": "", "birth_date": "tomorrow"}, "birth_date", "This date is in the future."),
        (
            {"iin": "", "birth_date": "2024-03-07"},
            "birth_date",
            "The date of birth is after the day the register saw the person.",
        ),
        (
            {"iin": "", "birth_year": "2025"},
            "birth_year",
            "The date of birth is after the day the register saw the person.",
        ),
        (
            {"iin": "", "birth_date": "1990-01-01", "birth_year": "1991"},
            "birth_year",
            "The year of birth differs from the year of the date of birth.",
        ),
        (
            {"iin": iin(2010, 1), "seen_on": "2009-12-31"},
            "iin",
            "The date of birth is after the day the register saw the person.",
        ),
        ({"sex": "X"}, "sex", "Unknown value; allowed: F, M, U."),
        ({"injury": "bad"}, "injury", "Unknown value; allowed: none, light, moderate, grave"),
    ],
)
def test_each_bad_row_is_rejected_with_its_field_and_reason(
    tmp_path: Path, overrides: dict[str, str], field: str, reason: str
) -> None:
    overrides = {k: tomorrow() if v == "tomorrow" else v for k, v in overrides.items()}
    path = write_csv(tmp_path / "records.csv", [record_row(1), record_row(2, **overrides)])
    rejects = tmp_path / "rejects.csv"

    assert run_records(path, "--rejects", str(rejects)) == engine.EXIT_REJECTS

    [reject] = read_rejects(rejects)
    assert (reject["row"], reject["field"]) == ("3", field)
    assert reject["reason"].startswith(reason), reject["reason"]
    assert list(RegisterRecord.objects.values_list("source_record_id", flat=True)) == ["CC-0001"]


def test_a_district_that_did_not_exist_yet_on_the_day(tmp_path: Path) -> None:
    Territory.objects.create(
        kato_code="109990000",
        level=Level.DISTRICT,
        kind=Kind.DISTRICT,
        name_kk="Жаңа",
        name_ru="Новый",
        name_en="New District",
        valid_from=dt.date(2024, 1, 1),
        parent=Territory.objects.by_code(ABAI),
    )
    rows = [no_iin(1, district="109990000", seen_on="2023-12-31"), no_iin(2, district="109990000")]
    path = write_csv(tmp_path / "records.csv", rows)
    rejects = tmp_path / "rejects.csv"

    assert run_records(path, "--rejects", str(rejects)) == engine.EXIT_REJECTS

    assert [(r["row"], r["field"], r["value"]) for r in read_rejects(rejects)] == [
        ("2", "district", "109990000")
    ]
    assert RegisterRecord.objects.get().source_record_id == "CC-0002"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ((), "Say which register the records come from: health, crisis_centre, line_111, social"),
        (("--register", "police"), "Unknown register “police”; allowed: health, crisis_centre"),
        (("--register", "health", "--source", ""), "--source"),
    ],
)
def test_a_missing_or_unknown_register_is_refused_before_anything_is_read(
    tmp_path: Path, args: tuple[str, ...], needle: str
) -> None:
    path = write_csv(tmp_path / "records.csv", [record_row(1)])
    source = () if "--source" in args else ("--source", "cc")

    with pytest.raises(CommandError, match=re.escape(needle)):
        call_command("import", "register-records", str(path), *source, *args)

    assert run("register-records", str(path), *source, *args) == engine.EXIT_ERROR
    assert not ImportJob.objects.exists() and not RegisterRecord.objects.exists()


def test_a_register_with_a_police_extract_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "incidents.csv", [incident_row(1)])
    with pytest.raises(CommandError, match="only for records of other registers"):
        call_command("import", "incidents", str(path), "--register", "health")
    assert not ImportJob.objects.exists()


def test_the_engine_refuses_a_job_of_records_without_its_register(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "records.csv", [record_row(1)])
    job = ImportJob.objects.create(
        kind="register-records",
        file_name="r.csv",
        stored_path=str(path),
        source="cc",
        language="en",
    )
    outcome = engine.run_import(job)
    assert outcome.exit_code == engine.EXIT_ERROR and "Say which register" in outcome.message
    assert job.status == "failed" and not RegisterRecord.objects.exists()


# --- reasons in the job's language -------------------------------------------------------------


def test_reasons_are_written_in_the_language_of_the_job(tmp_path: Path, monkeypatch) -> None:
    """IN_FUTURE has its translations; a new reason, replaced by a msgid the catalogues already
    have, shows that it too goes through gettext when the rejects file is written."""
    from django.utils.translation import gettext_lazy

    monkeypatch.setattr(
        register_records, "BORN_AFTER_SEEN", gettext_lazy("The request is not valid.")
    )
    rows = [no_iin(1, seen_on=tomorrow()), no_iin(2, birth_date="2024-03-07")]
    path = write_csv(tmp_path / "records.csv", rows)
    expected = {
        "kk": ["Бұл күн әлі келмеген.", "Сұрау жарамсыз."],
        "ru": ["Эта дата еще не наступила.", "Некорректный запрос."],
    }
    for language, reasons in expected.items():
        rejects = tmp_path / f"rejects-{language}.csv"
        run_records(path, "--rejects", str(rejects), "--language", language)
        assert [r["reason"] for r in read_rejects(rejects)] == reasons


def test_every_new_message_is_translatable() -> None:
    from qorgau.registry.importing import permissions

    command = importlib.import_module("qorgau.registry.management.commands.import")

    messages = [
        register_records.REGISTER_REQUIRED,
        register_records.UNKNOWN_REGISTER,
        register_records.REGISTER_ONLY_FOR_RECORDS,
        register_records.BORN_AFTER_SEEN,
        register_records.YEAR_DIFFERS_FROM_DATE,
        permissions.MAY_NOT_IMPORT_KIND,
        permissions.MAY_NOT_IMPORT_REGISTER,
        command.SOURCE_REQUIRED,
        command.MAY_NOT_IMPORT_REGISTER,
    ]
    assert all(isinstance(message, Promise) for message in messages)


# --- who may import which register ------------------------------------------------------------


@pytest.fixture
def personas(make_user, make_organisation, settings) -> dict[str, Any]:
    """One user per way of holding (or not) the register permissions."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only

    def in_organisation(role: str, kind: str, name: str) -> Any:
        return make_user(role, organisation=make_organisation(name, SEMEY, kind), username=name)

    return {
        "clerk": make_user(Role.DATA_CLERK, COUNTRY, username="clerk"),
        "clerk.abai": make_user(Role.DATA_CLERK, ABAI, username="clerk.abai"),
        "crisis": in_organisation(Role.CRISIS_CENTRE, OrganisationKind.CRISIS_CENTRE, "crisis"),
        "shelter": in_organisation(Role.CRISIS_CENTRE, OrganisationKind.SHELTER, "shelter"),
        "health": in_organisation(Role.AGENCY_OFFICER, OrganisationKind.HEALTH, "health"),
        "social": in_organisation(
            Role.AGENCY_OFFICER, OrganisationKind.SOCIAL_PROTECTION, "social"
        ),
        "police.agency": in_organisation(
            Role.AGENCY_OFFICER, OrganisationKind.POLICE, "police.agency"
        ),
        "inspector": make_user(Role.POLICE_INSPECTOR, SEMEY, username="inspector"),
    }


@pytest.mark.parametrize(
    ("who", "registers"),
    [
        ("clerk", REGISTERS),
        ("clerk.abai", REGISTERS),
        ("crisis", ["crisis_centre"]),
        ("shelter", ["crisis_centre"]),
        ("health", ["health"]),
        ("social", ["social"]),
        ("police.agency", []),
        ("inspector", []),
    ],
)
def test_the_registers_each_user_may_import(personas, who: str, registers: list[str]) -> None:
    user = personas[who]
    assert registers_for(user) == registers
    assert may_import(user, "incidents") is (who.startswith("clerk"))


@pytest.mark.parametrize(
    ("who", "register", "code"),
    [
        ("clerk", "line_111", engine.EXIT_OK),
        ("clerk", "health", engine.EXIT_OK),
        ("crisis", "crisis_centre", engine.EXIT_OK),
        ("crisis", "health", engine.EXIT_ERROR),
        ("health", "health", engine.EXIT_OK),
        ("health", "crisis_centre", engine.EXIT_ERROR),
        ("health", "social", engine.EXIT_ERROR),
        ("inspector", "crisis_centre", engine.EXIT_ERROR),
        ("inspector", "health", engine.EXIT_ERROR),
    ],
)
def test_the_command_checks_the_users_register(
    personas, tmp_path: Path, who: str, register: str, code: int
) -> None:
    path = write_csv(tmp_path / "records.csv", [record_row(1)])

    assert run_records(path, "--user", who, register=register) == code

    stored = RegisterRecord.objects.filter(register=register, created_by=personas[who])
    assert stored.count() == (1 if code == engine.EXIT_OK else 0)


def test_a_centre_imports_within_its_territory_and_owns_its_records(
    personas, tmp_path: Path
) -> None:
    rows = [no_iin(1), no_iin(2, district=KURCHATOV), no_iin(3, district=MEDEU)]
    path = write_csv(tmp_path / "records.csv", rows)
    rejects = tmp_path / "rejects.csv"

    code = run_records(path, "--user", "crisis", "--rejects", str(rejects))

    assert code == engine.EXIT_REJECTS
    assert [(r["row"], r["field"], r["reason"]) for r in read_rejects(rejects)] == [
        ("3", "district", "This district is outside your territory."),
        ("4", "district", "This district is outside your territory."),
    ]
    record = RegisterRecord.objects.get()
    assert record.organisation == personas["crisis"].organisation
    assert record.created_by == personas["crisis"]


def test_a_regional_clerk_imports_records_within_the_region(personas, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "records.csv", [no_iin(1, district=KURCHATOV), no_iin(2, district=MEDEU)]
    )
    assert run_records(path, "--user", "clerk.abai", register="line_111") == engine.EXIT_REJECTS
    record = RegisterRecord.objects.get()
    assert (record.district.kato_code, record.organisation) == (KURCHATOV, None)


# --- the Imports page and the API --------------------------------------------------------------


@pytest.fixture
def inline_jobs(settings, tmp_path: Path) -> None:
    settings.QORGAU_IMPORTS_IN_BACKGROUND = False
    settings.VAR_DIR = tmp_path / "var"


def upload(tmp_path: Path, rows: list[dict[str, Any]], name: str = "records.csv") -> Any:
    path = write_csv(tmp_path / name, rows)
    return SimpleUploadedFile(name, path.read_bytes(), content_type="text/csv")


def test_a_crisis_centre_imports_its_records_on_the_page(
    personas, signed_in, tmp_path: Path, inline_jobs, django_capture_on_commit_callbacks
) -> None:
    clerk_job = ImportJob.objects.create(
        kind="incidents", file_name="police.csv", source="kui", created_by=personas["clerk"]
    )
    client = signed_in(personas["crisis"])
    form = client.get(reverse("registry_import:upload"))
    assert form.status_code == 200
    choices = form.context["form"].fields
    assert [kind for kind, _label in choices["kind"].choices] == ["register-records"]
    assert [code for code, _label in choices["register"].choices] == ["", "crisis_centre"]
    assert choices["register"].initial == "crisis_centre"

    rows = [no_iin(1), no_iin(2, seen_on=tomorrow())]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("registry_import:upload"),
            {
                "kind": "register-records",
                "register": "crisis_centre",
                "source": "cc",
                "file": upload(tmp_path, rows),
            },
        )

    job = ImportJob.objects.exclude(pk=clerk_job.pk).get()
    assert response.status_code == 302, response.content.decode()[:2000]
    assert (job.register, job.status, job.accepted_rows, job.rejected_rows) == (
        "crisis_centre",
        "done",
        1,
        1,
    )
    record = RegisterRecord.objects.get()
    assert record.organisation == personas["crisis"].organisation
    assert "crisis centre" in client.get(response.url).content.decode()
    listing = client.get(reverse("registry_import:list")).content.decode()
    assert "records.csv" in listing and "police.csv" not in listing
    assert client.get(reverse("registry_import:detail", args=[clerk_job.pk])).status_code == 404
    rejects = client.get(reverse("registry_import:rejects", args=[job.pk]))
    assert "This date is in the future." in b"".join(rejects.streaming_content).decode("utf-8-sig")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "incidents", "register": ""}, "kind"),
        ({"kind": "register-records", "register": "health"}, "register"),
        ({"kind": "register-records", "register": ""}, "register"),
    ],
)
def test_the_page_refuses_what_a_crisis_centre_may_not_import(
    personas, signed_in, tmp_path: Path, inline_jobs, data: dict[str, str], field: str
) -> None:
    client = signed_in(personas["crisis"])
    response = client.post(
        reverse("registry_import:upload"),
        {**data, "source": "cc", "file": upload(tmp_path, [no_iin(1)])},
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not ImportJob.objects.exists()


def test_a_clerk_is_offered_every_register_and_told_to_choose(
    personas, signed_in, tmp_path: Path, inline_jobs
) -> None:
    client = signed_in(personas["clerk"])
    fields = client.get(reverse("registry_import:upload")).context["form"].fields
    assert [code for code, _label in fields["register"].choices] == ["", *REGISTERS]
    assert "register-records" in [kind for kind, _label in fields["kind"].choices]
    response = client.post(
        reverse("registry_import:upload"),
        {"kind": "register-records", "source": "x", "file": upload(tmp_path, [no_iin(1)])},
    )
    assert "health, crisis_centre, line_111, social" in response.content.decode()
    response = client.post(
        reverse("registry_import:upload"),
        {
            "kind": "incidents",
            "register": "health",
            "source": "x",
            "file": upload(tmp_path, [incident_row(1)]),
        },
    )
    assert "only for records of other registers" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_users_who_may_import_nothing_do_not_reach_the_page(personas, signed_in) -> None:
    for who in ("inspector", "police.agency"):
        client = signed_in(personas[who])
        assert client.get(reverse("registry_import:list")).status_code == 403
        assert client.get(reverse("registry_import:upload")).status_code == 403


def test_api_upload_by_a_health_officer(
    personas, signed_in, tmp_path: Path, inline_jobs, django_capture_on_commit_callbacks
) -> None:
    client = signed_in(personas["health"])

    def post(**data: str) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                "/api/v1/imports/",
                {**data, "source": "polyclinic", "file": upload(tmp_path, [no_iin(1)])},
            )

    response = post(kind="register-records", register="health")
    assert response.status_code == 202, response.content
    status = client.get(f"/api/v1/imports/{response.json()['id']}/").json()
    assert (status["status"], status["register"], status["accepted_rows"]) == ("done", "health", 1)
    assert RegisterRecord.objects.get().organisation == personas["health"].organisation

    refused = post(kind="register-records", register="crisis_centre")
    assert refused.status_code == 403
    assert refused.json()["message"] == "You may not import records of this register."
    assert post(kind="incidents").status_code == 403
    missing = post(kind="register-records")
    assert missing.status_code == 400
    assert "line_111" in str(missing.json()["extra"]["fields"]["register"])
    assert ImportJob.objects.count() == 1
    inspector = signed_in(personas["inspector"])
    assert inspector.post("/api/v1/imports/", {"kind": "register-records"}).status_code == 403
