"""Hostile text in Chromium: every XSS payload and about fifty naughty strings (tests/security/hostile.py)
as contribution texts, reply texts, display names and search queries, on the pages that show them; the
first XSS payloads also as published responses of the province and as map-table session minutes.
With a dialog listener (alert/confirm/prompt) and a listener for CSP violations: no script runs, no page
answers 500, and the text on the page (inner_text) is the text as typed."""
from datetime import datetime
from urllib.parse import urlencode

import pytest
from participatie.accounts import services as accounts_services
from participatie.accounts.services import create_user
from participatie.contributions import services as contributions
from participatie.contributions.models import PUBLISHED
from participatie.extensions import db
from participatie.maptable import services as maptable
from participatie.permissions import Role
from participatie.projects.models import Project
from participatie.responses import services as responses
from participatie.rounds import services as rounds
from participatie.rounds.errors import ValidationError

from rounds.conftest import AREA, INSIDE, utc
from security.hostile import BROWSER_SUBSET, XSS, collapse

DETAIL_PAGES = 12  # a contribution's own page, for the first dozen payloads (the list shows them all)
STAFF_TEXTS = XSS[:10]  # as responses under the first contribution and as session minutes
PASSWORD = "correct-horse-battery-9"
WATCH_CSP = """
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations = (window.__cspViolations || []).concat([event.violatedDirective + ' ' + event.blockedURI]);
});
"""


@pytest.fixture
def hostile_site(live_app, live_server, monkeypatch):
    """A round with one contribution per hostile string (by an author named with that string, where the
    name rules allow it) and one reply per string under a first contribution. All published."""
    made = {"contributions": {}, "replies": {}, "names": {}, "responses": {}, "minutes": []}
    with live_app.app_context():
        project = Project(slug="vijandig", title="Vijandige tekst", status="published", area=AREA)
        db.session.add(project)
        round_ = rounds.create_round(project, slug="vijandig", title="Vijandige tekst", starts_at=utc(days=-1),
                                     ends_at=utc(days=30))
        host = create_user(email="host@example.org", password="correct-horse-battery-9", display_name="Gastheer",
                           roles=(Role.RESIDENT,), confirmed=True)
        anchor = contributions.create_contribution(round_, host, theme="natuur", text="Antwoorden hieronder",
                                                   geometry=INSIDE)
        anchor.status = PUBLISHED
        db.session.commit()
        # The authors never log in: one hash for all of them spares eighty slow argon2 runs.
        monkeypatch.setattr(accounts_services, "hash_password", lambda password: host.password_hash)
        for n, value in enumerate(BROWSER_SUBSET):
            name = value.strip() if 2 <= len(value.strip()) <= 80 else f"Deelnemer {n}"
            author = create_user(email=f"v{n}@example.org", password="correct-horse-battery-9", display_name=name,
                                 roles=(Role.RESIDENT,), confirmed=True)
            try:
                item = contributions.create_contribution(round_, author, theme="natuur", text=value, geometry=INSIDE)
                reply = contributions.add_reply(anchor, author, value)
            except ValidationError:  # empty after trimming: refused by rule (the HTTP test proves the 400)
                db.session.rollback()
                continue
            item.status = reply.status = PUBLISHED
            db.session.commit()
            made["contributions"][item.id] = item.text
            made["replies"][reply.id] = reply.text
            made["names"][item.id] = author.display_name
        made["anchor"] = anchor.id
        staff = create_user(email="staf@example.org", password=PASSWORD, display_name="Moderator",
                            roles=(Role.MODERATOR,), confirmed=True)
        for n, value in enumerate(STAFF_TEXTS):
            response = responses.create_response(round_, staff, text=value, contribution_ids=[anchor.id])
            responses.publish_response(response, staff)
            maptable.create_session(round_, staff, title=f"Kaarttafel {n}", theme="natuur",
                                    starts_at=datetime(2030, 5, 1, 10 + n), minutes=value)
            db.session.commit()
            made["responses"][response.id] = response.text
            made["minutes"].append(value.strip())
        made["staff"] = staff.email
    return made


