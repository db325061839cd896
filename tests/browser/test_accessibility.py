"""WCAG 2.1 AA in the browser for the foundation pages (issue 9).

- axe-core on every page type, for each role that sees it, in Dutch and in English: no violation of
  impact "serious" or "critical"; "moderate" and "minor" ones are kept in test-artifacts/axe-report.json.
- Forms with errors: the error summary gets focus, each error is linked to its field, typed values stay.
- Keyboard only: a resident logs in, finds a project with the search box and reads a document; every
  tab stop on the way shows a visible focus indicator.
- Reflow: the main pages at 320 px and at 640 px (1280 px at 200 % zoom) scroll only vertically;
  screenshots are kept under test-artifacts/screens/.
"""
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import expect

from participatie import demo
from participatie.accounts.models import Organisation, User
from participatie.extensions import db
from participatie.projects.models import Document, Project

from .a11y import audit, describe, run_axe
from .conftest import ARTIFACTS, answer_tiles, screenshot

RESIDENT = "bewoner@example.nl"
ADMIN = "beheer@example.nl"
SOLAR = "kansenkaart-zonnevelden"


@dataclass
class Site:
    """The live server with demo data, and the ids the page list needs."""

    server: object
    app: object
    document_id: int
    project_id: int
    draft_slug: str
    phase_id: int
    user_id: int
    organisation_id: int

    def url(self, path: str) -> str:
        return self.server.url(path)


@pytest.fixture
def site(live_app, live_server, page):
    """Demo data on the live server; map tiles answered locally (tests never use the network)."""
    with live_app.app_context():
        demo.load()
        project = db.session.scalar(db.select(Project).filter_by(slug=SOLAR))
        draft = db.session.scalar(db.select(Project).filter(Project.status != "published"))
        document = db.session.scalar(db.select(Document).filter_by(project_id=project.id).order_by(Document.id))
        ids = dict(
            document_id=document.id,
            project_id=project.id,
            draft_slug=draft.slug,
            phase_id=project.phases[0].id,
            user_id=db.session.scalar(db.select(User.id).filter_by(email=RESIDENT)),
            organisation_id=db.session.scalar(db.select(Organisation.id).order_by(Organisation.id)),
        )
    answer_tiles(live_app, page)
    return Site(server=live_server, app=live_app, **ids)


def log_in(page, site: Site, email: str) -> None:
    """Log in through the form (names, not labels, so that it works in both languages)."""
    page.goto(site.url("/account/inloggen"))
    page.locator("main input[name=email]").fill(email)
    page.locator("main input[name=password]").fill(demo.PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("form[action='/account/uitloggen'] button")).to_be_visible()


def choose_language(page, site: Site, language: str) -> None:
    if language != "nl":
        page.goto(site.url(f"/taal/{language}?next=/"))
        expect(page.locator("html")).to_have_attribute("lang", language)


def in_language(site: Site, language: str, message: str) -> str:
    """An interface text as the app shows it in `language` (the catalogue's own completeness is
    tested in tests/test_translations.py)."""
    with site.app.test_request_context(), force_locale(language):
        return gettext(message)


def reset_token_path(site: Site, email: str) -> str:
    """The path of the newest reset link mailed to `email`."""
    mails = [m for m in site.app.extensions["mail_outbox"] if m["To"] == email]
    assert mails, "no reset mail was sent"
    link = re.search(r"https?://\S+", mails[-1].get_content()).group(0)
    return urlsplit(link).path


# --- the pages ------------------------------------------------------------------------------------
# Each entry: (name, path or callable(page, site) that brings the page into the state to audit).


def _search_results(site):
    return "/zoeken?q=zonneveld"


def _submit_empty(path):
    """Open a form and send it empty: the page with the error summary."""

    def go(page, site):
        page.goto(site.url(path))
        page.locator("main form[novalidate] button[type=submit]").last.click()
        expect(page.locator(".error-summary")).to_be_visible()

    return go


