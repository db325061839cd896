"""Browser flows for projects: a visitor reads a project and finds its document by searching; an
admin uploads a document through the staff area and then finds it with the search box."""
import re

import pytest
from playwright.sync_api import expect

from participatie import demo

from .conftest import answer_tiles, screenshot



@pytest.fixture
def demo_site(live_app, live_server, page):
    """The live server with the demo data, and map tiles answered locally (no network in tests)."""
    with live_app.app_context():
        demo.load()
    answer_tiles(live_app, page)
    return live_server


def search_in_header(page, words: str) -> None:
    box = page.locator("header").get_by_label("Zoeken in projecten en documenten")
    box.fill(words)
    box.press("Enter")


def test_visitor_reads_timeline_searches_and_opens_the_document(demo_site, page):
    page.goto(demo_site.url("/"))
    page.get_by_role("link", name="Kansenkaart zonnevelden").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Kansenkaart zonnevelden")
    # What happens now and next is said in words, not only shown in colour.
    expect(page.locator(".status-now")).to_contain_text("Nu: Open voor inbreng")
    expect(page.locator(".status-now")).to_contain_text("Hierna: Verwerken van de inbreng")
    current = page.locator('ol.timeline li[aria-current="step"]')
    expect(current).to_have_count(1)
    expect(current.locator(".phase-state")).to_have_text("Nu")
    expect(current.get_by_role("heading")).to_have_text("Open voor inbreng")
    expect(page.locator("ol.timeline li.done .phase-state").first).to_have_text("Afgerond")
    expect(page.locator(".leaflet-overlay-pane path")).to_have_count(1)  # the area on the small map
    screenshot(page, "project-kansenkaart-zonnevelden")

    search_in_header(page, "zonneveld")
    expect(page).to_have_url(re.compile(r"/zoeken\?q=zonneveld"))
    result = page.locator(".search-results li").filter(has_text="Toelichting kansenkaart zonnevelden")
    expect(result.locator("mark").first).to_have_text(re.compile("zonnevelden", re.IGNORECASE))
    result.get_by_role("link", name="Toelichting kansenkaart zonnevelden").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Toelichting kansenkaart zonnevelden")
    expect(page.locator(".document-text")).to_contain_text("Provincie Utrecht wil zonnevelden")
    expect(page.get_by_role("link", name=re.compile("Download het bestand"))).to_be_visible()
    screenshot(page, "document-als-tekst")


def test_admin_uploads_a_document_and_finds_it(demo_site, page):
    page.goto(demo_site.url("/account/inloggen"))
    page.locator('input[name="email"]').fill("beheer@example.nl")
    page.locator('input[name="password"]').fill(demo.PASSWORD)
    page.locator("main").get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Beheer", exact=True).click()
    page.get_by_role("link", name="Projecten", exact=True).last.click()
    page.locator("table").get_by_role("link", name="Kansenkaart zonnevelden", exact=True).click()
    page.get_by_role("link", name="Document toevoegen").click()

    page.get_by_label("Titel").fill("Notitie stiltegebieden")
    page.get_by_label("Omschrijving").fill("Waar het stil moet blijven.")
    page.get_by_label("Bestand").set_input_files({
        "name": "notitie-stiltegebieden.pdf",
        "mimeType": "application/pdf",
        "buffer": demo.simple_pdf(["Notitie", "Bij Amerongen liggen stiltegebieden zonder zonnepanelen."]),
    })
    page.get_by_role("button", name="Document opslaan").click()
    expect(page.get_by_text("Het document is opgeslagen.")).to_be_visible()
    expect(page.locator("#documenten")).to_be_visible()
    expect(page.locator("table").get_by_role("link", name="Notitie stiltegebieden")).to_be_visible()

    search_in_header(page, "stiltegebied")
    link = page.locator(".search-results").get_by_role("link", name="Notitie stiltegebieden")
    expect(link).to_be_visible()
    expect(page.locator(".search-results mark").first).to_have_text("stiltegebieden")
    link.click()
    expect(page.locator(".document-text")).to_contain_text("Bij Amerongen liggen stiltegebieden")
