"""HTTP: public project pages, documents, downloads, search, and the staff area with its access rules."""
import io
import json
from datetime import date, timedelta

import pytest

from participatie.extensions import db
from participatie.permissions import Role
from participatie.projects import search, services
from participatie.projects.models import Document, Phase, Project

from . import samples

SQUARE = {"type": "Polygon", "coordinates": [[[5.0, 52.0], [5.1, 52.0], [5.1, 52.1], [5.0, 52.1], [5.0, 52.0]]]}


def html(response) -> str:
    return response.get_data(as_text=True)


# --- public pages ----------------------------------------------------------------------------


def test_home_lists_published_projects_only(client, make_project):
    make_project(title="Kansenkaart zonnevelden", summary="Waar passen zonnevelden?", themes="landschap, natuur")
    make_project(title="Geheim concept", status="draft")
    page = html(client.get("/"))
    assert "Kansenkaart zonnevelden" in page and "Waar passen zonnevelden?" in page
    assert '<span class="tag">landschap</span>' in page
    assert "Geheim concept" not in page


def test_detail_shows_timeline_state_in_text(client, make_project):
    project = make_project(title="Fietsroutes", summary="Door Zeist en De Bilt.", area=SQUARE,
                           description="<h2>Plan</h2><p>Brede paden</p>", contact_email="fiets@example.org")
    today = date.today()
    services.add_phase(project, "Verkenning", today - timedelta(days=60), today - timedelta(days=31))
    services.add_phase(project, "Ontwerp", today - timedelta(days=30), today + timedelta(days=10))
    services.add_phase(project, "Aanleg", today + timedelta(days=11), None)
    db.session.commit()
    page = html(client.get(f"/projecten/{project.slug}"))
    assert "<strong>Nu:</strong> Ontwerp" in page
    assert "<strong>Hierna:</strong> Aanleg" in page
    assert '<li class="current" aria-current="step">' in page
    assert '<span class="phase-state">Afgerond</span>' in page
    assert '<span class="phase-state">Nu</span>' in page
    assert '<span class="phase-state">Hierna</span>' in page
    assert "<h3>Plan</h3><p>Brede paden</p>" in page  # under the page's own h2
    assert 'href="mailto:fiets@example.org"' in page
    assert "Het projectgebied is ongeveer" in page  # the map's text alternative
    assert "leaflet" in page.lower()  # the small map itself


@pytest.mark.parametrize("role", [None, Role.RESIDENT, Role.POLICY_ANALYST])
def test_draft_is_404_for_the_public_and_non_admins(client, make_project, make_document, login_as, role):
    draft = make_project(title="Concept", status="draft")
    document = make_document(draft)
    if role:
        login_as(role)
    assert client.get(f"/projecten/{draft.slug}").status_code == 404
    assert client.get(f"/projecten/{draft.slug}/documenten/{document.id}").status_code == 404
    assert client.get(f"/projecten/{draft.slug}/documenten/{document.id}/download").status_code == 404


def test_admin_sees_a_draft_with_a_concept_notice(client, make_project, login_as):
    draft = make_project(title="Concept", status="draft")
    login_as(Role.ADMIN)
    response = client.get(f"/projecten/{draft.slug}")
    assert response.status_code == 200
    assert "Dit project is nog niet gepubliceerd" in html(response)


def test_unknown_project_is_404(client):
    assert client.get("/projecten/bestaat-niet").status_code == 404


def test_document_page_shows_escaped_text_and_details(client, make_project, make_document):
    project = make_project()
    document = make_document(project, title="Verslag", filename="verslag.txt",
                             text="Kop\n\n<script>alert(1)</script> & meer\ntweede regel")
    page = html(client.get(f"/projecten/{project.slug}/documenten/{document.id}"))
    assert "<h1>Verslag</h1>" in page
    assert "<p>Kop</p><p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; meer\ntweede regel</p>" in page
    assert "<script>alert(1)" not in page
    assert "verslag.txt" in page and "Tekst (TXT)" in page
    assert f"/projecten/{project.slug}/documenten/{document.id}/download" in page


def test_document_page_explains_when_there_is_no_text(client, make_project):
    project = make_project()
    document = services.add_document(project, "Scan", "scan.pdf", samples.encrypted_pdf(["x"]))
    db.session.commit()
    page = html(client.get(f"/projecten/{project.slug}/documenten/{document.id}"))
    assert "beveiligd met een wachtwoord" in page