def _reset_requested(page, site):
    """Ask for a reset link: the 'look in your mail' answer."""
    page.goto(site.url("/account/wachtwoord-vergeten"))
    page.locator("main input[name=email]").fill(RESIDENT)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main a[href='/account/inloggen']")).to_be_visible()


def _reset_form(page, site):
    """The form behind the link in the reset mail."""
    _reset_requested(page, site)
    page.goto(site.url(reset_token_path(site, RESIDENT)))
    expect(page.locator("main input[name=password_confirm]")).to_be_visible()


def public_pages(site: Site) -> list:
    return [
        ("home", "/"),
        ("search-start", "/zoeken"),
        ("search-results", "/zoeken?q=zonneveld"),
        ("search-no-results", "/zoeken?q=xylofoonstemmer"),
        ("project", f"/projecten/{SOLAR}"),
        ("project-other", "/projecten/groene-fietsroutes"),
        ("document", f"/projecten/{SOLAR}/documenten/{site.document_id}"),
        ("accessibility-statement", "/toegankelijkheid"),
        ("error-404", "/deze-pagina-bestaat-niet"),
    ]


def visitor_pages(site: Site) -> list:
    return public_pages(site) + [
        ("register", "/account/registreren"),
        ("register-errors", _submit_empty("/account/registreren")),
        ("login", "/account/inloggen"),
        ("login-errors", _submit_empty("/account/inloggen")),
        ("reset-request", "/account/wachtwoord-vergeten"),
        ("reset-request-errors", _submit_empty("/account/wachtwoord-vergeten")),
        ("check-mail", "/account/controleer-uw-mail"),
        ("link-failed", "/account/bevestigen/geen-geldige-link"),
        ("reset-requested", _reset_requested),
        ("reset-form", _reset_form),
    ]


def resident_pages(site: Site) -> list:
    return public_pages(site) + [
        ("my-account", "/account/"),
        ("error-403", "/beheer/"),
    ]


def admin_pages(site: Site) -> list:
    p = site.project_id
    return [
        ("project-draft", f"/projecten/{site.draft_slug}"),
        ("admin-dashboard", "/beheer/"),
        ("admin-users", "/beheer/gebruikers"),
        ("admin-users-search", "/beheer/gebruikers?q=demo"),
        ("admin-user-edit", f"/beheer/gebruikers/{site.user_id}"),
        ("admin-organisations", "/beheer/organisaties"),
        ("admin-organisation-edit", f"/beheer/organisaties/{site.organisation_id}"),
        ("admin-projects", "/beheer/projecten"),
        ("admin-project-new", "/beheer/projecten/nieuw"),
        ("admin-project-new-errors", _submit_empty("/beheer/projecten/nieuw")),
        ("admin-project-edit", f"/beheer/projecten/{p}"),
        ("admin-phase-new", f"/beheer/projecten/{p}/fasen/nieuw"),
        ("admin-phase-new-errors", _submit_empty(f"/beheer/projecten/{p}/fasen/nieuw")),
        ("admin-phase-edit", f"/beheer/projecten/{p}/fasen/{site.phase_id}"),
        ("admin-document-new", f"/beheer/projecten/{p}/documenten/nieuw"),
        ("admin-document-new-errors", _submit_empty(f"/beheer/projecten/{p}/documenten/nieuw")),
        ("project", f"/projecten/{SOLAR}"),
        ("my-account", "/account/"),
    ]


PAGES_BY_ROLE = {"visitor": visitor_pages, "resident": resident_pages, "admin": admin_pages}
LOGINS = {"visitor": None, "resident": RESIDENT, "admin": ADMIN}


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("role", ["visitor", "resident", "admin"])
def test_axe_finds_no_serious_or_critical_violations(site, page, role, language):
    if LOGINS[role]:
        log_in(page, site, LOGINS[role])
    choose_language(page, site, language)
    failures = []
    audited = 0
    for name, target in PAGES_BY_ROLE[role](site):
        if callable(target):
            target(page, site)
        else:
            page.goto(site.url(target))
        expect(page.locator("html")).to_have_attribute("lang", language)
        blocking = audit(page, site.server, name, role, language)
        audited += 1
        if blocking:
            failures.append(f"--- {name} ({page.url})\n{describe(blocking)}")
    assert audited >= 9
    assert not failures, "\n".join(failures)


