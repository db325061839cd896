"""Keyboard only (issue 9): the round map is operable with Tab, the arrow keys, +, -, Enter and
Escape (pan, zoom, select a contribution, open its details and follow the link), every marker and
cluster has a text alternative; and a resident flags someone else's contribution with the keyboard
and hears the thanks in the status region. Every tab stop shows a visible focus indicator."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from participatie.accounts.models import User
from participatie.contributions.models import PUBLISHED, Contribution
from participatie.extensions import db
from participatie.moderation.models import Flag
from participatie.rounds import services as rounds

from .test_accessibility import (focus_is_visible, from_the_top, keyboard_log_in, shift_tab_back, status_region,
                                 tab_to)
from .test_round_map import ROUND, RESIDENT, _open_round, map_page, site  # noqa: F401 (fixtures)

MAP = ".map.leaflet-container"
SINGLE = ".leaflet-marker-icon:not(.contribution-cluster)"

# The map's view, read from the Leaflet map that participatie/maps.py hands to static/js/map.js.
VIEW = """id => {
    const map = window.participatieMaps[id];
    const c = map.getCenter();
    return {lat: c.lat, lng: c.lng, zoom: map.getZoom()};
}"""

# A marker's or cluster's name for assistive technology, from the attributes that give one.
MARKER_NAMES = """els => els.map(e => ({
    cls: e.className,
    name: (e.getAttribute("aria-label") || e.getAttribute("alt") || e.getAttribute("title")
           || (e.querySelector(".visually-hidden") || {}).textContent || "").trim(),
    role: e.getAttribute("role"), tabindex: e.getAttribute("tabindex"),
}))"""


def _view(page, map_id: str) -> dict:
    return page.evaluate(VIEW, map_id)


def _press_and_wait(page, map_id: str, key: str, condition: str) -> dict:
    """Press `key` on the map and wait until the map has finished moving ("moveend", so that the next
    key is not swallowed by a running animation) and its view meets `condition` (JavaScript over `v`,
    the view now, and `b`, the view before)."""
    before = _view(page, map_id)
    page.evaluate(
        "id => { const m = window.participatieMaps[id]; m.participatieMoved = false;"
        " m.once('moveend', () => { m.participatieMoved = true; }); }",
        map_id,
    )
    page.keyboard.press(key)
    page.wait_for_function(
        f"([id, b]) => {{ const m = window.participatieMaps[id]; const c = m.getCenter();"
        f" const v = {{lat: c.lat, lng: c.lng, zoom: m.getZoom()}}; return m.participatieMoved && ({condition}); }}",
        arg=[map_id, before],
    )
    return _view(page, map_id)


def _assert_markers_have_names(page) -> int:
    markers = page.locator(".leaflet-marker-pane .leaflet-marker-icon").evaluate_all(MARKER_NAMES)
    assert markers, "no markers on the map"
    for marker in markers:
        assert marker["name"] and not marker["name"].isdigit(), f"marker without a text alternative: {marker}"
        assert marker["role"] == "button" and marker["tabindex"] == "0", marker
    return len(markers)


def _tab_to_single_marker(page, limit: int = 120) -> None:
    """Tab on from the map until a single contribution's marker has focus (clusters come first
    in some views); every stop shows its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus_is_visible(page)
        if page.evaluate(f"() => document.activeElement.matches({SINGLE!r})"):
            return
    raise AssertionError(f"no contribution marker reached with {limit} presses of Tab")


