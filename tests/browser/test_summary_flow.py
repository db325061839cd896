"""Browser flow: a policy analyst starts a summary of the demo round, watches the progress bar reach
100%, opens a hotspot and lands on the list of its contributions, and publishes the summary, which
then shows on the round page."""
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from participatie import demo, jobs
from participatie.accounts.models import User
from participatie.contributions.models import Contribution
from participatie.extensions import db
from participatie.rounds import services as rounds

from .conftest import answer_tiles, screenshot

ROUND = "kansenkaart-zonnevelden"
# A busy spot on the map near Amersfoort: eight residents drew their point within 100 m of it.
CLUSTER = (5.3700, 52.1700)


@pytest.fixture
def live_app(make_app):
    """Jobs in-process (also under CI's REDIS_URL, where no worker runs for this live server), each
    step slowed a little so the progress bar is seen moving."""
    app = make_app(WTF_CSRF_ENABLED=True, REDIS_URL=None, JOBS_STEP_DELAY=0.15)
    yield app
    jobs.stop_worker(app)


@pytest.fixture
def demo_site(live_app, live_server, page):
    with live_app.app_context():
        demo.load()
        round_ = rounds.get_round(ROUND)
        resident = db.session.scalar(db.select(User).where(User.email == "bewoner@example.nl"))
        for i in range(8):
            lon, lat = CLUSTER[0] + (i % 3) * 0.0004, CLUSTER[1] + (i // 3) * 0.0004
            db.session.add(Contribution(
                round_id=round_.id, author_id=resident.id, theme="landschap", channel="web", status="published",
                text=f"Hier bij de Eem is het uitzicht over de weilanden prachtig ({i + 1}). Geen zonneveld hier.",
                geometry={"type": "Point", "coordinates": [lon, lat]}, geometry_type="point", place_source="map",
                min_lon=lon, max_lon=lon, min_lat=lat, max_lat=lat,
                created_at=datetime.utcnow() - timedelta(days=1), updated_at=datetime.utcnow() - timedelta(days=1)))
        db.session.commit()
    answer_tiles(live_app, page)
    return live_server


def test_policy_analyst_summarises_opens_a_hotspot_and_publishes(demo_site, page):
    page.goto(demo_site.url("/account/inloggen"))
    page.locator('main input[name="email"]').fill("beleid@example.nl")
    page.locator('main input[name="password"]').fill(demo.PASSWORD)
    page.locator("main").get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()

    page.goto(demo_site.url("/beheer/samenvattingen"))
    page.get_by_role("link", name="Kansenkaart zonnevelden: waar wel, waar niet?").click()
    page.get_by_role("button", name="Samenvatting maken").click()

    progress = page.locator("#job-progress")
    expect(progress).to_be_visible()
    expect(progress).to_have_attribute("value", "100", timeout=120_000)
    expect(page.locator("#job-percent")).to_have_text("100%")
    screenshot(page, "summary-job-done")
    page.get_by_role("link", name="Bekijk de samenvatting").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Samenvatting")
    expect(page.locator(".hotspot-count").first).to_be_visible()  # the hotspot layer, with its count
    screenshot(page, "summary-draft")
    hotspots = page.locator("#hotspots").locator("..")
    hotspots.get_by_role("link", name="Hotspot 1", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Inbreng: Hotspot 1")
    expect(page.locator(".summary-contributions > li")).to_have_count(8)
    expect(page.locator(".summary-contributions").first).to_contain_text("uitzicht over de weilanden")
    page.get_by_role("link", name="Terug naar de samenvatting").click()

    page.get_by_label("Voor iedereen, op de pagina van de ronde").check()
    page.get_by_role("button", name="Publiceren", exact=True).click()
    expect(page.locator(".flashes")).to_contain_text("gepubliceerd als versie 1")
    expect(page.locator(".summary-status")).to_contain_text("Versie 1")

    page.goto(demo_site.url(f"/rondes/{ROUND}"))
    page.locator("#summary-title").locator("..").get_by_role("link", name="Samenvatting").click()
    expect(page.locator(".summary-status")).to_contain_text("openbaar")
