"""Browser flow after the map-table sessions: a policy analyst accepts two proposed zone changes, makes
version 2 of the plan layer and publishes it; the comparison between version 1 and 2 then shows
exactly those two zones with their reasons, in the table and on the map. axe on the proposals page
and the comparison page, in Dutch and English."""
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from participatie.accounts.models import Organisation
from participatie.accounts.services import create_user
from participatie.extensions import db
from participatie.maptable.models import MapTableSession
from participatie.permissions import Role
from participatie.projects.models import Project
from participatie.revisions import services as revisions
from participatie.rounds import services as rounds

from .a11y import assert_accessible
from .conftest import answer_tiles, screenshot

PASSWORD = "correct-horse-battery-9"
ANALYST = "beleid.revisies@example.org"
CATEGORIES = {"A": "kansrijk", "B": "kansrijk", "C": "mogelijk", "D": "uitgesloten"}


def _square(i: int, code: str, category: str) -> dict:
    lon, lat, size = 5.05 + i * 0.05, 52.05, 0.04
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Feature", "properties": {"code": code, "naam": f"Zone {code}", "categorie": category},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


@pytest.fixture
def site(live_app, live_server, page):
    """A published project with an open round, a plan layer of four zones (version 1), a live session
    with two organisations, a policy analyst, and two proposals made in the session."""
    with live_app.app_context():
        project = Project(slug="zon", title="Zon op land", status="published")
        db.session.add(project)
        db.session.flush()
        now = datetime.now(timezone.utc)
        round_ = rounds.create_round(project, slug="zon-ronde", title="Kansenkaart zon",
                                     starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30))
        layer = rounds.add_layer(round_, "Kansenkaart")
        rounds.upload_layer_version(layer, {"type": "FeatureCollection", "features": [
            _square(i, code, category) for i, (code, category) in enumerate(CATEGORIES.items())]})
        sbb, lto = Organisation(name="Staatsbosbeheer"), Organisation(name="LTO Noord")
        db.session.add_all([sbb, lto])
        session = MapTableSession(round_id=round_.id, title="Themasessie natuur", theme="natuur",
                                  starts_at=datetime(2026, 3, 12, 13, 0), code="REVBRW01", status="live", minutes="")
        session.organisations = [sbb, lto]
        db.session.add(session)
        facilitator = create_user("gespreksleider.rev@example.org", PASSWORD, "Gespreksleider",
                                  roles=(Role.FACILITATOR,), confirmed=True)
        create_user(ANALYST, PASSWORD, "Beleidsmedewerker", roles=(Role.POLICY_ANALYST,), confirmed=True)
        db.session.flush()
        ids = []
        for key, to, reason, organisation in (("A", "uitgesloten", "weidevogelgebied", sbb),
                                              ("B", "mogelijk", "zicht op de Kromme Rijn", lto)):
            ids.append(revisions.create_proposal(round_, facilitator, layer_id=layer.id, zone_key=key, to_category=to,
                                                 reason=reason, organisation_id=organisation.id,
                                                 session_id=session.id).id)
        db.session.commit()
        live_server.round_id, live_server.layer_id, live_server.proposal_ids = round_.id, layer.id, ids
    answer_tiles(live_app, page)
    return live_server


def log_in(site, page, email):
    page.goto(site.url("/account/inloggen"))
    page.locator('input[name="email"]').fill(email)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('main form button[type="submit"]').click()  # "Inloggen" or, in English, its translation
    expect(page.locator('form[action$="/account/uitloggen"] button')).to_be_visible()


