"""Browser flow: a policy analyst exports the demo round as XLSX from the round page and gets the
file; a resident sees no export link and is refused the export page."""
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import func, select

from participatie import demo
from participatie.audit.models import AuditEntry
from participatie.contributions.models import PUBLISHED, Contribution
from participatie.extensions import db
from participatie.rounds.models import Round

from .conftest import screenshot

ROUND = "kansenkaart-zonnevelden"


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