def test_the_round_map_is_operable_with_the_keyboard_alone(site, map_page):
    page = map_page
    _open_round(page, site)
    expect(page.locator(".contribution-cluster").first).to_be_visible()
    _assert_markers_have_names(page)

    # Tab from the top of the page reaches the map; its focus ring shows.
    container = page.locator(MAP)
    map_id = container.get_attribute("id")
    from_the_top(page)
    tab_to(page, container, limit=100)
    expect(container).to_be_focused()

    # Pan with the arrow keys: the centre moves east, then south.
    start = _view(page, map_id)
    moved = _press_and_wait(page, map_id, "ArrowRight", "v.lng > b.lng && v.zoom === b.zoom")
    _press_and_wait(page, map_id, "ArrowDown", "v.lat < b.lat && Math.abs(v.lng - b.lng) < 1e-9")
    expect(container).to_be_focused()
    focus_is_visible(page)

    # Zoom in with "+" and out with "-".
    zoomed_in = _press_and_wait(page, map_id, "+", "v.zoom > b.zoom")
    _press_and_wait(page, map_id, "-", "v.zoom < b.zoom")
    _press_and_wait(page, map_id, "+", "v.zoom > b.zoom")
    assert _view(page, map_id)["zoom"] == zoomed_in["zoom"] > start["zoom"]
    assert moved != start
    expect(page.locator(".map-status")).to_have_text(re.compile(r"reacties? in dit kaartbeeld"))
    focus_is_visible(page)
    # After zooming, every marker and cluster in view still has a name.
    _assert_markers_have_names(page)

    # Tab to a contribution's marker and open its details with Enter.
    _tab_to_single_marker(page)
    marker = page.locator(f"{SINGLE}:focus").element_handle()
    assert marker.get_attribute("title") and marker.get_attribute("alt")
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_be_visible()
    expect(popup).to_contain_text("Steun:")
    expect(page.locator(".leaflet-popup-close-button")).to_have_attribute("aria-label", "Venster sluiten")
    # The focus moves into the popup, so that it is read and Tab goes on to its link.
    expect(popup).to_be_focused()
    focus_is_visible(page)

    # Escape closes it; the focus goes back to the marker it came from (not lost, not trapped).
    page.keyboard.press("Escape")
    expect(popup).to_have_count(0)
    page.wait_for_function("el => document.activeElement === el", arg=marker)
    focus_is_visible(page)

    # Open it again; Tab reaches the link to the contribution's page, Enter follows it.
    page.keyboard.press("Enter")
    expect(popup).to_be_focused()
    link = popup.get_by_role("link", name="Bekijk deze inbreng")
    tab_to(page, link, limit=1)
    href = link.get_attribute("href")
    assert re.fullmatch(rf"/rondes/{ROUND}/inbreng/\d+", href), href
    # Escape from inside the popup closes it too, and gives the focus back to the marker.
    page.keyboard.press("Escape")
    expect(popup).to_have_count(0)
    page.wait_for_function("el => document.activeElement === el", arg=marker)
    shift_tab_back(page, marker)  # not trapped: Shift+Tab leaves the marker, Tab comes back
    page.keyboard.press("Enter")
    expect(popup).to_be_focused()
    tab_to(page, link, limit=1)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"{re.escape(href)}$"))
    expect(page.locator("main h1")).to_be_visible()


@pytest.fixture
def someone_elses(demo_app):
    """A published contribution in the demo round by someone other than the resident."""
    with demo_app.app_context():
        round_ = rounds.get_round(ROUND)
        resident_id = db.session.scalar(select(User.id).filter_by(email=RESIDENT))
        contribution_id = db.session.scalar(
            select(Contribution.id).where(Contribution.round_id == round_.id, Contribution.status == PUBLISHED,
                                          Contribution.author_id != resident_id)
            .order_by(Contribution.id).limit(1))
        assert contribution_id is not None
        assert not db.session.scalar(select(Flag.id).filter_by(contribution_id=contribution_id, user_id=resident_id))
        return contribution_id, resident_id


def test_resident_flags_a_contribution_with_the_keyboard_only(site, map_page, demo_app, someone_elses):
    page = map_page
    contribution_id, resident_id = someone_elses
    keyboard_log_in(page, site, RESIDENT)
    page.goto(site.url(f"/rondes/{ROUND}/inbreng/{contribution_id}"))

    # Tab to the disclosure "Meld deze inbreng" and open it with Enter.
    from_the_top(page)
    flag = page.locator("main details.flag-form").first
    summary = flag.locator("summary")
    expect(summary).to_have_text("Meld deze inbreng")
    expect(flag).not_to_have_attribute("open", "")
    tab_to(page, summary, limit=300)
    page.keyboard.press("Enter")
    expect(flag).to_have_attribute("open", "")

    # Tab into the reasons: the first radio button; the arrow keys choose, Space confirms.
    first = flag.locator("input[type=radio]").first
    tab_to(page, first, limit=5)
    page.keyboard.press("ArrowDown")
    chosen = flag.locator("input[type=radio][value=personal_data]")
    expect(chosen).to_be_focused()
    expect(chosen).to_be_checked()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Space")
    expect(chosen).to_be_checked()
    focus_is_visible(page)

    # Tab to the note (optional), type one, Tab to the button and send with Enter.
    note = flag.locator("input[name=note]")
    tab_to(page, note, limit=5)
    page.keyboard.type("Er staat een telefoonnummer in.")
    button = flag.get_by_role("button", name="Melding versturen")
    tab_to(page, button, limit=5)
    page.keyboard.press("Enter")

    # Back on the contribution, the thanks are in the status region (aria-live).
    expect(page).to_have_url(re.compile(rf"/inbreng/{contribution_id}(#.*)?$"))
    expect(status_region(page)).to_contain_text("Dank u wel voor uw melding. Een moderator bekijkt het.")
    with demo_app.app_context():
        saved = db.session.scalar(select(Flag).filter_by(contribution_id=contribution_id, user_id=resident_id))
        assert saved is not None and saved.reason == "personal_data"
        assert saved.note == "Er staat een telefoonnummer in."

    # The rest of the page lets go of the focus: on to the footer.
    from_the_top(page)
    tab_to(page, page.locator("footer a[href='/toegankelijkheid']"), limit=300)
