"""A region's finance officer uploads the budget workbook and reads the execution table, in a
real Chromium, in Kazakh.

The workbook (allocations of two years and the first months' execution, one row wrong) goes up
through the Upload page; the job's page shows its progress while the background job stores
the rows, then the counts and the rejected row. The officer then chooses the year on the
budget page and reads the region's figures; at 1366 pixels the table's last column is not cut
off.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

from qorgau.accounts.roles import Role
from qorgau.budget import uploads
from qorgau.budget.models import Allocation, Execution, UploadJob
from qorgau.budget.tests.conftest import workbook
from qorgau.budget.workbook import ALLOCATION_COLUMNS, EXECUTION_COLUMNS
from qorgau.conftest import ABAI
from qorgau.territory.models import Territory
from qorgau.tests.browser import BROWSER_MARKS, sign_in
from qorgau.tests.browser_text import translated

pytestmark = [*BROWSER_MARKS]

LANGUAGE = "kk"


def _shown(value: Decimal) -> str:
    """A figure as the page writes it in the test's language."""
    with translation.override(LANGUAGE):
        return Template("{{ value }}").render(Context({"value": value}))


def _execution(month: int, executed: int, people: int) -> list[object]:
    row = dict.fromkeys(EXECUTION_COLUMNS)
    row.update(
        region=ABAI,
        year=2024,
        month=month,
        sub_programme="crisis_centres",
        executed=executed,
        people_served=people,
        bed_nights=people * 12,
    )
    return list(row.values())


def _workbook(path: Path) -> Path:
    path.write_bytes(
        workbook(
            {
                "allocations": [
                    list(ALLOCATION_COLUMNS),
                    [ABAI, 2024, "crisis_centres", 125_400_000, None, None],
                    [ABAI, 2024, "psychocorrection", 18_250_000, None, None],
                    [ABAI, 2025, "crisis_centres", 131_000_000, None, None],
                    [ABAI, 2025, "no_such_programme", 10, None, None],
                ],
                "execution": [
                    list(EXECUTION_COLUMNS),
                    _execution(1, 9_800_000, 41),
                    _execution(2, 10_150_000, 44),
                    _execution(3, 10_420_500, 47),
                ],
            }
        )
    )
    return path


