"""Map-table sessions in Chromium with two browser contexts (a facilitator's touch screen and a
stakeholder's laptop), on the demo data: input appears live on the other screen within 2 seconds,
in both directions; a participant who loses the connection keeps the text and it is sent when the
connection is back; the integral view lists the theme sessions' input with working filters and
shows a conflict zone. axe on the three screens, in Dutch and English."""
from datetime import datetime

import pytest
from playwright.sync_api import expect

from participatie.accounts.models import Organisation
from participatie.extensions import db
from participatie.maptable import services
from participatie.rounds import services as rounds

from .conftest import answer_tiles
from .a11y import assert_accessible

ROUND = "kansenkaart-zonnevelden"
PASSWORD = "demo-participatie-2026"
ORGANISATIONS = ("LTO Noord", "Staatsbosbeheer", "Rijksdienst voor het Cultureel Erfgoed", "Het Utrechts Landschap")


@pytest.fixture
def site(demo_app, request):
    return request.getfixturevalue("live_server")


@pytest.fixture
def live_session(demo_app):
    """A new live session on landbouw with the four organisations; (id, code)."""
    with demo_app.app_context():
        round_ = rounds.get_round(ROUND)
        ids = [o.id for o in db.session.scalars(db.select(Organisation).where(Organisation.name.in_(ORGANISATIONS)))]
        session = services.create_session(round_, None, title="Testsessie landbouw", theme="landbouw",
                                          starts_at=datetime(2026, 11, 24, 10, 0), status="live",
                                          organisation_ids=ids)
        db.session.commit()
        return session.id, session.code


@pytest.fixture
def second_context(browser):
    """Another browser (its own cookies): the second screen in the room."""
    context = browser.new_context(locale="nl-NL", viewport={"width": 412, "height": 915})
    yield context
    context.close()



def _checked_page(context, app):
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("console", lambda msg: problems.append(f"console: {msg.text}")
            if msg.type == "error" and "Content Security Policy" in msg.text else None)
    page.problems = problems
    answer_tiles(app, page)
    return page


def _log_in(page, site, email):
    page.goto(site.url("/account/inloggen"))
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()


@pytest.fixture
def facilitator_page(page, site, demo_app):
    answer_tiles(demo_app, page)
    _log_in(page, site, "facilitator@example.nl")
    return page


@pytest.fixture
def stakeholder_page(second_context, site, demo_app):
    page = _checked_page(second_context, demo_app)
    _log_in(page, site, "stakeholder@example.nl")
    yield page
    assert not page.problems, page.problems


def _join(page, site, code):
    page.goto(site.url("/kaarttafel"))
    page.get_by_label("Sessiecode").fill(code)
    page.get_by_role("button", name="Meedoen").click()
    expect(page.get_by_text("U geeft inbreng namens: LTO Noord")).to_be_visible()


def test_input_appears_live_on_the_other_screen(facilitator_page, stakeholder_page, site, live_session):
    session_id, code = live_session
    facilitator = facilitator_page
    facilitator.goto(site.url(f"/kaarttafel/sessie/{session_id}/tafel"))
    expect(facilitator.get_by_text(code).first).to_be_visible()
    _join(stakeholder_page, site, code)

    # The stakeholder adds input with the session code: it shows on the facilitator's screen, no reload.
    stakeholder_page.locator("#contribution-text").fill("Graag zonnepanelen op de natte percelen")
    stakeholder_page.locator("[data-mt-form] button[type=submit]").click()
    expect(stakeholder_page.locator("[data-mt-form-status]")).to_contain_text("toegevoegd")
    expect(stakeholder_page.locator("#contribution-text")).to_have_value("")
    feed = facilitator.locator("[data-mt-list]")
    expect(feed.get_by_text("Graag zonnepanelen op de natte percelen")).to_be_visible(timeout=2000)
    expect(facilitator.locator("[data-mt-announce]")).to_have_text("Nieuwe inbreng van LTO Noord", timeout=2000)

    # The facilitator adds input on behalf of LTO: it shows for the stakeholder.
    facilitator.locator("#input-organisation").select_option(label="LTO Noord")
    facilitator.locator("#contribution-text").fill("LTO vraagt om een bufferstrook langs de sloot")
    facilitator.locator("[data-mt-form] button[type=submit]").click()
    expect(stakeholder_page.locator("[data-mt-list]").get_by_text("LTO vraagt om een bufferstrook langs de sloot")
           ).to_be_visible(timeout=2000)
    # No reload happened on either screen: the first item is still the one the script added.
    assert facilitator.locator("[data-mt-list] .mt-item-new").count() >= 1