def test_document_of_another_project_is_404(client, make_project, make_document):
    first, second = make_project(), make_project()
    document = make_document(first)
    assert client.get(f"/projecten/{second.slug}/documenten/{document.id}").status_code == 404
    assert client.get(f"/projecten/{second.slug}/documenten/{document.id}/download").status_code == 404
    assert client.get(f"/projecten/{first.slug}/documenten/999999").status_code == 404


def test_download_headers(client, make_project):
    project = make_project()
    data = samples.pdf(["Hallo"])
    document = services.add_document(project, "Toelichting", "Toelichting zonnevelden (één).pdf", data)
    db.session.commit()
    response = client.get(f"/projecten/{project.slug}/documenten/{document.id}/download")
    assert response.status_code == 200
    assert response.data == data
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Toelichting%20zonnevelden%20%28%C3%A9%C3%A9n%29.pdf" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_download_of_text_says_utf8(client, make_project, make_document):
    project = make_project()
    document = make_document(project, text="Zonnevelden", filename="notitie.txt")
    response = client.get(f"/projecten/{project.slug}/documenten/{document.id}/download")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Disposition"] == "attachment; filename=notitie.txt"


# --- search ----------------------------------------------------------------------------------


def test_search_page_finds_and_highlights(client, make_project, make_document):
    project = make_project(title="Energie")
    document = make_document(project, title="Notitie", text="Hier komen zonnevelden.")
    response = client.get("/zoeken?q=zonneveld")
    page = html(response)
    assert response.status_code == 200
    assert f'href="/projecten/{project.slug}/documenten/{document.id}"' in page
    assert "<mark>zonnevelden</mark>" in page
    assert "Document bij project Energie" in page
    assert "1 resultaat voor" in page


@pytest.mark.parametrize("query", ["' OR 1=1 --", "<script>alert(1)</script>", '"', "NEAR(", "*"])
def test_search_with_hostile_input_is_a_normal_page(client, make_project, query):
    make_project(title="Zonnevelden")
    response = client.get("/zoeken", query_string={"q": query})
    assert response.status_code == 200
    page = html(response)
    assert "<script>alert(1)</script>" not in page
    assert "Geen resultaten" in page


def test_search_without_words_and_too_long(client):
    empty = client.get("/zoeken?q=")
    assert empty.status_code == 200 and "Vul een of meer woorden in" in html(empty)
    long = client.get("/zoeken", query_string={"q": "x" * 201})
    assert long.status_code == 400 and "te lang" in html(long)
    assert client.get("/zoeken", query_string={"q": "x" * 200}).status_code == 200


def test_search_pages(client, make_project, make_document):
    project = make_project(title="Verzameling")
    for n in range(21):
        make_document(project, title=f"Stuk {n}", text="zonnevelden")
    first = html(client.get("/zoeken?q=zonneveld"))
    assert "Pagina 1 van 2" in first and 'rel="next"' in first
    second = html(client.get("/zoeken?q=zonneveld&pagina=2"))
    assert second.count('class="snippet"') == 1 and 'rel="prev"' in second
    assert client.get("/zoeken?q=zonneveld&pagina=abc").status_code == 200
    assert client.get("/zoeken?q=zonneveld&pagina=-3").status_code == 200


# --- staff area: access ----------------------------------------------------------------------


def test_visitor_is_sent_to_login(client):
    response = client.get("/beheer/projecten")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/inloggen")


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.STAKEHOLDER])
def test_residents_get_403_in_the_staff_area(client, login_as, role):
    login_as(role)
    assert client.get("/beheer/projecten").status_code == 403
    assert client.get("/beheer/").status_code == 403


def test_facilitator_sees_dashboard_but_not_project_management(client, login_as):
    login_as(Role.FACILITATOR)
    response = client.get("/beheer/")
    assert response.status_code == 200
    assert "/beheer/projecten" not in html(response)
    assert client.get("/beheer/projecten").status_code == 403
    assert client.post("/beheer/projecten/nieuw", data={"title": "X"}).status_code == 403


def test_admin_dashboard_links_to_projects_users_and_organisations(client, login_as):
    login_as(Role.ADMIN)
    page = html(client.get("/beheer/"))
    assert 'href="/beheer/projecten"' in page
    assert 'href="/beheer/gebruikers"' in page
    assert 'href="/beheer/organisaties"' in page


# --- staff area: projects, phases, documents -------------------------------------------------


