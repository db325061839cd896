"""Browser flows of moderation on the demo round: a resident is warned about a phone number and sends
anyway; a moderator redacts and approves; the resident finds it published on Mijn inbreng, later
answered with the province's response; the audit log shows both moderation actions. Three residents flag a contribution
and it is hidden pending review. A moderator enters a paper letter and it shows with channel "brief".
axe on the queue and the paper-input form, in Dutch and English."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from participatie import demo
from participatie.accounts.models import User
from participatie.accounts.services import create_user
from participatie.contributions import services as contributions
from participatie.contributions.models import PENDING, PUBLISHED, Contribution
from participatie.extensions import db
from participatie.permissions import Role
from participatie.rounds.models import Round

from .a11y import assert_accessible
from .conftest import answer_tiles

ROUND = "kansenkaart-zonnevelden"
RESIDENT = "bewoner@example.nl"
MODERATOR = "moderator@example.nl"
ADMIN = "beheer@example.nl"
RESPONSE_TEXT = "Dank u. We bekijken of het zonneveld verder van de huizen kan komen."
PHONE_TEXT = "Het veld komt vlak achter ons huis. Bel mij op 06-12345678 om te praten."


@pytest.fixture
def site(live_app, live_server, page):
    with live_app.app_context():
        demo.load()
    answer_tiles(live_app, page)
    return live_server


def log_in(site, page, email, password=demo.PASSWORD) -> None:
    page.goto(site.url("/account/inloggen"))
    page.locator('input[name="email"]').fill(email)
    page.locator('input[name="password"]').fill(password)
    page.locator("main").get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()


def log_out(page) -> None:
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("link", name="Inloggen")).to_be_visible()


def tick_privacy_if_asked(page) -> None:
    box = page.locator("#contribution-privacy-read")
    if box.count() and not box.is_checked():
        box.check()


def test_warned_resident_sends_anyway_moderator_redacts_and_approves(site, live_app, page):
    log_in(site, page, RESIDENT)
    page.goto(site.url(f"/rondes/{ROUND}/inbreng/nieuw"))
    page.locator("#contribution-theme input").first.check()
    page.locator("#contribution-text").fill(PHONE_TEXT)
    page.locator("#contribution-place").select_option(index=1)
    tick_privacy_if_asked(page)
    page.get_by_role("button", name="Inbreng versturen").click()

    warning = page.locator(".personal-data-warning")
    expect(warning).to_contain_text("telefoonnummer")
    expect(warning).to_contain_text("06-12345678")
    expect(page.locator("#contribution-text")).to_have_value(PHONE_TEXT)  # kept as typed
    with live_app.app_context():
        assert db.session.scalar(select(Contribution.id).where(Contribution.text == PHONE_TEXT)) is None
    page.get_by_label("Toch versturen").check()
    tick_privacy_if_asked(page)
    page.get_by_role("button", name="Inbreng versturen").click()
    expect(page.locator("main")).to_contain_text("wordt eerst bekeken")
    with live_app.app_context():
        made = db.session.scalars(select(Contribution).where(Contribution.text == PHONE_TEXT)).one()
        contribution_id = made.id
        assert made.status == PENDING and made.held_reasons == ["phone"]
    log_out(page)

    log_in(site, page, MODERATOR)
    page.goto(site.url("/moderatie"))
    item = page.locator(".moderation-item", has_text="06-12345678")
    expect(item).to_contain_text("telefoonnummer")
    item.get_by_role("link", name="Tekst bewerken").click()
    page.locator("#redact-text").fill("Het veld komt vlak achter ons huis. Bel mij op [telefoonnummer] om te praten.")
    page.get_by_role("button", name="Bewerkte tekst opslaan").click()
    expect(page.locator("main")).to_contain_text("De tekst is aangepast")
    expect(page.locator(".original-text")).to_contain_text("06-12345678")  # for moderators only
    page.locator(".decision-form").get_by_role("button", name="Goedkeuren").click()
    expect(page.locator("main")).to_contain_text("goedgekeurd")
    log_out(page)

    page.goto(site.url(f"/rondes/{ROUND}/inbreng/{contribution_id}"))
    expect(page.locator(".contribution-text").first).to_contain_text("[telefoonnummer]")
    expect(page.locator("main")).not_to_contain_text("06-12345678")

    log_in(site, page, RESIDENT)
    page.goto(site.url("/mijn-inbreng"))
    mine = page.locator(".my-input-item").filter(has_text="[telefoonnummer]")
    expect(mine.locator(".my-input-status")).to_contain_text("gepubliceerd")
    expect(mine.locator(".my-input-status")).not_to_contain_text("beantwoord")
    log_out(page)

    log_in(site, page, MODERATOR)
    page.goto(site.url(f"/rondes/{ROUND}/inbreng/{contribution_id}"))
    page.get_by_role("link", name="Reageer namens de provincie op deze inbreng").click()
    page.get_by_label("Reactie van de provincie").fill(RESPONSE_TEXT)
    page.get_by_role("button", name="Opslaan als concept").click()
    page.get_by_role("button", name="Reactie publiceren").click()
    expect(page.locator(".flash")).to_contain_text("gepubliceerd")
    log_out(page)

    log_in(site, page, RESIDENT)
    page.goto(site.url("/mijn-inbreng"))
    mine = page.locator(".my-input-item").filter(has_text="[telefoonnummer]")
    expect(mine.locator(".my-input-status")).to_contain_text("beantwoord")
    expect(mine.locator(".province-response")).to_contain_text(RESPONSE_TEXT)
    log_out(page)

    log_in(site, page, ADMIN)
    page.goto(site.url("/beheer/audit"))
    log_table = page.locator("table")
    expect(log_table).to_contain_text("moderation.redacted")
    expect(log_table).to_contain_text("moderation.approved")
    with live_app.app_context():
        assert db.session.get(Contribution, contribution_id).status == PUBLISHED


def test_three_residents_flag_and_it_is_hidden_pending_review(site, live_app, page):
    with live_app.app_context():
        target = db.session.scalars(select(Contribution).where(
            Contribution.status == PUBLISHED, Contribution.author_id.is_not(None))
            .order_by(Contribution.id)).first()
        target_id, target_text = target.id, target.text
        emails = [f"melder{n}@example.org" for n in range(3)]
        for n, email in enumerate(emails):
            create_user(email=email, password=demo.PASSWORD, display_name=f"Melder {n}", roles=(Role.RESIDENT,),
                        confirmed=True)
        db.session.commit()
    url = site.url(f"/rondes/{ROUND}/inbreng/{target_id}")
    for email in emails:
        log_in(site, page, email)
        page.goto(url)
        page.get_by_text("Meld deze inbreng").click()
        page.locator("#flag-inbreng-insulting").check()
        page.get_by_role("button", name="Melding versturen").click()
        expect(page.locator("main")).to_contain_text("Dank u wel voor uw melding")
        log_out(page)
    with live_app.app_context():
        flagged = db.session.get(Contribution, target_id)
        assert flagged.status == PENDING and "flags" in flagged.held_reasons
    response = page.goto(url)  # no longer public
    assert response.status == 404
    log_in(site, page, MODERATOR)
    page.goto(site.url("/moderatie?reden=flags"))
    expect(page.locator(".moderation-item")).to_contain_text(target_text[:40])
    expect(page.locator(".moderation-item")).to_contain_text("Beledigend (3)")


def test_moderator_enters_a_paper_letter(site, live_app, page):
    log_in(site, page, MODERATOR)
    page.goto(site.url(f"/moderatie/rondes/{ROUND}/invoer"))
    page.get_by_label("Brief").check()
    page.locator("#entry-received").fill("2026-01-15")
    page.locator("#entry-name").fill("Mevrouw de Wit")
    page.locator("input[name=theme]").first.check()
    page.locator("#entry-text").fill("Per brief ontvangen: spaar de boomgaarden bij Wijk bij Duurstede.")
    page.locator("#entry-place").select_option(index=1)
    page.get_by_role("button", name="Inbreng opslaan en publiceren").click()
    expect(page.locator("main")).to_contain_text("kanaal: brief")
    page.goto(site.url(f"/rondes/{ROUND}/inbreng"))
    entry = page.locator("li.contribution", has_text="spaar de boomgaarden")
    expect(entry).to_contain_text("Kanaal: brief")
    expect(page.locator("main")).not_to_contain_text("Mevrouw de Wit")


@pytest.mark.parametrize("language", ["nl", "en"])
def test_queue_and_paper_form_are_accessible(site, live_app, page, language):
    with live_app.app_context():
        round_id = db.session.scalar(select(Contribution.round_id).limit(1))
        round_ = db.session.get(Round, round_id)
        contributions.create_contribution(round_, None, theme=round_.themes[0], text="Wacht: piet@example.nl",
                                          channel="paper", held_reasons=["email"],
                                          entered_by=db.session.scalars(select(User).where(User.email == MODERATOR)).one())
        db.session.commit()
    log_in(site, page, MODERATOR)
    page.goto(site.url(f"/taal/{language}?next=/moderatie"))
    expect(page.locator(".moderation-item").first).to_be_visible()
    assert_accessible(page, site, "moderation-queue", role="moderator", language=language)
    page.goto(site.url(f"/moderatie/rondes/{ROUND}/invoer"))
    assert_accessible(page, site, "moderation-paper-input", role="moderator", language=language)
    page.locator("main form button[type=submit]").last.click()  # submit empty: the error summary too
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page, site, "moderation-paper-input-errors", role="moderator", language=language)