def test_the_audit_catches_a_real_violation(site, page):
    """The harness itself: axe runs under our CSP and reports what is broken (so a pass means something)."""
    page.goto(site.url("/"))
    page.evaluate("""() => {
        const img = document.createElement("img");
        img.src = "/static/vendor/leaflet/images/marker-icon.png";
        const input = document.createElement("input");
        input.type = "text";
        document.querySelector("main").append(img, input);
    }""")
    found = {v["id"]: v["impact"] for v in run_axe(page, site.server)}  # not recorded in the report
    assert found.get("image-alt") == "critical" and found.get("label") == "critical", found


# --- forms with errors ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["nl", "en"])
def test_register_errors_are_focused_linked_to_their_fields_and_keep_what_was_typed(site, page, language):
    choose_language(page, site, language)
    page.goto(site.url("/account/registreren"))
    page.locator("#display_name").fill("Anna uit Houten")
    page.locator("#password").fill("kort")
    page.locator("main form[novalidate] button[type=submit]").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    assert page.title().startswith(in_language(site, language, "Fout:") + " ")
    # Typed values stay, passwords never come back.
    expect(page.locator("#display_name")).to_have_value("Anna uit Houten")
    expect(page.locator("#password")).to_have_value("")

    links = summary.locator("a")
    assert links.count() >= 3  # e-mail, password (too short) and its repetition
    for i in range(links.count()):
        field_id = links.nth(i).get_attribute("href").removeprefix("#")
        field = page.locator(f"#{field_id}")
        expect(field).to_have_attribute("aria-invalid", "true")
        described = field.get_attribute("aria-describedby").split()
        assert f"{field_id}-error" in described
        error_text = page.locator(f"#{field_id}-error").inner_text()
        assert links.nth(i).inner_text().strip() in error_text
    # The field without an error is not marked.
    assert page.locator("#display_name").get_attribute("aria-invalid") is None

    # Following a link in the summary puts the cursor in the field, ready to type.
    summary.locator("a").first.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#email")).to_be_focused()
    page.keyboard.type("anna@example.nl")
    expect(page.locator("#email")).to_have_value("anna@example.nl")


# --- keyboard only --------------------------------------------------------------------------------

FOCUS_STYLE = """() => {
    const e = document.activeElement;
    const s = getComputedStyle(e);
    return {
        tag: e.tagName.toLowerCase(), id: e.id, text: (e.innerText || e.value || "").trim().slice(0, 60),
        outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2,
        shadow: s.boxShadow !== "none",
    };
}"""


def focus_is_visible(page) -> dict:
    """The focused element, after checking it shows an outline or a focus ring."""
    info = page.evaluate(FOCUS_STYLE)
    assert info["tag"] != "body", "focus was lost"
    assert info["outline"] or info["shadow"], f"no visible focus on {info}"
    return info


def tab_to(page, target, limit: int = 60) -> int:
    """Press Tab until `target` has focus, checking every stop on the way shows its focus."""
    for stops in range(1, limit + 1):
        page.keyboard.press("Tab")
        focus_is_visible(page)
        if target.evaluate("element => element === document.activeElement"):
            return stops
    raise AssertionError(f"{target} not reached with {limit} presses of Tab")