def project_form(**overrides):
    data = {
        "title": "Nieuwe natuur", "slug": "", "summary": "Kort", "description": "<p>Lang</p><script>x</script>",
        "themes": "natuur, water", "contact_name": "Team", "contact_email": "team@example.org",
        "contact_phone": "030 123 4567", "status": "published", "area": json.dumps(SQUARE),
    }
    data.update(overrides)
    return data


def test_admin_creates_a_project(client, login_as):
    login_as(Role.ADMIN)
    response = client.post("/beheer/projecten/nieuw", data=project_form())
    assert response.status_code == 302
    project = db.session.scalar(db.select(Project).filter_by(slug="nieuwe-natuur"))
    assert project.description_html == "<p>Lang</p>"
    assert project.themes == ["natuur", "water"]
    assert project.area == SQUARE
    assert response.headers["Location"] == f"/beheer/projecten/{project.id}"
    assert search.search("natuur").total == 1
    assert client.get("/projecten/nieuwe-natuur").status_code == 200


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"area": '{"type": "Polygon", "coordinates": [[[5, 52], [5.1, 52.1], [5.1, 52], [5, 52.1], [5, 52]]]}'},
         "randen elkaar kruisen"),
        ({"area": "{kapot"}, "geen geldige GeoJSON"),
        ({"title": ""}, "Vul een titel in."),
        ({"slug": "Met Spaties"}, "kleine letters"),
        ({"contact_email": "geen-mail"}, "geldig e-mailadres"),
        ({"status": "geheim"}, "Ongeldige keuze"),
    ],
)
def test_invalid_project_form_is_400_and_keeps_input(client, login_as, overrides, message):
    login_as(Role.ADMIN)
    response = client.post("/beheer/projecten/nieuw", data=project_form(summary="Mijn getypte tekst", **overrides))
    assert response.status_code == 400
    page = html(response)
    assert message in page
    assert "Mijn getypte tekst" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Project)) == 0


def test_slug_must_be_unique(client, login_as, make_project):
    existing = make_project(slug="bezet")
    login_as(Role.ADMIN)
    response = client.post("/beheer/projecten/nieuw", data=project_form(slug="bezet"))
    assert response.status_code == 400 and "al in gebruik" in html(response)
    # Saving a project under its own slug is fine.
    response = client.post(f"/beheer/projecten/{existing.id}", data=project_form(slug="bezet", title="Ander"))
    assert response.status_code == 302
    assert db.session.get(Project, existing.id).title == "Ander"


def test_edit_form_shows_current_values_and_unpublishing_hides_it(client, login_as, make_project):
    project = make_project(title="Zichtbaar", area=SQUARE, themes="natuur")
    login_as(Role.ADMIN)
    page = html(client.get(f"/beheer/projecten/{project.id}"))
    assert 'value="Zichtbaar"' in page and "natuur" in page and "Polygon" in page
    client.post(f"/beheer/projecten/{project.id}", data=project_form(title="Zichtbaar", slug=project.slug,
                                                                     status="draft"))
    client.post("/account/uitloggen")
    assert client.get(f"/projecten/{project.slug}").status_code == 404
    assert search.search("zichtbaar").total == 0


def test_admin_manages_phases(client, login_as, make_project):
    project = make_project()
    login_as(Role.ADMIN)
    bad = client.post(f"/beheer/projecten/{project.id}/fasen/nieuw",
                      data={"title": "Fout", "starts_on": "2026-12-01", "ends_on": "2026-11-01"})
    assert bad.status_code == 400 and "op of na de begindatum" in html(bad)
    good = client.post(f"/beheer/projecten/{project.id}/fasen/nieuw",
                       data={"title": "Inbreng", "starts_on": "2026-11-01", "ends_on": "2026-12-01"})
    assert good.status_code == 302
    phase = db.session.scalar(db.select(Phase).filter_by(project_id=project.id))
    assert (phase.title, phase.starts_on, phase.ends_on) == ("Inbreng", date(2026, 11, 1), date(2026, 12, 1))
    edit = client.post(f"/beheer/projecten/{project.id}/fasen/{phase.id}",
                       data={"title": "Open voor inbreng", "starts_on": "2026-11-02", "ends_on": ""})
    assert edit.status_code == 302
    db.session.refresh(phase)
    assert (phase.title, phase.ends_on) == ("Open voor inbreng", None)
    other = make_project()
    assert client.post(f"/beheer/projecten/{other.id}/fasen/{phase.id}/verwijderen").status_code == 404
    assert client.post(f"/beheer/projecten/{project.id}/fasen/{phase.id}/verwijderen").status_code == 302
    assert db.session.get(Phase, phase.id) is None