def watch(page):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(f"{dialog.type}: {dialog.message}"), dialog.dismiss()))
    page.add_init_script(WATCH_CSP)
    return dialogs


def csp_violations(page) -> list:
    return page.evaluate("window.__cspViolations || []")


def open_ok(page, url):
    response = page.goto(url)
    assert response.status == 200, (url, response.status)


def test_hostile_texts_are_shown_as_typed_and_never_run(live_server, page, hostile_site):
    dialogs = watch(page)
    wrong = []
    seen = set()
    page_number = 1
    while len(seen) < len(hostile_site["contributions"]) and page_number < 20:
        open_ok(page, live_server.url(f"/rondes/vijandig/inbreng?pagina={page_number}"))
        for item in page.locator("li.contribution").all():
            id_ = int(item.get_attribute("id").removeprefix("inbreng-"))
            if id_ not in hostile_site["contributions"]:
                continue
            seen.add(id_)
            shown = collapse(item.locator(".contribution-text").inner_text())
            if shown != collapse(hostile_site["contributions"][id_]):
                wrong.append(f"contribution {hostile_site['contributions'][id_]!r} shown as {shown!r}")
            meta = collapse(item.locator(".contribution-meta").inner_text())
            if collapse(hostile_site["names"][id_]) not in meta:
                wrong.append(f"name {hostile_site['names'][id_]!r} not in {meta!r}")
        wrong += [f"CSP violation on list page {page_number}: {v}" for v in csp_violations(page)]
        page_number += 1
    assert seen == set(hostile_site["contributions"]), "every hostile contribution was on a list page"

    open_ok(page, live_server.url(f"/rondes/vijandig/inbreng/{hostile_site['anchor']}"))
    for id_, typed in hostile_site["replies"].items():
        shown = collapse(page.locator(f"#antwoord-{id_} .contribution-text").inner_text())
        if shown != collapse(typed):
            wrong.append(f"reply {typed!r} shown as {shown!r}")
    for id_, typed in hostile_site["responses"].items():
        shown = collapse(page.locator(f"#reactie-{id_} .contribution-text").inner_text())
        if shown != collapse(typed):
            wrong.append(f"response {typed!r} shown as {shown!r}")
    wrong += [f"CSP violation on the replies page: {v}" for v in csp_violations(page)]

    for id_, typed in list(hostile_site["contributions"].items())[:DETAIL_PAGES]:
        open_ok(page, live_server.url(f"/rondes/vijandig/inbreng/{id_}"))
        shown = collapse(page.locator(".contribution-full .contribution-text").inner_text())
        if shown != collapse(typed):
            wrong.append(f"contribution page: {typed!r} shown as {shown!r}")
        wrong += [f"CSP violation on /inbreng/{id_}: {v}" for v in csp_violations(page)]

    for query in XSS:
        response = page.goto(live_server.url("/zoeken?" + urlencode({"q": query})))
        assert response.status == 200, (query, response.status)
        if page.locator("#search-q").input_value() != query.strip():
            wrong.append(f"search box shows {page.locator('#search-q').input_value()!r} for {query!r}")
        if collapse(query) not in collapse(page.locator("main").inner_text()):
            wrong.append(f"search page does not show {query!r}")
        wrong += [f"CSP violation on the search for {query!r}: {v}" for v in csp_violations(page)]

    open_ok(page, live_server.url("/account/inloggen"))
    page.locator("main input[name=email]").fill(hostile_site["staff"])
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.locator("form[action='/account/uitloggen'] button").wait_for()
    open_ok(page, live_server.url("/beheer/rondes/vijandig/kaarttafel/verslag"))
    shown = [collapse(text) for text in page.locator(".minutes").all_inner_texts()]
    if shown != [collapse(typed) for typed in hostile_site["minutes"]]:
        wrong.append(f"session minutes {hostile_site['minutes']!r} shown as {shown!r}")
    wrong += [f"CSP violation on the session report: {v}" for v in csp_violations(page)]

    assert not dialogs, f"script ran: {dialogs}"
    assert not wrong, f"{len(wrong)} problems:\n  " + "\n  ".join(wrong)
