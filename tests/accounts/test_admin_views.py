"""The staff area for users and organisations, as an admin."""
import re

from participatie.accounts import services
from participatie.accounts.models import Organisation
from participatie.extensions import db
from participatie.permissions import Role


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_users_list_search_and_pages(client, login_as, make_user):
    login_as(Role.ADMIN, email="beheer@example.nl")
    make_user(email="anna@example.nl", display_name="Anna de Vries", roles=(Role.RESIDENT, Role.MODERATOR))
    body = _text(client.get("/beheer/gebruikers"))
    assert "anna@example.nl" in body and "beheer@example.nl" in body
    assert "bewoner, moderator" in body
    body = _text(client.get("/beheer/gebruikers?q=vries"))
    assert "anna@example.nl" in body and "beheer@example.nl" not in body
    assert 'value="vries"' in body
    assert "1 gebruiker gevonden" in body

    for n in range(50):
        make_user(email=f"zz{n:02d}@example.nl")
    first = _text(client.get("/beheer/gebruikers"))
    # 52 users by e-mail: anna, beheer, zz00 … zz49.
    assert "Pagina 1 van 2" in first and "zz47@example.nl" in first and "zz48@example.nl" not in first
    assert 'href="/beheer/gebruikers?page=2"' in first
    second = _text(client.get("/beheer/gebruikers?page=2"))
    assert "zz48@example.nl" in second and "zz49@example.nl" in second and "anna@example.nl" not in second
    # Nonsense page numbers do not break the page.
    assert client.get("/beheer/gebruikers?page=abc").status_code == 200
    assert client.get("/beheer/gebruikers?page=-4").status_code == 200


def test_search_for_sql_and_script_is_harmless(client, login_as, make_user):
    login_as(Role.ADMIN)
    make_user(display_name="<script>alert(1)</script>")
    response = client.get("/beheer/gebruikers", query_string={"q": "' OR 1=1 --"})
    assert response.status_code == 200 and "0 gebruikers gevonden" in _text(response)
    body = _text(client.get("/beheer/gebruikers", query_string={"q": "<script>"}))
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "1 gebruiker gevonden" in body