def upload(client, project, data, filename, title="Nieuw document"):
    return client.post(
        f"/beheer/projecten/{project.id}/documenten/nieuw",
        data={"title": title, "description": "Uitleg", "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    "data, filename",
    [
        (samples.pdf(["Over windparken"]), "windparken.pdf"),
        (samples.docx(["Over windparken"]), "windparken.docx"),
        (samples.odt("Windparken", ["Over windparken"]), "windparken.odt"),
        ("Over windparken".encode(), "windparken.txt"),
    ],
)
def test_admin_uploads_a_document_and_it_is_searchable(client, login_as, make_project, data, filename):
    project = make_project(title="Energie")
    login_as(Role.ADMIN)
    response = upload(client, project, data, filename)
    assert response.status_code == 302
    document = db.session.scalar(db.select(Document).filter_by(project_id=project.id))
    assert document.filename == filename and document.file.data == data
    assert [r.entry.object_id for r in search.search("windpark").results] == [document.id]


def test_exe_renamed_pdf_is_refused(client, login_as, make_project):
    project = make_project()
    login_as(Role.ADMIN)
    response = upload(client, project, samples.EXE, "factuur.pdf", title="Mijn titel")
    assert response.status_code == 400
    page = html(response)
    assert "Dit soort bestand kan niet" in page and 'value="Mijn titel"' in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Document)) == 0


def test_oversize_upload_is_refused(make_app, make_user, make_project):
    app = make_app(MAX_DOCUMENT_BYTES=1000, MAX_CONTENT_LENGTH=100_000)
    with app.app_context():
        client = app.test_client()
        admin = make_user(roles=(Role.ADMIN,))
        project = services.create_project(title="X")
        db.session.commit()
        client.post("/account/inloggen", data={"email": admin.email, "password": "correct-horse-battery-9"})
        too_big = upload(client, project, b"a" * 1001, "groot.txt")
        assert too_big.status_code == 400 and "te groot" in html(too_big)
        way_too_big = upload(client, project, b"a" * 200_000, "enorm.txt")
        assert way_too_big.status_code == 413
        assert db.session.scalar(db.select(db.func.count()).select_from(Document)) == 0


def test_corrupt_pdf_upload_is_stored_with_a_notice(client, login_as, make_project):
    project = make_project()
    login_as(Role.ADMIN)
    response = upload(client, project, b"%PDF-1.5\nkapot", "kapot.pdf")
    assert response.status_code == 302
    document = db.session.scalar(db.select(Document))
    assert document.extract_notice == "unreadable"
    page = html(client.get(response.headers["Location"]))
    assert "de tekst kon niet worden gelezen" in page


def test_upload_without_file_is_400(client, login_as, make_project):
    project = make_project()
    login_as(Role.ADMIN)
    response = client.post(f"/beheer/projecten/{project.id}/documenten/nieuw", data={"title": "x"})
    assert response.status_code == 400 and "Kies een bestand" in html(response)


def test_admin_deletes_a_document_and_a_project(client, login_as, make_project, make_document):
    project = make_project(title="Weg ermee")
    document = make_document(project, text="zonnevelden")
    login_as(Role.ADMIN)
    assert client.post(f"/beheer/projecten/{project.id}/documenten/{document.id}/verwijderen").status_code == 302
    assert db.session.get(Document, document.id) is None
    assert search.search("zonneveld").total == 0
    # Without ticking the confirmation box nothing happens.
    assert client.post(f"/beheer/projecten/{project.id}/verwijderen").status_code == 302
    assert db.session.get(Project, project.id) is not None
    assert client.post(f"/beheer/projecten/{project.id}/verwijderen", data={"confirm": "yes"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Project, project.id) is None
    assert client.get("/beheer/projecten/999").status_code == 404


def test_staff_forms_need_a_csrf_token(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        admin = make_user(roles=(Role.ADMIN,))
        project = services.create_project(title="X")
        db.session.commit()
        client = app.test_client()
        with client.session_transaction() as session:  # logged in as the admin, without a form
            session["_user_id"] = admin.get_id()
            session["_fresh"] = True
        assert client.get("/beheer/projecten").status_code == 200
        response = client.post(f"/beheer/projecten/{project.id}/verwijderen", data={"confirm": "yes"})
        assert response.status_code == 400
        assert db.session.get(Project, project.id) is not None