# The box of each table of the page, of its scroll container, and of its last header cell.
TABLE_BOXES = """() => [...document.querySelectorAll('main table')].map(table => {
  const wrap = table.closest('.table-wrap');
  const style = wrap ? getComputedStyle(wrap) : null;
  const box = element => element.getBoundingClientRect().toJSON();
  const cells = table.querySelectorAll('thead th');
  return {
    table: box(table),
    last: box(cells[cells.length - 1]),
    wrap: wrap ? box(wrap) : null,
    scrolls: !!wrap && ['auto', 'scroll'].includes(style.overflowX)
      && wrap.scrollWidth > wrap.clientWidth,
    viewport: document.documentElement.clientWidth,
  };
})"""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_finance_officer_uploads_the_budget_and_reads_the_year(
    browser_page, make_user, tmp_path, monkeypatch
):
    page = browser_page
    # The job waits for the test (below); its batches are whole groups (region and year), so
    # the workbook is stored in three: 2024's allocations, 2025's, then 2024's execution.
    queued: list[int] = []
    monkeypatch.setattr(uploads, "job_start", queued.append)
    monkeypatch.setattr(uploads, "BATCH_SIZE", 1)
    shown: list[tuple[float, float, str]] = []
    save_progress = uploads._save_progress

    def saved_and_shown(job, result, rows):
        """After each batch, the page shows how far the job got (its script polls)."""
        save_progress(job, result, rows)
        page.wait_for_function(
            "n => document.querySelector('[data-field=processed_rows]').textContent === n",
            arg=str(job.processed_rows),
        )
        bar = page.eval_on_selector("#upload-progress", "bar => [bar.value, bar.max]")
        shown.append((*bar, page.inner_text("dd[data-field=total_rows]")))

    monkeypatch.setattr(uploads, "_save_progress", saved_and_shown)
    officer = make_user(Role.FINANCE_OFFICER, ABAI, username="finance.abai")
    abai = Territory.objects.by_code(ABAI)

    # The live server answers in threads sharing the test's one in-memory database: two
    # requests at once (the page's two charts) find it locked, and so would a request answered
    # while the test itself reads or writes. The charts are fetched one after the other, and
    # the job page's polls only while the test waits for the page.
    page.route("**/budget/chart/*", lambda route: route.fulfill(response=route.fetch()))
    page.route("**/progress/", lambda route: route.continue_())

    sign_in(page, "finance.abai", LANGUAGE)
    page.click("nav.menu a[href$='/budget/']")
    assert page.get_attribute("html", "lang") == LANGUAGE
    assert translated("Budget programme", LANGUAGE) in page.inner_text("main h1")
    assert translated("Budget programme", LANGUAGE) != "Budget programme"

    # The workbook goes up; the job's page follows its progress until the rows are stored.
    page.click("main p.tabs a[href$='/budget/upload/']")
    assert page.inner_text("main h1") == translated("Upload XLSX", LANGUAGE)
    page.set_input_files("#id_file", str(_workbook(tmp_path / "abai-budget-2024-2025.xlsx")))
    page.click("main form.stacked button[type=submit].primary")
    page.wait_for_url("**/budget/upload/*/")
    job = UploadJob.objects.get()
    assert page.inner_text("main h1").endswith("abai-budget-2024-2025.xlsx")
    progress = page.locator("#upload-progress")
    assert progress.is_visible() and progress.get_attribute("value") == "0"
    assert page.inner_text("dd[data-field=status]") == translated("queued", LANGUAGE)
    assert page.inner_text("dd[data-field=total_rows]") == "—"
    # The background job runs here, in the test's thread: a thread of its own cannot share
    # the in-memory test database. The page follows it batch by batch, then reloads at its end.
    assert queued == [job.pk]
    uploads.job_run(job.pk)
    assert shown == [(2, 7, "7"), (4, 7, "7"), (7, 7, "7")]
    page.wait_for_function(
        "done => document.querySelector('[data-field=status]').textContent.trim() === done",
        arg=translated("done", LANGUAGE),
    )
    assert page.locator("#upload-progress[data-progress-url]").count() == 0  # polling ended
    assert progress.get_attribute("value") == progress.get_attribute("max") == "7"
    assert page.inner_text("dd[data-field=total_rows]") == "7"
    assert page.inner_text("dd[data-field=accepted_rows]") == "6"
    assert page.inner_text("dd[data-field=rejected_rows]") == "1"
    reject = page.locator("main tr", has_text="no_such_programme").locator("td")
    unknown = translated("Unknown sub-programme %(code)r.", LANGUAGE) % {
        "code": "no_such_programme"
    }
    assert reject.all_inner_texts() == ["allocations", "5", "sub_programme", unknown]
    assert page.locator(f"main a[href$='/budget/upload/{job.pk}/rejects.csv']").count() == 1
    job.refresh_from_db()
    assert (job.status, job.created_by, job.accepted_rows, job.rejected_rows) == (
        "done",
        officer,
        6,
        1,
    )
    assert [(e["sheet"], e["row"]) for e in job.first_rejects] == [("allocations", 5)]
    stored = {
        (a.year, a.sub_programme.code): a.approved
        for a in Allocation.objects.select_related("sub_programme")
    }
    assert stored == {
        (2024, "crisis_centres"): Decimal("125400000"),
        (2024, "psychocorrection"): Decimal("18250000"),
        (2025, "crisis_centres"): Decimal("131000000"),
    }
    assert Execution.objects.filter(region=abai, year=2024).count() == 3

    # The budget page of the year chosen: the latest year first, 2024 on request.
    page.click("main p.tabs a[href$='/budget/']")
    assert "2025" in page.inner_text("main h1")
    page.select_option("main form.inline select[name=year]", "2024")
    page.click("main form.inline button[type=submit]")
    page.wait_for_url("**/budget/?year=2024")
    assert "2024" in page.inner_text("main h1") and "2025" not in page.inner_text("main h1")
    row = page.locator("main table >> nth=0").locator("tbody tr", has_text=abai.name_kk)
    cells = row.locator("td").all_inner_texts()
    assert cells[1] == _shown(Decimal("143650000.00"))  # approved: both sub-programmes
    assert cells[3] == _shown(Decimal("30370500.00"))  # executed: January to March
    assert cells[6] == "132"  # people served
    assert _shown(Decimal("30370500.00")) in page.inner_text("main table >> nth=1")

    # At 1366 pixels no table is cut off: it fits, or its container scrolls to its last column.
    assert page.viewport_size == {"width": 1366, "height": 900}
    for box in page.evaluate(TABLE_BOXES):
        if box["scrolls"]:
            assert box["wrap"]["right"] <= box["viewport"] + 0.5, box
        else:
            assert box["table"]["right"] <= box["viewport"] + 0.5, box
            assert box["last"]["right"] <= box["viewport"] + 0.5, box
            if box["wrap"]:
                assert box["table"]["right"] <= box["wrap"]["right"] + 0.5, box
