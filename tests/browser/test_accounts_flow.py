"""Accounts in a real browser: a resident registers, confirms, logs in, switches language, logs out;
a resident is refused the staff area."""
import re

from playwright.sync_api import expect

from participatie.accounts import services
from participatie.extensions import db
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD

LOGOUT_BUTTON = "form[action='/account/uitloggen'] button"


def _confirm_link(live_app, to: str) -> str:
    mails = [m for m in live_app.extensions["mail_outbox"] if m["To"] == to]
    assert len(mails) == 1
    return re.search(r"https?://\S+", mails[0].get_content()).group(0)


def _log_in(page, email: str, password: str = PASSWORD) -> None:
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord", exact=True).fill(password)
    page.get_by_role("button", name="Inloggen").click()


def test_resident_registers_confirms_logs_in_switches_language_and_logs_out(live_server, live_app, page):
    page.goto(live_server.url("/account/registreren"))
    expect(page.get_by_text("U hoeft uw echte naam niet te gebruiken")).to_be_visible()
    page.get_by_label("E-mailadres").fill("anna@example.nl")
    page.get_by_label("Naam die anderen zien").fill("Anna uit Houten")
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_label("Herhaal het wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Account maken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kijk in uw e-mail")

    link = _confirm_link(live_app, "anna@example.nl")
    assert link.startswith(live_server.base_url + "/account/bevestigen/")
    page.goto(link)
    expect(page.get_by_text("Uw e-mailadres is bevestigd")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")

    _log_in(page, "anna@example.nl")
    expect(page.get_by_text("Mijn account (Anna uit Houten)")).to_be_visible()
    expect(page.locator(LOGOUT_BUTTON)).to_be_visible()
    screenshot(page, "accounts-logged-in")

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(LOGOUT_BUTTON)).to_be_visible()  # switching language keeps you logged in

    page.locator(LOGOUT_BUTTON).click()
    expect(page.locator(LOGOUT_BUTTON)).to_have_count(0)
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the chosen language outlives the session
    response = page.goto(live_server.url("/account/"))
    assert "/account/inloggen" in page.url and response.ok


def test_resident_is_refused_the_staff_area(live_server, live_app, page):
    with live_app.app_context():
        services.create_user("bert@example.nl", PASSWORD, "Bert", confirmed=True)
        db.session.commit()
    page.goto(live_server.url("/account/inloggen"))
    _log_in(page, "bert@example.nl")
    expect(page.get_by_text("Mijn account (Bert)")).to_be_visible()
    response = page.goto(live_server.url("/beheer/gebruikers"))
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("U hebt geen toegang tot deze pagina.")
    screenshot(page, "accounts-staff-refused")