def test_resident_finds_a_project_and_reads_a_document_with_the_keyboard_only(site, page):
    page.goto(site.url("/account/inloggen"))
    # The first Tab stop is the skip link; it takes you to the main content.
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    focus_is_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    tab_to(page, page.locator("main input[name=email]"))
    page.keyboard.type(RESIDENT)
    page.keyboard.press("Tab")
    expect(page.locator("main input[name=password]")).to_be_focused()
    page.keyboard.type(demo.PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("form[action='/account/uitloggen'] button")).to_be_visible()

    # From the top of the page: skip link, then on to the search box in the header.
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    box = page.locator("header input[type=search]")
    assert tab_to(page, box) <= 4  # the search box is among the first things on every page
    page.keyboard.type("zonneveld")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/zoeken\?q=zonneveld"))
    page.wait_for_load_state("load")

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    result = page.locator(".search-results").get_by_role("link", name="Kansenkaart zonnevelden", exact=True)
    tab_to(page, result)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kansenkaart zonnevelden")
    # Keys pressed before the page has loaded race with Chromium re-applying the #inhoud fragment.
    page.wait_for_load_state("load")

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    read = page.locator("main .document-list a", has_text="Lees als tekst").first
    tab_to(page, read)  # past the map and its controls: focus stays visible and is never trapped
    page.keyboard.press("Enter")
    expect(page.locator(".document-text")).to_contain_text("Provincie Utrecht wil zonnevelden")
    page.wait_for_load_state("load")

    # Reading on: the download link and back to the project, still by keyboard.
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    back = page.locator("main a", has_text="Terug naar Kansenkaart zonnevelden")
    tab_to(page, back)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kansenkaart zonnevelden")


def test_focus_is_never_trapped_on_the_project_page(site, page):
    """Tabbing forward through the whole project page reaches the footer link (the map lets go)."""
    page.goto(site.url(f"/projecten/{SOLAR}"))
    tab_to(page, page.locator("footer a[href='/toegankelijkheid']"), limit=120)


# --- reflow at 320 px and 200 % zoom --------------------------------------------------------------

REFLOW_PAGES = [
    ("home", lambda site: "/"),
    ("project", lambda site: f"/projecten/{SOLAR}"),
    ("document", lambda site: f"/projecten/{SOLAR}/documenten/{site.document_id}"),
    ("search", lambda site: "/zoeken?q=zonneveld"),
    ("login", lambda site: "/account/inloggen"),
    ("register", lambda site: "/account/registreren"),
]


@pytest.mark.parametrize("width", [320, 640], ids=["320px", "1280px-at-200pct"])
def test_main_pages_reflow_without_horizontal_scrolling(site, page, width):
    (ARTIFACTS / "screens").mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 800})
    too_wide = []
    for name, path in REFLOW_PAGES:
        page.goto(site.url(path(site)))
        expect(page.locator("main h1")).to_be_visible()
        overflow = page.evaluate(
            "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
        )
        if overflow["scroll"] > overflow["inner"] + 1:
            too_wide.append(f"{name}: {overflow}")
        shot = screenshot(page, f"screens/{name}-{width}")
        assert shot.stat().st_size > 0
        blocking = audit(page, site.server, f"{name}@{width}px", "visitor", "nl")
        if blocking:
            too_wide.append(f"{name} axe at {width}px:\n{describe(blocking)}")
    assert not too_wide, "\n".join(too_wide)


ADMIN_REFLOW_PAGES = [
    ("admin-dashboard", lambda site: "/beheer/"),
    ("admin-projects", lambda site: "/beheer/projecten"),
    ("admin-project-edit", lambda site: f"/beheer/projecten/{site.project_id}"),
    ("admin-users", lambda site: "/beheer/gebruikers"),
    ("admin-user-edit", lambda site: f"/beheer/gebruikers/{site.user_id}"),
    ("admin-organisations", lambda site: "/beheer/organisaties"),
]


def test_staff_pages_reflow_at_320_px_with_tables_scrolling_in_place(site, page):
    """Wide tables may scroll sideways inside their own box (WCAG allows it for data tables), which
    then must be reachable by keyboard; the page itself never scrolls sideways."""
    log_in(page, site, ADMIN)
    page.set_viewport_size({"width": 320, "height": 800})
    problems = []
    for name, path in ADMIN_REFLOW_PAGES:
        page.goto(site.url(path(site)))
        expect(page.locator("main h1")).to_be_visible()
        overflow = page.evaluate(
            "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
        )
        if overflow["scroll"] > overflow["inner"] + 1:
            problems.append(f"{name}: {overflow}")
        blocking = audit(page, site.server, f"{name}@320px", "admin", "nl")
        if blocking:
            problems.append(f"{name} axe at 320px:\n{describe(blocking)}")
    assert not problems, "\n".join(problems)


