"""Browser flows on the demo round "kansenkaart-zonnevelden", in the pages that work without the map:
a keyboard-only resident adds a contribution through the zone path; with JavaScript off the list,
its filters and the form work; a resident votes on a zone and changes the vote; a resident replies;
a closed round shows no forms and refuses a direct POST."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete, func, select

from participatie import demo
from participatie.accounts.models import User, utcnow
from participatie.contributions.models import PUBLISHED, Contribution, Reply, Vote
from participatie.extensions import db
from participatie.rounds import services as rounds

from .conftest import answer_tiles, screenshot

ROUND = "kansenkaart-zonnevelden"
RESIDENT = "bewoner@example.nl"
MAX_TABS = 600


@pytest.fixture
def demo_site(live_app, live_server, page):
    with live_app.app_context():
        demo.load()
    answer_tiles(live_app, page)
    return live_server


def log_in(site, page, email=RESIDENT) -> None:
    page.goto(site.url("/account/inloggen"))
    page.locator('input[name="email"]').fill(email)
    page.locator('input[name="password"]').fill(demo.PASSWORD)
    page.locator("main").get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()


def tab_to(page, locator, limit: int = MAX_TABS) -> None:
    """Press Tab until `locator` has the focus, as a keyboard user would."""
    target = locator.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("el => document.activeElement === el", target):
            return
    raise AssertionError(f"{locator} not reached with {limit} presses of Tab")


def counts(zone_item) -> tuple[int, int]:
    text = zone_item.locator(".zone-counts").inner_text()
    match = re.search(r"(\d+) keer steun, (\d+) keer bezwaar", text)
    return int(match.group(1)), int(match.group(2))


def test_keyboard_only_resident_adds_a_contribution_through_a_zone(demo_site, live_app, page):
    with live_app.app_context():
        zone = rounds.current_zones(rounds.get_round(ROUND))[3]
        zone_id, zone_name = zone.id, zone.name

    page.goto(demo_site.url("/account/inloggen"))
    tab_to(page, page.locator('input[name="email"]'))
    page.keyboard.type(RESIDENT)
    page.keyboard.press("Tab")
    page.keyboard.type(demo.PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()

    page.goto(demo_site.url(f"/rondes/{ROUND}"))
    zone_link = page.locator(f"#zone-{zone_id}").get_by_role("link", name=re.compile("^Reageer op deze zone"))
    tab_to(page, zone_link)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/rondes/{ROUND}/inbreng/nieuw\?zone={zone_id}$"))
    expect(page.get_by_label("Kies een zone")).to_have_value(str(zone_id))

    tab_to(page, page.get_by_role("radio", name="Landschap"))
    page.keyboard.press("ArrowDown")  # arrow keys move through a radio group and choose
    expect(page.get_by_role("radio", name="Cultuurhistorie")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Uw reactie")).to_be_focused()
    page.keyboard.type("Met alleen het toetsenbord: de oude wetering hier verdient bescherming.")
    tab_to(page, page.get_by_role("button", name="Inbreng versturen"))
    page.keyboard.press("Enter")

    expect(page.get_by_text("Dank u wel. Uw inbreng is geplaatst.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Inbreng over cultuurhistorie")
    expect(page.locator(".contribution-facts")).to_contain_text(f"Zone {zone_name}")
    tab_to(page, page.get_by_role("link", name="Terug naar alle inbreng"))
    page.keyboard.press("Enter")
    first = page.locator(".contribution-list > li").first
    expect(first).to_contain_text("Met alleen het toetsenbord: de oude wetering")
    expect(first).to_contain_text("Door Demo bewoner")
    screenshot(page, "ronde-lijst-na-toetsenbord")


def test_without_javascript_list_filters_and_form_work(demo_site, live_app, browser):
    context = browser.new_context(java_script_enabled=False, locale="nl-NL")
    page = context.new_page()
    try:
        log_in(demo_site, page)
        page.goto(demo_site.url(f"/rondes/{ROUND}"))
        page.get_by_role("link", name="Bekijk alle inbreng als lijst").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Alle inbreng")
        expect(page.locator(".pagination")).to_contain_text("Pagina 1 van")

        page.get_by_label("Thema", exact=True).select_option("natuur")
        page.get_by_label("Sorteren", exact=True).select_option("steun")
        page.get_by_role("button", name="Toon inbreng").click()
        expect(page).to_have_url(re.compile(r"thema=natuur.*sorteer=steun|sorteer=steun.*thema=natuur"))
        metas = page.locator(".contribution-meta")
        expect(metas.first).to_be_visible()
        for text in metas.all_inner_texts():
            assert "Thema: natuur" in text
        supports = [int(re.search(r"(\d+) keer steun", t).group(1))
                    for t in page.locator(".contribution-counts").all_inner_texts()]
        assert supports == sorted(supports, reverse=True) and len(supports) == 20
        page.get_by_role("link", name="Volgende pagina").click()
        expect(page.locator(".pagination")).to_contain_text("Pagina 2 van")
        expect(page).to_have_url(re.compile(r"thema=natuur"))

        page.goto(demo_site.url(f"/rondes/{ROUND}/inbreng/nieuw"))
        page.get_by_label("Of kies een gemeente").select_option(label="Houten")
        page.get_by_label("Uw reactie").fill("   ")
        page.get_by_role("button", name="Inbreng versturen").click()
        expect(page.locator(".error-summary")).to_contain_text("Kies een thema")
        expect(page.locator(".error-summary")).to_contain_text("Alleen spaties of witregels is niet genoeg")
        expect(page.get_by_label("Of kies een gemeente")).to_have_value("houten")  # kept

        page.get_by_role("radio", name="Landbouw").check()
        page.get_by_label("Uw reactie").fill("Zonder JavaScript: laat de akkers rond Houten voor de boeren.")
        page.get_by_role("button", name="Inbreng versturen").click()
        expect(page.get_by_text("Dank u wel. Uw inbreng is geplaatst.")).to_be_visible()
        expect(page.get_by_role("heading", level=1)).to_have_text("Inbreng over landbouw: Houten")
        expect(page.locator(".contribution-text")).to_contain_text("laat de akkers rond Houten")

        page.goto(demo_site.url(f"/rondes/{ROUND}/inbreng?thema=landbouw"))
        expect(page.locator(".contribution-list > li").first).to_contain_text("laat de akkers rond Houten")
        screenshot(page, "ronde-lijst-zonder-javascript")
    finally:
        context.close()


def test_resident_votes_on_a_zone_and_changes_the_vote(demo_site, live_app, page):
    with live_app.app_context():
        round_ = rounds.get_round(ROUND)
        zone = rounds.current_zones(round_)[0]
        resident = db.session.scalar(select(User).where(User.email == RESIDENT))
        # Start from no vote by this resident on this zone, whatever the demo data drew.
        db.session.execute(delete(Vote).where(Vote.user_id == resident.id, Vote.layer_id == zone.layer_id,
                                              Vote.zone_key == zone.key))
        db.session.commit()
        zone_id = zone.id

    log_in(demo_site, page)
    page.goto(demo_site.url(f"/rondes/{ROUND}"))
    item = page.locator(f"#zone-{zone_id}")
    support, objection = counts(item)

    item.get_by_role("button", name=re.compile("^Steun")).click()
    expect(page.get_by_text("Uw steun is opgeslagen.")).to_be_visible()
    item = page.locator(f"#zone-{zone_id}")
    expect(item.locator(".vote-state")).to_have_text("U steunt dit.")
    assert counts(item) == (support + 1, objection)
    expect(item.get_by_role("button", name=re.compile("^Steun"))).to_have_attribute("aria-pressed", "true")

    item.get_by_role("button", name=re.compile("^Bezwaar")).click()
    expect(page.get_by_text("Uw bezwaar is opgeslagen.")).to_be_visible()
    item = page.locator(f"#zone-{zone_id}")
    expect(item.locator(".vote-state")).to_have_text("U hebt hier bezwaar tegen.")
    assert counts(item) == (support, objection + 1)

    item.get_by_role("button", name=re.compile("^Stem intrekken")).click()
    expect(page.get_by_text("Uw stem is ingetrokken.")).to_be_visible()
    item = page.locator(f"#zone-{zone_id}")
    expect(item.locator(".vote-state")).to_have_count(0)
    assert counts(item) == (support, objection)
    screenshot(page, "ronde-zone-stemmen")


def test_resident_replies_under_a_contribution(demo_site, live_app, page):
    with live_app.app_context():
        round_ = rounds.get_round(ROUND)
        contribution_id = db.session.scalar(
            select(Contribution.id).where(Contribution.round_id == round_.id, Contribution.status == PUBLISHED)
            .order_by(Contribution.created_at.desc()).limit(1))
        before = db.session.scalar(select(func.count()).select_from(Reply).where(
            Reply.contribution_id == contribution_id, Reply.status == PUBLISHED))

    log_in(demo_site, page)
    page.goto(demo_site.url(f"/rondes/{ROUND}/inbreng/{contribution_id}"))
    page.get_by_label("Uw antwoord").fill("Eens! En let ook op de weidevogels <em>hier</em>.")
    page.get_by_role("button", name="Antwoord plaatsen").click()

    expect(page.get_by_text("Uw antwoord is geplaatst.")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/inbreng/{contribution_id}#antwoord-\d+$"))
    reply = page.locator(".reply-list > li").last
    expect(reply).to_contain_text("Eens! En let ook op de weidevogels <em>hier</em>.")  # shown as typed
    expect(reply).to_contain_text("Door Demo bewoner")
    expect(page.locator("#replies-title")).to_have_text(re.compile(rf"^{before + 1} antwoord"))


def test_closed_round_shows_no_forms_and_refuses_a_direct_post(demo_site, live_app, page):
    with live_app.app_context():
        round_ = rounds.get_round(ROUND)
        round_.ends_at = utcnow() - timedelta(hours=1)
        db.session.commit()
        zone_id = rounds.current_zones(round_)[0].id
        contribution_id = db.session.scalar(select(Contribution.id).where(
            Contribution.round_id == round_.id, Contribution.status == PUBLISHED).limit(1))
        totals = (db.session.scalar(select(func.count()).select_from(Contribution)),
                  db.session.scalar(select(func.count()).select_from(Vote)))

    log_in(demo_site, page)
    page.goto(demo_site.url(f"/rondes/{ROUND}"))
    expect(page.get_by_text("Deze ronde is gesloten.").first).to_be_visible()
    expect(page.locator("#contribution-form")).to_have_count(0)
    expect(page.locator("main textarea")).to_have_count(0)
    expect(page.locator(".vote-form")).to_have_count(0)
    expect(page.locator(".zone-counts").first).to_be_visible()  # counts stay readable
    page.goto(demo_site.url(f"/rondes/{ROUND}/inbreng"))
    expect(page.locator(".contribution-list > li").first).to_be_visible()
    expect(page.locator(".vote-form")).to_have_count(0)
    page.goto(demo_site.url(f"/rondes/{ROUND}/inbreng/{contribution_id}"))
    expect(page.locator("main textarea")).to_have_count(0)
    expect(page.get_by_text("Deze ronde is gesloten. U kunt niet meer antwoorden.")).to_be_visible()

    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    response = page.request.post(demo_site.url(f"/rondes/{ROUND}/inbreng/nieuw"), multipart={
        "csrf_token": token, "theme": "natuur", "text": "Toch nog even", "place": "houten"})
    assert response.status == 403 and "Deze ronde is gesloten" in response.text()
    response = page.request.post(demo_site.url(f"/rondes/{ROUND}/zones/{zone_id}/stem"),
                                 form={"csrf_token": token, "waarde": "support"})
    assert response.status == 403 and "Deze ronde is gesloten" in response.text()
    response = page.request.post(demo_site.url(f"/rondes/{ROUND}/inbreng/{contribution_id}/antwoord"),
                                 form={"csrf_token": token, "text": "Nog een antwoord"})
    assert response.status == 403 and "gesloten" in response.text()
    with live_app.app_context():
        assert (db.session.scalar(select(func.count()).select_from(Contribution)),
                db.session.scalar(select(func.count()).select_from(Vote))) == totals
    screenshot(page, "ronde-gesloten")