def test_facilitator_places_a_point_on_the_touch_screen(facilitator_page, site, live_session):
    """The existing drawing tools of the round map (static/js/map.js) work on the facilitator's screen."""
    session_id, _code = live_session
    page = facilitator_page
    page.goto(site.url(f"/kaarttafel/sessie/{session_id}/tafel"))
    expect(page.locator("[data-map-tools]")).to_be_visible()
    page.get_by_role("button", name="Punt").focus()
    page.keyboard.press("Enter")
    page.locator(".map.leaflet-container").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".map-status")).to_contain_text("Plek gekozen")
    page.locator("#input-organisation").select_option(label="Rijksdienst voor het Cultureel Erfgoed")
    page.locator("#contribution-text").fill("Hier ligt een oude kade")
    page.locator("[data-mt-form] button[type=submit]").click()
    item = page.locator("[data-mt-list] .mt-item", has_text="Hier ligt een oude kade")
    expect(item).to_be_visible(timeout=2000)
    expect(item.locator(".mt-org")).to_have_text("Rijksdienst voor het Cultureel Erfgoed")
    expect(page.locator("#contribution-geometry")).to_have_value("")  # cleared for the next input
    box = page.locator(".map.leaflet-container").bounding_box()
    assert box["height"] >= 400  # the map fills most of the screen
    controls = "[data-mt-form] button, .mt-status-form button, [data-map-tools] button:visible, .leaflet-control-zoom a"
    for button in page.locator(controls).all():
        size = button.bounding_box()
        assert size["height"] >= 44 and size["width"] >= 44, button.inner_text()


def test_lost_connection_keeps_the_text_and_catches_up(facilitator_page, stakeholder_page, second_context, site,
                                                       live_session):
    session_id, code = live_session
    _join(stakeholder_page, site, code)
    facilitator_page.goto(site.url(f"/kaarttafel/sessie/{session_id}/tafel"))

    second_context.set_offline(True)
    stakeholder_page.locator("#contribution-text").fill("Tekst die niet verloren mag gaan")
    stakeholder_page.locator("[data-mt-form] button[type=submit]").click()
    expect(stakeholder_page.locator("[data-mt-form-status]")).to_contain_text("Uw tekst staat nog in het formulier")
    expect(stakeholder_page.locator("#contribution-text")).to_have_value("Tekst die niet verloren mag gaan")
    expect(stakeholder_page.locator("[data-mt-connection]")).to_contain_text("Geen verbinding")
    # Meanwhile the facilitator adds input the stakeholder cannot see yet.
    facilitator_page.locator("#input-organisation").select_option(label="Staatsbosbeheer")
    facilitator_page.locator("#contribution-text").fill("Staatsbosbeheer: houd de bosrand vrij")
    facilitator_page.locator("[data-mt-form] button[type=submit]").click()
    expect(facilitator_page.locator("[data-mt-form-status]")).to_contain_text("toegevoegd")

    second_context.set_offline(False)
    # The form is sent again by itself, and the live view catches up with what was missed.
    expect(facilitator_page.locator("[data-mt-list]").get_by_text("Tekst die niet verloren mag gaan")
           ).to_be_visible(timeout=8000)
    expect(stakeholder_page.locator("[data-mt-list]").get_by_text("Staatsbosbeheer: houd de bosrand vrij")
           ).to_be_visible(timeout=8000)
    assert stakeholder_page.locator("[data-mt-list]").get_by_text("Tekst die niet verloren mag gaan").count() == 1