# --- more page types: rounds, contributions, summaries, exports, open data, round admin -----------

ANALYST = "beleid@example.nl"
FAST_SUMMARY = {"topics": {"enabled": False}}


@dataclass
class RoundSite:
    """The demo round with what its pages need: a contribution by someone else with replies and
    votes, the resident's own (editable) contribution, a public summary, a plan layer."""

    site: Site
    round_id: int
    contribution_id: int
    own_id: int
    summary_id: int
    layer_id: int

    def url(self, path: str) -> str:
        return self.site.url(path)


@pytest.fixture
def round_site(site):
    from sqlalchemy import func, select

    from participatie.contributions import services as contributions
    from participatie.contributions.models import PUBLISHED, Contribution, Reply
    from participatie.rounds import services as rounds
    from participatie.rounds.models import Layer
    from participatie.summaries import services as summaries

    app = site.app
    app.config["SUMMARY_PARAMETERS"] = FAST_SUMMARY
    with app.app_context():
        round_ = rounds.get_round(SOLAR)
        resident = db.session.scalar(select(User).filter_by(email=RESIDENT))
        analyst = db.session.scalar(select(User).filter_by(email=ANALYST))
        admin = db.session.scalar(select(User).filter_by(email=ADMIN))
        contribution_id = db.session.scalar(
            select(Contribution.id).join(Reply, Reply.contribution_id == Contribution.id)
            .where(Contribution.round_id == round_.id, Contribution.status == PUBLISHED,
                   Contribution.author_id != resident.id)
            .group_by(Contribution.id).order_by(func.count(Reply.id).desc(), Contribution.id).limit(1))
        contribution = db.session.get(Contribution, contribution_id)
        if not any(r.status == PUBLISHED for r in contribution.replies if hasattr(contribution, "replies")):
            contributions.add_reply(contribution, admin, "Goed punt, dank u wel.")
        contributions.cast_vote(round_, analyst, "support", contribution_id=contribution_id)
        own = contributions.create_contribution(
            round_, resident, theme="natuur", text="Mijn eigen inbreng: spaar de houtwallen langs de Kromme Rijn.",
            geometry={"type": "Point", "coordinates": [5.25, 52.03]})
        own.status = PUBLISHED
        db.session.commit()
        summary = summaries.summarise(round_.id)
        summaries.publish(summary, "public", analyst)
        db.session.commit()
        ids = dict(round_id=round_.id, contribution_id=contribution_id, own_id=own.id, summary_id=summary.id,
                   layer_id=db.session.scalar(select(Layer.id).where(Layer.round_id == round_.id).order_by(Layer.id)))
    return RoundSite(site=site, **ids)


def _export_job(page, rs: RoundSite):
    """Start an export that is large enough to be a job (threshold lowered), and wait for it."""
    rs.site.app.config.update(EXPORT_JOB_THRESHOLD=0, REDIS_URL=None)
    page.goto(rs.url(f"/beheer/export/{SOLAR}"))
    page.locator("main input[name=format][value=csv]").check()
    page.locator("main form[novalidate] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/beheer/export/taken/\d+$"))
    expect(page.locator("#job-download")).to_be_visible(timeout=30_000)


def _export_report(page, rs: RoundSite):
    """The printable report of the round (an HTML export)."""
    page.goto(rs.url(f"/beheer/export/{SOLAR}"))
    page.locator("main input[name=format][value=report_html]").check()
    page.locator("main form[novalidate] button[type=submit]").click()
    expect(page.locator("#r-responses")).to_be_visible()


def _summary_job(page, rs: RoundSite):
    """A summary job's progress page, as soon as the job is started."""
    page.goto(rs.url(f"/beheer/samenvattingen/ronde/{SOLAR}"))
    page.locator(f"main form[action$='/ronde/{SOLAR}/starten'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/beheer/samenvattingen/taken/\d+$"))