def test_admin_edits_roles_organisation_and_active(client, login_as, make_user):
    login_as(Role.ADMIN)
    lto = services.save_organisation(None, "LTO", "")
    user = make_user(email="anna@example.nl")
    page = _text(client.get(f"/beheer/gebruikers/{user.id}"))
    for label in ("bewoner", "belanghebbende organisatie", "gespreksleider", "moderator", "beleidsmedewerker",
                  "beheerder"):
        assert label in page
    assert page.count('type="checkbox"') == 7  # six roles and "active"
    assert re.search(r'<input checked id="roles-0" name="roles" type="checkbox" value="resident">', page)
    response = client.post(f"/beheer/gebruikers/{user.id}",
                           data={"roles": ["resident", "stakeholder"], "organisation": str(lto.id), "active": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert user.role_set == {Role.RESIDENT, Role.STAKEHOLDER}
    assert user.organisation_id == lto.id and user.active
    assert "De gegevens van anna@example.nl zijn opgeslagen" in _text(client.get(response.location))
    # Unchecking "active" deactivates; unchecking every role leaves none.
    client.post(f"/beheer/gebruikers/{user.id}", data={"organisation": "0"})
    db.session.expire_all()
    assert not user.active and user.role_set == set() and user.organisation_id is None


def test_deactivated_user_is_logged_out(make_app):
    app = make_app()
    with app.app_context():
        admin = services.create_user("beheer@example.nl", "correct-horse-battery-9", "Beheer",
                                     roles=(Role.ADMIN,), confirmed=True)
        anna = services.create_user("anna@example.nl", "correct-horse-battery-9", "Anna", confirmed=True)
        db.session.commit()
        anna_id = anna.id
    admin_client, anna_client = app.test_client(), app.test_client()
    for c, email in ((admin_client, "beheer@example.nl"), (anna_client, "anna@example.nl")):
        assert c.post("/account/inloggen",
                      data={"email": email, "password": "correct-horse-battery-9"}).status_code == 302
    assert anna_client.get("/account/").status_code == 200
    admin_client.post(f"/beheer/gebruikers/{anna_id}", data={"roles": ["resident"], "organisation": "0"})
    assert anna_client.get("/account/").status_code == 302


def test_admin_cannot_remove_own_admin_role_or_deactivate_self(client, login_as):
    admin = login_as(Role.ADMIN)
    response = client.post(f"/beheer/gebruikers/{admin.id}",
                           data={"roles": ["resident"], "organisation": "0", "active": "y"})
    assert response.status_code == 400
    assert "U kunt uw eigen rol beheerder niet weghalen" in _text(response)
    response = client.post(f"/beheer/gebruikers/{admin.id}", data={"roles": ["admin"], "organisation": "0"})
    assert response.status_code == 400
    assert "U kunt uw eigen account niet uitschakelen" in _text(response)
    db.session.expire_all()
    assert admin.role_set == {Role.ADMIN} and admin.active
    assert client.get("/beheer/gebruikers").status_code == 200


def test_edit_user_bad_input(client, login_as, make_user):
    login_as(Role.ADMIN)
    user = make_user()
    assert client.get("/beheer/gebruikers/999999").status_code == 404
    assert client.post("/beheer/gebruikers/999999", data={"roles": ["admin"]}).status_code == 404
    for data in ({"roles": ["emperor"], "organisation": "0", "active": "y"},
                 {"roles": ["resident"], "organisation": "424242", "active": "y"},
                 {"roles": ["resident"], "organisation": "abc", "active": "y"}):
        assert client.post(f"/beheer/gebruikers/{user.id}", data=data).status_code == 400, data
    db.session.expire_all()
    assert user.role_set == {Role.RESIDENT}


def test_organisations_create_list_edit(client, login_as, make_user):
    login_as(Role.ADMIN)
    response = client.post("/beheer/organisaties", data={"name": " Staatsbosbeheer ", "description": "Bos en natuur"})
    assert response.status_code == 302
    organisation = db.session.scalar(db.select(Organisation))
    assert organisation.name == "Staatsbosbeheer"
    body = _text(client.get("/beheer/organisaties"))
    assert f'href="/beheer/organisaties/{organisation.id}"' in body
    assert "Organisatie Staatsbosbeheer is toegevoegd" in body

    member = make_user(email="sbb@example.nl", display_name="Boswachter", organisation=organisation)
    page = _text(client.get(f"/beheer/organisaties/{organisation.id}"))
    assert 'value="Staatsbosbeheer"' in page and "Bos en natuur" in page and "Boswachter" in page
    assert f'href="/beheer/gebruikers/{member.id}"' in page
    response = client.post(f"/beheer/organisaties/{organisation.id}",
                           data={"name": "Staatsbosbeheer Utrecht", "description": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert organisation.name == "Staatsbosbeheer Utrecht" and organisation.description == ""


def test_organisation_bad_input(client, login_as):
    login_as(Role.ADMIN)
    client.post("/beheer/organisaties", data={"name": "LTO"})
    other = services.save_organisation(None, "Het Utrechts Landschap", "")
    duplicate = client.post("/beheer/organisaties", data={"name": "lto", "description": "kopie"})
    assert duplicate.status_code == 409
    assert "Er is al een organisatie met deze naam" in _text(duplicate)
    assert 'value="lto"' in _text(duplicate)
    assert client.post("/beheer/organisaties", data={"name": ""}).status_code == 400
    assert client.post("/beheer/organisaties", data={"name": "x" * 201}).status_code == 400
    assert client.post("/beheer/organisaties", data={"name": "Ok", "description": "x" * 2001}).status_code == 400
    renamed = client.post(f"/beheer/organisaties/{other.id}", data={"name": "LTO"})
    assert renamed.status_code == 409
    db.session.expire_all()
    assert sorted(o.name for o in services.list_organisations()) == ["Het Utrechts Landschap", "LTO"]
    assert client.get("/beheer/organisaties/999999").status_code == 404
    assert client.post("/beheer/organisaties/999999", data={"name": "X"}).status_code == 404


def test_user_and_organisation_pages_escape_names(client, login_as, make_user):
    login_as(Role.ADMIN)
    organisation = services.save_organisation(None, "<b>Org</b>", "<script>alert(1)</script>")
    user = make_user(display_name="<img src=x onerror=alert(1)>", organisation=organisation)
    for url in (f"/beheer/gebruikers/{user.id}", f"/beheer/organisaties/{organisation.id}", "/beheer/organisaties"):
        body = _text(client.get(url))
        assert "<img src=x" not in body and "<b>Org</b>" not in body and "<script>alert(1)" not in body, url