def test_closed_session_refuses_and_keeps_the_text(facilitator_page, stakeholder_page, site, live_session):
    session_id, code = live_session
    _join(stakeholder_page, site, code)
    facilitator_page.goto(site.url(f"/kaarttafel/sessie/{session_id}/tafel"))
    facilitator_page.get_by_role("button", name="Sessie afronden").click()
    expect(facilitator_page.locator("[data-mt-status]")).to_have_text("afgerond")
    stakeholder_page.locator("#contribution-text").fill("Te laat, maar wel belangrijk")
    stakeholder_page.locator("[data-mt-form] button[type=submit]").click()
    expect(stakeholder_page.locator("[data-mt-error]")).to_contain_text("afgerond")
    expect(stakeholder_page.locator("#contribution-text")).to_have_value("Te laat, maar wel belangrijk")


def test_integral_view_filters_and_conflicts(facilitator_page, site):
    page = facilitator_page
    page.goto(site.url(f"/beheer/rondes/{ROUND}/kaarttafel/integraal"))
    inputs = page.locator("ol.mt-list")
    for text in ("Open polderlandschap", "Nieuwe Hollandse Waterlinie", "Weidevogelgebied", "tweede inkomen"):
        expect(inputs.get_by_text(text, exact=False)).to_be_visible()
    for theme in ("landschap", "cultuurhistorie", "natuur", "landbouw"):
        expect(inputs.locator(".mt-session", has_text=f"Themasessie {theme}").first).to_be_visible()
    expect(page.locator(".mt-conflict").first).to_be_visible()
    expect(page.locator(".mt-conflict").first).to_contain_text("Steun:")

    page.get_by_label("Thema", exact=True).select_option("natuur")
    page.get_by_role("button", name="Filteren").click()
    expect(inputs.get_by_text("Weidevogelgebied", exact=False)).to_be_visible()
    expect(inputs.get_by_text("Open polderlandschap", exact=False)).to_have_count(0)
    assert all(t == "natuur" for t in inputs.locator(".mt-theme").all_inner_texts())

    page.get_by_label("Thema", exact=True).select_option("")
    page.get_by_label("Organisatie", exact=True).select_option(label="LTO Noord")
    page.get_by_role("button", name="Filteren").click()
    expect(inputs.get_by_text("tweede inkomen", exact=False)).to_be_visible()
    assert set(inputs.locator(".mt-org").all_inner_texts()) == {"LTO Noord"}


@pytest.mark.parametrize("language", ["nl", "en"])
def test_maptable_screens_are_accessible(facilitator_page, stakeholder_page, site, live_session, language):
    session_id, code = live_session
    for page in (facilitator_page, stakeholder_page):
        page.goto(site.url(f"/taal/{language}?next=/"))
    # Labels by id: the English texts come with the lead's translation run.
    stakeholder_page.goto(site.url(f"/kaarttafel/{code}"))
    expect(stakeholder_page.locator("#join-session-code")).to_have_value(code)
    stakeholder_page.locator("form.maptable-join button[type=submit]").click()
    expect(stakeholder_page.locator("[data-mt-form]")).to_be_visible()
    assert_accessible(stakeholder_page, site, "maptable-participant", role="stakeholder", language=language)
    stakeholder_page.goto(site.url("/kaarttafel"))
    assert_accessible(stakeholder_page, site, "maptable-join", role="stakeholder", language=language)
    facilitator_page.goto(site.url(f"/kaarttafel/sessie/{session_id}/tafel"))
    expect(facilitator_page.locator("[data-mt-form]")).to_be_visible()
    assert_accessible(facilitator_page, site, "maptable-facilitator", role="facilitator", language=language)
    facilitator_page.goto(site.url(f"/beheer/rondes/{ROUND}/kaarttafel/integraal"))
    assert_accessible(facilitator_page, site, "maptable-integral", role="facilitator", language=language)
    facilitator_page.goto(site.url(f"/beheer/kaarttafel/{session_id}"))
    assert_accessible(facilitator_page, site, "maptable-manage", role="facilitator", language=language)