def _first_session_id(rs: RoundSite) -> int:
    from sqlalchemy import select

    from participatie.maptable.models import MapTableSession

    with rs.site.app.app_context():
        return db.session.scalar(select(MapTableSession.id).where(MapTableSession.round_id == rs.round_id)
                                 .order_by(MapTableSession.id))


def round_visitor_pages(rs: RoundSite) -> list:
    s, c = rs.summary_id, rs.contribution_id
    collection = f"{SOLAR}-inbreng"
    return [
        ("round", f"/rondes/{SOLAR}"),
        ("contribution-list", f"/rondes/{SOLAR}/inbreng"),
        ("contribution-list-filtered", f"/rondes/{SOLAR}/inbreng?thema=natuur&sorteer=steun"),
        ("contribution-detail", f"/rondes/{SOLAR}/inbreng/{c}"),
        ("summary-public", f"/rondes/{SOLAR}/samenvatting"),
        ("summary-contributions", f"/rondes/{SOLAR}/samenvattingen/{s}/inbreng?groep=all"),
        ("summary-method", "/samenvattingen/methode"),
        ("ogc-landing", "/ogc?f=html"),
        ("ogc-conformance", "/ogc/conformance?f=html"),
        ("ogc-collections", "/ogc/collections?f=html"),
        ("ogc-collection", f"/ogc/collections/{collection}?f=html"),
        ("ogc-items", f"/ogc/collections/{collection}/items?f=html&limit=20"),
        ("ogc-item", f"/ogc/collections/{collection}/items/{c}?f=html"),
    ]


def round_resident_pages(rs: RoundSite) -> list:
    return [
        ("round", f"/rondes/{SOLAR}"),
        ("contribution-list", f"/rondes/{SOLAR}/inbreng"),
        ("contribution-detail", f"/rondes/{SOLAR}/inbreng/{rs.contribution_id}"),
        ("contribution-detail-own", f"/rondes/{SOLAR}/inbreng/{rs.own_id}"),
        ("contribution-edit", f"/rondes/{SOLAR}/inbreng/{rs.own_id}/bewerken"),
        ("contribution-new", f"/rondes/{SOLAR}/inbreng/nieuw"),
        ("contribution-new-errors", _submit_empty(f"/rondes/{SOLAR}/inbreng/nieuw")),
        ("summary-public", f"/rondes/{SOLAR}/samenvatting"),
        ("error-403-export", f"/beheer/export/{SOLAR}"),
    ]


def round_analyst_pages(rs: RoundSite) -> list:
    return [
        ("summaries-index", "/beheer/samenvattingen"),
        ("summaries-round", f"/beheer/samenvattingen/ronde/{SOLAR}"),
        ("summary-detail", f"/rondes/{SOLAR}/samenvattingen/{rs.summary_id}"),
        ("export-index", "/beheer/export"),
        ("export-round", f"/beheer/export/{SOLAR}"),
        ("export-report", _export_report),
        ("summary-job", _summary_job),
        ("export-job", _export_job),
    ]


def round_admin_pages(rs: RoundSite) -> list:
    r, layer = rs.round_id, rs.layer_id
    return [
        ("admin-rounds", "/beheer/rondes/"),
        ("admin-round-new", "/beheer/rondes/nieuw"),
        ("admin-round-new-errors", _submit_empty("/beheer/rondes/nieuw")),
        ("admin-round-edit", f"/beheer/rondes/{r}"),
        ("admin-layer", f"/beheer/rondes/{r}/lagen/{layer}"),
        ("admin-layer-new", f"/beheer/rondes/{r}/lagen/nieuw"),
        ("admin-audit", "/beheer/audit"),
        ("export-contacts", "/beheer/contactexport"),
        ("summary-detail", f"/rondes/{SOLAR}/samenvattingen/{rs.summary_id}"),
        ("maptable-sessions", f"/beheer/rondes/{SOLAR}/kaarttafel"),
        ("maptable-session", f"/beheer/kaarttafel/{_first_session_id(rs)}"),
        ("maptable-session-report", f"/beheer/kaarttafel/{_first_session_id(rs)}/verslag"),
        ("maptable-round-report", f"/beheer/rondes/{SOLAR}/kaarttafel/verslag"),
    ]


