"""Browser flow for "what happened with my input": a resident finds their contribution "gepubliceerd"
on Mijn inbreng; a policy analyst writes the province's response from the contribution page and
publishes it; the resident gets a mail and finds the contribution "beantwoord" with the response.
axe (WCAG 2.1 AA) on Mijn inbreng, the response form and the notification settings, in Dutch and
English."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from participatie import jobs
from participatie.accounts.models import utcnow
from participatie.accounts.services import create_user
from participatie.contributions.models import Contribution
from participatie.extensions import db
from participatie.permissions import Role
from participatie.projects.models import Project
from participatie.rounds import services as rounds

from .a11y import assert_accessible
from .conftest import screenshot

PASSWORD = "correct-horse-battery-9"
TEXT = "Geen zonnepanelen naast de molen van Rijnauwen, alstublieft."
ANSWER = "We houden minstens 500 meter afstand tot de molen."


@pytest.fixture
def live_app(make_app):
    """CSRF on; jobs wait in the in-process queue until the test runs them (no worker thread)."""
    return make_app(WTF_CSRF_ENABLED=True, REDIS_URL=None, JOBS_WORKER_THREAD=False)


@pytest.fixture
def site(live_app, live_server):
    with live_app.app_context():
        project = Project(slug="zon", title="Zon op land", status="published",
                          area={"type": "Polygon", "coordinates": [[[5.0, 52.0], [5.3, 52.0], [5.3, 52.2],
                                                                    [5.0, 52.2], [5.0, 52.0]]]})
        db.session.add(project)
        db.session.flush()
        round_ = rounds.create_round(project, slug="zon-ronde", title="Waar komen zonnevelden?",
                                     starts_at=utcnow() - timedelta(days=1), ends_at=utcnow() + timedelta(days=20))
        resident = create_user(email="inwoner@example.org", password=PASSWORD, display_name="Inwoner",
                               roles=(Role.RESIDENT,), confirmed=True)
        create_user(email="analist@example.org", password=PASSWORD, display_name="Analist",
                    roles=(Role.POLICY_ANALYST,), confirmed=True)
        db.session.flush()
        contribution = Contribution(
            round_id=round_.id, author_id=resident.id, theme="landschap", text=TEXT, status="published",
            channel="web", geometry={"type": "Point", "coordinates": [5.15, 52.08]}, geometry_type="point",
            place_source="map", min_lon=5.15, max_lon=5.15, min_lat=52.08, max_lat=52.08, place_label="Bunnik")
        db.session.add(contribution)
        db.session.commit()
        live_server.contribution_url = f"/rondes/{round_.slug}/inbreng/{contribution.id}"
    return live_server


def log_in(page, site, email):
    page.goto(site.url("/account/inloggen"))
    page.locator('main input[name="email"]').fill(email)
    page.locator('main input[name="password"]').fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()


def log_out(page):
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("link", name="Inloggen")).to_be_visible()


def check_both_languages(page, site, name, role):
    """axe on the page in Dutch, then in English (the language switch), then back to Dutch."""
    assert_accessible(page, site, name, role=role, language="nl")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_accessible(page, site, name, role=role, language="en")
    page.get_by_role("link", name="Nederlands").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")


def test_resident_sees_the_response_to_their_input(site, live_app, page):
    outbox = live_app.extensions["mail_outbox"]
    log_in(page, site, "inwoner@example.org")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Mijn inbreng").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn inbreng")
    item = page.locator(".my-input-item").filter(has_text=TEXT)
    expect(item.locator(".my-input-status")).to_contain_text("gepubliceerd")
    expect(item.locator(".my-input-status")).not_to_contain_text("beantwoord")
    check_both_languages(page, site, "mijn-inbreng", "resident")

    page.goto(site.url("/account/meldingen"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Meldingen")
    check_both_languages(page, site, "meldingen", "resident")
    answered = page.get_by_label("Een e-mail als de provincie op mijn inbreng reageert")
    expect(answered).to_be_checked()
    page.get_by_role("button", name="Keuzes opslaan").click()
    expect(page.locator(".flash")).to_contain_text("opgeslagen")
    log_out(page)

    log_in(page, site, "analist@example.org")
    page.goto(site.url(site.contribution_url))
    page.get_by_role("link", name="Reageer namens de provincie op deze inbreng").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nieuwe reactie van de provincie")
    expect(page.locator(".chosen-contributions")).to_contain_text("molen van Rijnauwen")
    check_both_languages(page, site, "reactie-formulier", "policy_analyst")
    screenshot(page, "response-form")
    page.get_by_label("Reactie van de provincie").fill(ANSWER)
    page.get_by_label("Fase (niet verplicht)").fill("na vaststelling")
    page.get_by_role("button", name="Opslaan als concept").click()
    expect(page.locator(".flash")).to_contain_text("concept")
    page.get_by_role("button", name="Reactie publiceren").click()
    expect(page.locator(".flash")).to_contain_text("gepubliceerd")
    page.goto(site.url(site.contribution_url))
    expect(page.locator(".province-response")).to_contain_text(ANSWER)
    log_out(page)

    with live_app.app_context():
        assert jobs.run_pending(live_app) == 1
    [mail] = outbox
    assert mail["To"] == "inwoner@example.org" and ANSWER in mail.get_content()

    log_in(page, site, "inwoner@example.org")
    page.goto(site.url("/mijn-inbreng"))
    item = page.locator(".my-input-item").filter(has_text=TEXT)
    expect(item.locator(".my-input-status")).to_contain_text("beantwoord")
    expect(item.locator(".province-response")).to_contain_text(ANSWER)
    expect(item.locator(".province-response")).to_contain_text("na vaststelling")
    assert_accessible(page, site, "mijn-inbreng-beantwoord", role="resident", language="nl")
    screenshot(page, "my-input-answered")
