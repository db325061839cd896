"""Browser flow: a policy analyst exports the demo round as XLSX from the round page and gets the
file; with the job threshold lowered, a large export is built as a job whose progress the analyst
watches before downloading the file; a resident sees no export link and is refused the export page,
the job page and the file."""
import csv
import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import func, select

from participatie import demo, jobs
from participatie.audit.models import AuditEntry
from participatie.contributions.models import PUBLISHED, Contribution
from participatie.extensions import db
from participatie.rounds.models import Round

from .conftest import screenshot

ROUND = "kansenkaart-zonnevelden"


@pytest.fixture
def live_app(make_app, tmp_path):
    """Jobs in-process (also under CI's REDIS_URL, where no worker runs for this live server), each
    progress step slowed a little so the bar is seen before the file is ready."""
    app = make_app(WTF_CSRF_ENABLED=True, REDIS_URL=None, JOBS_STEP_DELAY=0.3,
                   EXPORT_DIR=str(tmp_path / "exports"))
    yield app
    jobs.stop_worker(app)


@pytest.fixture
def demo_site(live_app, live_server):
    with live_app.app_context():
        demo.load()
        db.session.commit()
    return live_server


def log_in(page, site, email):
    page.goto(site.url("/account/inloggen"))
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord", exact=True).fill(demo.PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()


def test_policy_analyst_downloads_the_round_as_xlsx(demo_site, live_app, page, tmp_path):
    log_in(page, demo_site, "beleid@example.nl")
    page.goto(demo_site.url(f"/rondes/{ROUND}"))
    page.get_by_role("link", name="Exporteren voor beleid").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Exporteren")
    expect(page.get_by_role("radio", name=re.compile("Excel-werkmap"))).to_be_checked()
    screenshot(page, "export-ronde")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Downloaden").click()
    download = download_info.value
    assert re.fullmatch(rf"{ROUND}-inbreng-\d{{8}}-\d{{4}}\.xlsx", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    workbook = load_workbook(path, read_only=True)
    assert workbook.sheetnames[:3] == ["contributions", "replies", "votes per zone"]
    with live_app.app_context():
        round_id = db.session.scalar(select(Round.id).where(Round.slug == ROUND))
        published = db.session.scalar(select(func.count(Contribution.id)).where(
            Contribution.round_id == round_id, Contribution.status == PUBLISHED))
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export.xlsx")).one()
        assert entry.details["rows"] == published and entry.actor.email == "beleid@example.nl"
    rows = list(workbook["contributions"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == published > 0
    assert all(row[1] == ROUND for row in rows)


def test_resident_cannot_export(demo_site, page):
    log_in(page, demo_site, "bewoner@example.nl")
    page.goto(demo_site.url(f"/rondes/{ROUND}"))
    expect(page.get_by_role("link", name="GeoJSON (voor GIS)")).to_be_visible()
    expect(page.get_by_role("link", name="Exporteren voor beleid")).to_have_count(0)
    response = page.goto(demo_site.url(f"/beheer/export/{ROUND}"))
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("U hebt geen toegang tot deze pagina.")
    expect(page.get_by_role("button", name="Downloaden")).to_have_count(0)
    screenshot(page, "export-geweigerd")


def test_policy_analyst_watches_a_large_export_job_and_downloads_the_file(demo_site, live_app, page, browser,
                                                                          tmp_path):
    with live_app.app_context():
        round_id = db.session.scalar(select(Round.id).where(Round.slug == ROUND))
        published = db.session.scalar(select(func.count(Contribution.id)).where(
            Contribution.round_id == round_id, Contribution.status == PUBLISHED))
    live_app.config["EXPORT_JOB_THRESHOLD"] = published - 1  # this round is "large" now
    log_in(page, demo_site, "beleid@example.nl")
    page.goto(demo_site.url(f"/beheer/export/{ROUND}"))
    page.get_by_role("radio", name=re.compile("^CSV")).check()
    page.get_by_role("button", name="Downloaden").click()

    expect(page).to_have_url(re.compile(r"/beheer/export/taken/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Export maken")
    bar = page.locator("progress#job-progress")
    expect(bar).to_be_visible()
    expect(page.get_by_label("Voortgang")).to_have_attribute("max", "100")
    expect(page.locator("#job-percent")).to_have_text(re.compile(r"^\d+%$"))
    screenshot(page, "export-taak-voortgang")
    # static/js/job-progress.js follows the job; the bar fills and the link appears.
    link = page.get_by_role("link", name="Download het bestand")
    expect(link).to_be_visible(timeout=30_000)
    expect(bar).to_have_attribute("value", "100")
    expect(page.locator("#job-announce")).to_contain_text("Klaar")
    job_url = page.url
    screenshot(page, "export-taak-klaar")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert re.fullmatch(rf"{ROUND}-inbreng-\d{{8}}-\d{{4}}\.csv", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    with live_app.app_context():
        ids = list(db.session.scalars(select(Contribution.id).where(
            Contribution.round_id == round_id, Contribution.status == PUBLISHED).order_by(Contribution.id)))
        actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert [int(r["id"]) for r in rows] == ids and len(ids) == published
    assert actions[-2:] == ["export.csv", "export.download"]

    # Without JavaScript the page shows the same state after "Ververs" (here: done at once).
    context = browser.new_context(java_script_enabled=False, locale="nl-NL",
                                  storage_state=page.context.storage_state())
    try:
        plain = context.new_page()
        plain.goto(job_url)
        expect(plain.get_by_role("link", name="Download het bestand")).to_be_visible()
        expect(plain.locator("progress#job-progress")).to_have_attribute("value", "100")
    finally:
        context.close()

    # A resident gets neither the page nor the file.
    page.get_by_role("button", name="Uitloggen").click()
    log_in(page, demo_site, "bewoner@example.nl")
    response = page.goto(job_url)
    assert response.status == 403
    expect(page.get_by_role("link", name="Download het bestand")).to_have_count(0)
    response = page.request.get(job_url + "/bestand")
    assert response.status == 403