ROUND_PAGES_BY_ROLE = {"visitor": round_visitor_pages, "resident": round_resident_pages,
                       "policy_analyst": round_analyst_pages, "admin": round_admin_pages}
ROUND_LOGINS = {"visitor": None, "resident": RESIDENT, "policy_analyst": ANALYST, "admin": ADMIN}


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("role", list(ROUND_PAGES_BY_ROLE))
def test_axe_on_round_contribution_summary_export_and_open_data_pages(round_site, page, role, language):
    from participatie import jobs

    site = round_site.site
    if ROUND_LOGINS[role]:
        log_in(page, site, ROUND_LOGINS[role])
    choose_language(page, site, language)
    failures = []
    pages = ROUND_PAGES_BY_ROLE[role](round_site)
    try:
        for name, target in pages:
            if callable(target):
                target(page, round_site)
            else:
                response = page.goto(site.url(target))
                if response.status >= 400 and not name.startswith("error-"):
                    failures.append(f"--- {name} ({page.url}): HTTP {response.status}")
                    continue
            expect(page.locator("html")).to_have_attribute("lang", language)
            blocking = audit(page, site.server, name, role, language)
            if blocking:
                failures.append(f"--- {name} ({page.url})\n{describe(blocking)}")
    finally:
        jobs.stop_worker(site.app)
    assert not failures, "\n".join(failures)


# --- keyboard only: vote, withdraw, reply, my input -------------------------------------------------

def keyboard_log_in(page, site: Site, email: str) -> None:
    """Log in with the keyboard only."""
    page.goto(site.url("/account/inloggen"))
    tab_to(page, page.locator("main input[name=email]"))
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    expect(page.locator("main input[name=password]")).to_be_focused()
    page.keyboard.type(demo.PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("form[action='/account/uitloggen'] button")).to_be_visible()
    page.wait_for_load_state("load")


def shift_tab_back(page, target) -> None:
    """Shift+Tab from `target` goes to an earlier stop with visible focus, and Tab comes back: focus
    moves both ways and is not trapped."""
    page.keyboard.press("Shift+Tab")
    before = focus_is_visible(page)
    assert not target.evaluate("element => element === document.activeElement"), before
    page.keyboard.press("Tab")
    focus_is_visible(page)
    assert target.evaluate("element => element === document.activeElement")


def from_the_top(page) -> None:
    """Start tabbing from the top of a freshly loaded page (the skip link is the first stop), once a
    map on it has shown its contributions (they arrive after the load event)."""
    page.wait_for_load_state("load")
    for loading_map in page.locator("[data-contributions-url]").all():
        expect(loading_map).to_have_attribute("data-contributions-shown", re.compile(r"^\d+$"))
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    focus_is_visible(page)


def status_region(page):
    return page.locator("main .flashes[role=status][aria-live=polite]")


