"""Accessibility in the HTML itself (the browser checks are in tests/browser/test_accessibility.py):
the accessibility statement (toegankelijkheidsverklaring) — public, in the model's structure, linked
from every page's footer, dated in the visitor's language; page titles that say a form has errors;
Dutch content marked lang="nl" inside the English interface."""
import re

from participatie import demo
from participatie.permissions import Role


def test_statement_is_public_and_follows_the_model_structure(client):
    response = client.get("/toegankelijkheid")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Toegankelijkheidsverklaring</h1>" in page
    # Status, how tested, known gaps with their alternative, contact with response time, enforcement, date.
    assert "Status: voldoet gedeeltelijk" in page
    assert "axe-core" in page and "320 pixels" in page
    assert "alleen met een muis" in page and "zonder de kaart" in page
    assert 'href="mailto:provincie@provincie-utrecht.nl"' in page
    assert 'href="tel:0302589111"' in page
    assert "Binnen 5 werkdagen" in page
    assert "Nationale ombudsman" in page and 'href="https://www.nationaleombudsman.nl/"' in page
    assert "24 november 2026" in page


def test_statement_date_follows_the_language(client):
    client.get("/taal/en")
    page = client.get("/toegankelijkheid").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "November 24, 2026" in page


def test_contact_details_come_from_the_configuration(make_app):
    app = make_app(ACCESSIBILITY_CONTACT_EMAIL="digitoegankelijk@example.org", ACCESSIBILITY_CONTACT_PHONE="030 123 4567")
    page = app.test_client().get("/toegankelijkheid").get_data(as_text=True)
    assert 'href="mailto:digitoegankelijk@example.org"' in page
    assert 'href="tel:0301234567"' in page


def test_every_kind_of_page_links_to_the_statement_in_its_footer(client, login_as):
    footer_link = re.compile(r'<footer class="site-footer">.*<a href="/toegankelijkheid">', re.DOTALL)
    for path in ("/", "/zoeken?q=fiets", "/account/inloggen", "/account/registreren", "/bestaat-niet"):
        assert footer_link.search(client.get(path).get_data(as_text=True)), path
    login_as(Role.ADMIN)
    for path in ("/beheer/", "/beheer/gebruikers", "/account/"):
        assert footer_link.search(client.get(path).get_data(as_text=True)), path


def test_a_form_with_errors_says_so_in_the_page_title(client):
    response = client.post("/account/registreren", data={})
    assert response.status_code == 400
    assert "<title>Fout: Account maken" in response.get_data(as_text=True)
    assert "<title>Account maken" in client.get("/account/registreren").get_data(as_text=True)


def test_dutch_content_is_marked_as_dutch_in_the_english_interface(make_app):
    app = make_app()
    with app.app_context():
        demo.load()
    # Requests outside a pushed app context: Flask-Babel keeps the locale per context.
    client = app.test_client()
    document_id = re.search(r"/documenten/(\d+)", client.get("/projecten/kansenkaart-zonnevelden").get_data(as_text=True))
    client.get("/taal/en")
    project = client.get("/projecten/kansenkaart-zonnevelden").get_data(as_text=True)
    assert '<html lang="en">' in project
    assert '<h1 lang="nl">Kansenkaart zonnevelden</h1>' in project
    assert '<span lang="nl"><span class="tag">landschap</span>' in project
    document = client.get(f"/projecten/kansenkaart-zonnevelden/documenten/{document_id.group(1)}").get_data(as_text=True)
    assert '<div class="document-text" lang="nl">' in document
    home = client.get("/").get_data(as_text=True)
    assert '<h2 lang="nl"><a href="/projecten/kansenkaart-zonnevelden">' in home
    results = client.get("/zoeken?q=zonneveld").get_data(as_text=True)
    assert '<p class="snippet" lang="nl">' in results


def _region(page: str, attributes: str) -> str:
    """The inner HTML of the flash region with exactly these attributes."""
    match = re.search(rf'<div class="(?:flashes|flash-alerts)" {attributes}>(.*?)</div>', page, re.S)
    assert match, f"no flash region with {attributes}"
    return match.group(1)


def test_status_messages_are_announced_and_errors_at_once(app):
    """Flash messages: a polite live region (role=status) for what went well, an alert for errors;
    each message in exactly one of them."""
    from flask import flash, render_template_string

    with app.test_request_context("/"):
        flash("Uw steun is opgeslagen.", "success")
        flash("De wachtrij is nu niet bereikbaar.", "error")
        page = render_template_string('{% extends "base.html" %}')
    status = _region(page, 'role="status" aria-live="polite"')
    alert = _region(page, 'role="alert"')
    assert "Uw steun is opgeslagen." in status and "wachtrij" not in status
    assert "De wachtrij is nu niet bereikbaar." in alert and "steun" not in alert
    assert page.count("Uw steun is opgeslagen.") == 1 and page.count("De wachtrij") == 1


def test_status_message_after_a_real_action_is_in_the_status_region(client, login_as):
    """A real redirect with a message (an admin deletes a project without ticking the box: an error)."""
    from participatie.extensions import db
    from participatie.projects.models import Project

    login_as(Role.ADMIN)
    project = Project(slug="flash-project", title="Flash", status="draft")
    db.session.add(project)
    db.session.commit()
    page = client.post(f"/beheer/projecten/{project.id}/verwijderen", follow_redirects=True).get_data(as_text=True)
    assert "Vink eerst aan dat u het project echt wilt verwijderen." in _region(page, 'role="alert"')
    page = client.post(f"/beheer/projecten/{project.id}/verwijderen", data={"confirm": "yes"},
                       follow_redirects=True).get_data(as_text=True)
    assert "is verwijderd" in _region(page, 'role="status" aria-live="polite"')
