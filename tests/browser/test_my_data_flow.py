"""Privacy in a real browser: the round's privacy statement is shown and ticked before the first
contribution; the resident opens "Mijn gegevens", downloads the JSON, corrects the display name and
deletes the account keeping the contribution anonymised ("een deelnemer"). axe on "Mijn gegevens"
and the delete confirmation, in Dutch and English."""
import json
import re

import pytest
from playwright.sync_api import expect

from participatie import demo
from participatie.accounts.models import User
from participatie.contributions.models import Contribution
from participatie.extensions import db

from .a11y import assert_accessible
from .conftest import answer_tiles
from .test_round_pages import ROUND, RESIDENT

TEXT = "Laat de bomenrij langs het fietspad staan, daar broeden vogels."


@pytest.fixture
def live_app(make_app):
    """CSRF on as in production, and the privacy tick on (the rest of the suite turns it off)."""
    return make_app(WTF_CSRF_ENABLED=True, PRIVACY_ACKNOWLEDGEMENT_REQUIRED=True)


@pytest.fixture
def demo_site(live_app, live_server, page):
    with live_app.app_context():
        demo.load()
    answer_tiles(live_app, page)
    return live_server


def _log_in(site, page):
    page.goto(site.url("/account/inloggen"))
    page.locator('input[name="email"]').fill(RESIDENT)
    page.locator('input[name="password"]').fill(demo.PASSWORD)
    page.locator("main").get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()


def _check_both_languages(site, page, name: str) -> None:
    path = page.url.split(site.base_url, 1)[1]
    assert_accessible(page, site, name, role="resident", language="nl")
    page.goto(site.url(f"/taal/en?next={path}"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_accessible(page, site, name, role="resident", language="en")
    page.goto(site.url(f"/taal/nl?next={path}"))
    expect(page.locator("html")).to_have_attribute("lang", "nl")


def test_resident_reads_privacy_then_sees_downloads_corrects_and_deletes_their_data(demo_site, live_app, page):
    site = demo_site
    _log_in(site, page)

    # The privacy statement comes before the first contribution, and must be ticked as read.
    page.goto(site.url(f"/rondes/{ROUND}/inbreng/nieuw"))
    notice = page.locator("aside.privacy-notice")
    expect(notice.get_by_role("heading", name="Wat gebeurt er met uw inbreng?")).to_be_visible()
    expect(notice).to_contain_text("maanden na het sluiten van de ronde")
    tick = page.get_by_label("Ik heb gelezen wat er met mijn inbreng en gegevens gebeurt.")
    assert page.evaluate(
        "() => { const a = document.querySelector('aside.privacy-notice'),"
        " b = document.querySelector('input[name=privacy_read]');"
        " return !!(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING); }")
    page.get_by_label("Natuur").check()
    page.get_by_label("Uw reactie").fill(TEXT)
    page.get_by_label("Kies een zone").select_option(index=1)
    page.get_by_role("button", name="Inbreng versturen").click()
    expect(page.locator(".error-summary")).to_contain_text("vink dan aan dat u het hebt gelezen")
    expect(page.get_by_label("Uw reactie")).to_have_value(TEXT)
    page.get_by_label("Kies een zone").select_option(index=1)
    tick.check()
    page.get_by_role("button", name="Inbreng versturen").click()
    expect(page.get_by_text(TEXT)).to_be_visible()
    contribution_url = page.url
    assert re.search(rf"/rondes/{ROUND}/inbreng/\d+$", contribution_url)

    # The full statement is a public page.
    page.goto(site.url(f"/rondes/{ROUND}/privacy"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Privacyverklaring")

    # Mijn gegevens: everything held, with the new contribution.
    page.goto(site.url("/account/"))
    page.get_by_role("link", name=re.compile("Mijn gegevens")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn gegevens")
    expect(page.get_by_role("main")).to_contain_text(RESIDENT)
    expect(page.get_by_role("main")).to_contain_text(TEXT)
    _check_both_languages(site, page, "my-data")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download mijn gegevens als JSON").click()
    download = download_info.value
    assert download.suggested_filename == "mijn-gegevens.json"
    data = json.loads(open(download.path(), encoding="utf-8").read())
    assert data["sections"]["account"][0]["email"] == RESIDENT
    assert TEXT in [c["text"] for c in data["sections"]["contributions"]]

    # Correct the display name.
    page.get_by_label("Naam die anderen zien").fill("Anna Nieuw")
    page.get_by_label(re.compile("Postcodegebied")).fill("3511")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_text("Uw gegevens zijn opgeslagen.")).to_be_visible()
    expect(page.get_by_role("link", name="Mijn account (Anna Nieuw)")).to_be_visible()
    page.goto(contribution_url)
    expect(page.get_by_role("main")).to_contain_text("Anna Nieuw")

    # Delete the account, keeping the contribution without a name.
    page.goto(site.url("/account/gegevens"))
    page.get_by_role("link", name="Mijn account verwijderen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Account verwijderen")
    _check_both_languages(site, page, "delete-account")
    page.get_by_label(re.compile("Laat ze staan zonder mijn naam")).check()
    page.get_by_label("Uw wachtwoord").fill("niet-het-wachtwoord")
    page.get_by_role("button", name="Mijn account definitief verwijderen").click()
    expect(page.locator(".error-summary")).to_contain_text("Het wachtwoord klopt niet")
    assert_accessible(page, site, "delete-account-error", role="resident", language="nl")
    page.get_by_label(re.compile("Laat ze staan zonder mijn naam")).check()
    page.get_by_label("Uw wachtwoord").fill(demo.PASSWORD)
    page.get_by_role("button", name="Mijn account definitief verwijderen").click()
    expect(page.get_by_text("Uw account is verwijderd.")).to_be_visible()
    expect(page.get_by_role("button", name="Uitloggen")).to_have_count(0)

    page.goto(contribution_url)
    expect(page.get_by_role("main")).to_contain_text(TEXT)
    expect(page.get_by_role("main")).to_contain_text("een deelnemer")
    expect(page.get_by_role("main")).not_to_contain_text("Anna Nieuw")
    with live_app.app_context():
        assert db.session.scalar(db.select(User).filter_by(email=RESIDENT)) is None
        assert db.session.scalar(db.select(Contribution).filter_by(text=TEXT)).author_id is None