def test_resident_votes_withdraws_and_replies_with_the_keyboard_only(round_site, page):
    site = round_site.site
    keyboard_log_in(page, site, RESIDENT)
    page.goto(site.url(f"/rondes/{SOLAR}/inbreng"))
    from_the_top(page)
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    detail = page.locator(f"main a[href$='/inbreng/{round_site.contribution_id}']").first
    if not detail.count():  # not on the first page of the list: open it directly
        page.goto(site.url(f"/rondes/{SOLAR}/inbreng/{round_site.contribution_id}"))
    else:
        tab_to(page, detail, limit=300)
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/inbreng/{round_site.contribution_id}(#.*)?$"))

    # Support with the space bar.
    votes = page.locator("main form.vote-form")
    support = votes.locator("button[value=support]")
    counts = page.locator("main .contribution-counts")
    before = counts.inner_text()
    from_the_top(page)
    tab_to(page, support, limit=200)
    shift_tab_back(page, support)
    page.keyboard.press("Space")
    expect(status_region(page)).to_contain_text("Uw steun is opgeslagen.")
    expect(support).to_have_attribute("aria-pressed", "true")
    expect(counts).not_to_have_text(before)

    # Withdraw it with Enter.
    from_the_top(page)
    withdraw = votes.locator("button[value=withdraw]")
    tab_to(page, withdraw, limit=200)
    page.keyboard.press("Enter")
    expect(status_region(page)).to_contain_text("Uw stem is ingetrokken.")
    expect(votes.locator("button[value=withdraw]")).to_have_count(0)
    expect(support).to_have_attribute("aria-pressed", "false")
    expect(counts).to_have_text(before)

    # Reply: type in the field, Tab on to the button, Enter.
    from_the_top(page)
    field = page.locator("main textarea[name=text]")
    tab_to(page, field, limit=200)
    page.keyboard.type("Met het toetsenbord geantwoord: eens, de houtwallen horen erbij.")
    button = page.locator("main form.reply-form button[type=submit]")
    tab_to(page, button, limit=10)
    shift_tab_back(page, button)
    page.keyboard.press("Enter")
    # Placed at once, or first seen by a moderator (the author sees it either way).
    expect(status_region(page)).to_contain_text(re.compile(r"Uw antwoord (is geplaatst|is ontvangen|wacht op)"))
    expect(page.locator(".reply-list > li").last).to_contain_text("Met het toetsenbord geantwoord")

    # And on through the rest of the page to the footer: the map and the forms let go.
    tab_to(page, page.locator("footer a[href='/toegankelijkheid']"), limit=200)


def test_resident_checks_my_input_from_the_account_page_with_the_keyboard_only(round_site, page):
    site = round_site.site
    keyboard_log_in(page, site, RESIDENT)
    from_the_top(page)
    account = page.locator("header nav a[href='/account/']")
    tab_to(page, account)
    page.keyboard.press("Enter")
    expect(page.locator("main h1")).to_have_text("Mijn account")
    from_the_top(page)
    my_input = page.locator("main a", has_text="Mijn inbreng")
    tab_to(page, my_input)
    shift_tab_back(page, my_input)
    page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    expect(page.locator("main")).to_contain_text("spaar de houtwallen langs de Kromme Rijn")
    # From the list to the contribution itself.
    from_the_top(page)
    own = page.locator(f"main a[href*='/inbreng/{round_site.own_id}']").first
    tab_to(page, own, limit=200)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/inbreng/{round_site.own_id}(#.*)?$"))
    expect(page.locator("main .contribution-text")).to_contain_text("spaar de houtwallen")


# --- reflow at 320 px: round, list, contribution, summary, export ---------------------------------

def test_round_contribution_summary_and_export_pages_reflow_at_320_px(round_site, page):
    from participatie import jobs

    site = round_site.site
    (ARTIFACTS / "screens").mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 320, "height": 800})
    problems = []

    def check(name: str) -> None:
        expect(page.locator("main h1")).to_be_visible()
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > 320 + 1:
            problems.append(f"{name}: scrollWidth {width}")
        shot = screenshot(page, f"screens/{name}-320")
        assert shot.stat().st_size > 0

    visitor = [
        ("round-map", f"/rondes/{SOLAR}"),
        ("contribution-list", f"/rondes/{SOLAR}/inbreng"),
        ("contribution", f"/rondes/{SOLAR}/inbreng/{round_site.contribution_id}"),
        ("summary", f"/rondes/{SOLAR}/samenvattingen/{round_site.summary_id}"),
        ("ogc-items", f"/ogc/collections/{SOLAR}-inbreng/items?f=html&limit=20"),
    ]
    for name, path in visitor:
        page.goto(site.url(path))
        check(name)
    log_in(page, site, ANALYST)
    page.goto(site.url(f"/beheer/export/{SOLAR}"))
    check("export")
    try:
        _export_job(page, round_site)
        check("export-job")
    finally:
        jobs.stop_worker(site.app)
    assert not problems, "\n".join(problems)