def in_english(site, page, path):
    page.goto(site.url(f"/taal/en?next={path}"))
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_staff_accept_two_proposals_and_the_comparison_shows_exactly_those(site, page):
    proposals_path = f"/beheer/rondes/{site.round_id}/voorstellen"
    log_in(site, page, ANALYST)
    page.goto(site.url(proposals_path))
    expect(page.get_by_role("heading", level=1)).to_have_text("Voorstellen voor de kaartlagen")
    expect(page.locator(".proposal")).to_have_count(2)
    assert_accessible(page, site, "revisions-proposals", role="policy_analyst", language="nl")

    for number, proposal_id in enumerate(site.proposal_ids, start=1):
        item = page.locator(f"#voorstel-{proposal_id}")
        item.get_by_label("Accepteren").check()
        item.get_by_label("Toelichting (verplicht bij afwijzen)").fill("Akkoord na de sessie.")
        item.get_by_role("button", name="Besluit opslaan").click()
        expect(page.locator(".flash")).to_have_text(f"Voorstel {proposal_id} is geaccepteerd.")
        expect(page.locator(".proposal")).to_have_count(2 - number)
    screenshot(page, "revisies-geaccepteerd")

    page.get_by_label("Notitie bij de nieuwe versie (niet verplicht)").fill("Na de themasessie natuur")
    page.get_by_role("button", name="Nieuwe versie maken").click()
    expect(page.locator(".flash")).to_contain_text("Versie 2 is gemaakt met 2 gewijzigde zones")
    page.get_by_role("button", name="Publiceren versie 2").click()
    expect(page.locator(".flash")).to_have_text("Versie 2 is gepubliceerd.")

    # Visitors find the comparison from the round page.
    page.get_by_role("button", name="Uitloggen").click()
    page.goto(site.url("/rondes/zon-ronde"))
    page.get_by_role("link", name="Wat is er veranderd? Vergelijk de versies van Kansenkaart").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Versies vergelijken: Kansenkaart")
    expect(page.get_by_role("heading", name="Van versie 1 naar versie 2")).to_be_visible()
    rows = page.locator(".compare-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("th")).to_have_text("Zone A")
    expect(rows.nth(0).locator("td").nth(0)).to_have_text("kansrijk")
    expect(rows.nth(0).locator("td").nth(1)).to_have_text("uitgesloten")
    expect(rows.nth(0).locator("td").nth(2)).to_contain_text("weidevogelgebied")
    expect(rows.nth(0).locator("td").nth(2)).to_contain_text("namens Staatsbosbeheer, in Themasessie natuur")
    expect(rows.nth(1).locator("th")).to_have_text("Zone B")
    expect(rows.nth(1).locator("td").nth(1)).to_have_text("mogelijk")
    expect(rows.nth(1).locator("td").nth(2)).to_contain_text("zicht op de Kromme Rijn")
    expect(rows.nth(1).locator("td").nth(2)).to_contain_text("namens LTO Noord")
    # The map shows only the two changed zones.
    expect(page.locator(".compare-map path.leaflet-interactive")).to_have_count(2)
    screenshot(page, "revisies-vergelijking")
    assert_accessible(page, site, "revisions-compare", role="visitor", language="nl")
    compare_path = urlsplit(page.url).path + "?" + urlsplit(page.url).query
    in_english(site, page, compare_path)
    expect(page.locator(".compare-table tbody tr")).to_have_count(2)
    assert_accessible(page, site, "revisions-compare", role="visitor", language="en")

    log_in(site, page, ANALYST)
    page.goto(site.url(proposals_path))
    expect(page.locator("main h1")).to_be_visible()
    assert_accessible(page, site, "revisions-proposals", role="policy_analyst", language="en")


def test_proposal_form_page_is_accessible(site, page):
    log_in(site, page, ANALYST)
    page.goto(site.url("/rondes/zon-ronde/voorstellen/nieuw"))
    expect(page.get_by_label("Zone", exact=True)).to_be_visible()
    page.get_by_label("Zone", exact=True).select_option(label="Zone C (mogelijk)")
    page.get_by_label("Wordt").select_option("kansrijk")
    page.get_by_role("button", name="Voorstel opslaan").click()  # no reason: stays with an error summary
    expect(page.locator(".error-summary")).to_contain_text("Schrijf waarom de zone moet veranderen.")
    expect(page.get_by_label("Zone", exact=True)).to_have_value(f"{site.layer_id}:C")
    assert_accessible(page, site, "revisions-propose", role="policy_analyst", language="nl")
