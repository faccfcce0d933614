"""Statistics in a real browser: the manager opens the dashboard from the navigation, changes the
period, opens the nationality × gender breakdown, exports it as XLSX through the progress bar,
downloads it, and the file opens with the suppressed cells marked with the label."""

from __future__ import annotations

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from kem.management.commands.seed_demo import DEMO_PASSWORD
from kem.models import DownloadJob, DownloadStatus
from tests.otp import browser_log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_manager_exports_a_breakdown_from_the_dashboard(page, demo, tmp_path):
    # The demo holds statistics data: a few hundred people per centre over 18 months.
    last_year = timezone.localdate().year - 1
    browser_log_in(page, "manager.athens", DEMO_PASSWORD)

    # The home panel has this year's figures; the navigation leads to the dashboard.
    page.locator('section[data-panel="statistics"] table[data-table="headline.figures"]').wait_for()
    page.click('a[data-nav="statistics"]')
    page.wait_for_url("**/statistics/")
    headline = page.locator('section[data-key="headline.figures"]')
    headline.locator("canvas").wait_for()
    assert page.evaluate("() => typeof window.Chart === 'function'")
    assert page.locator(".stats").get_attribute("data-view") == "chart"
    this_year = page.locator("[data-scope]").inner_text()

    # Change the period: last year.
    page.select_option("#id_period", "last_year")
    page.click('button[data-action="show"]')
    page.wait_for_url("**period=last_year**")
    assert f"31/12/{last_year}" in page.locator("[data-scope]").inner_text()
    assert page.locator("[data-scope]").inner_text() != this_year

    # The nationality × gender breakdown, as a table.
    page.click('a[data-tab="breakdown"]')
    page.wait_for_url("**/statistics/breakdown/**")
    page.select_option("#id_measure", "served")
    page.select_option("#id_rows", "nationality")
    page.select_option("#id_cols", "gender")
    page.click('button[data-action="show"]')
    page.wait_for_url("**cols=gender**")
    page.click('button[data-action="toggle-view"]')
    table = page.locator("table.stats-table").first
    table.wait_for()
    suppressed = table.locator("td.suppressed")
    assert suppressed.count() > 0
    assert table.locator("td.num:not(.suppressed)").count() > 0  # and some cells are published
    label = suppressed.first.inner_text()
    assert label in ("<10", "x")

    # Export it as XLSX: the download page shows the progress bar, then the link.
    export = page.locator('form[data-form="statistics-export"]')
    export.locator("#id_format").select_option("xlsx")
    export.locator('button[data-action="export"]').click()
    page.wait_for_url("**/downloads/**")
    status = page.locator("#download-status")
    status.wait_for()
    page.locator('#download-status[data-status="ready"]').wait_for()
    job = DownloadJob.objects.get()
    assert job.status == DownloadStatus.READY and job.params["cols"] == "gender"
    with page.expect_download() as download_info:
        page.click("a[data-download]")
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)

    assert saved.name.endswith(".xlsx")
    sheet = load_workbook(saved).active
    cells = [c for row in sheet.iter_rows() for c in row]
    marked = [c for c in cells if c.value == "<10" and c.column > 1 and c.fill.fgColor.rgb.endswith("FFF2CC")]
    assert marked, "no suppressed cell marked with the label"
    assert any(isinstance(c.value, int) and c.value >= 10 for c in cells)  # published counts too
