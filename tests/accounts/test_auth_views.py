"""Register, confirm, log in and out, reset a password: over HTTP, including bad input."""
import re

from participatie.accounts import services
from participatie.accounts.models import User
from participatie.extensions import db
from participatie.permissions import Role
from tests.conftest import PASSWORD

NEW_PASSWORD = "a-brand-new-password-7"


def _register(client, email="anna@example.nl", password=PASSWORD, confirm=None, name="Anna"):
    return client.post("/account/registreren", data={
        "email": email, "password": password, "password_confirm": confirm or password, "display_name": name,
    })


def _users() -> list[User]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(User)))


def _text(response) -> str:
    return response.get_data(as_text=True)


# --- Registration ---------------------------------------------------------------------------------


def test_register_page_says_no_real_name_needed(client):
    response = client.get("/account/registreren")
    assert response.status_code == 200
    body = _text(response)
    assert "U hoeft uw echte naam niet te gebruiken" in body
    assert 'autocomplete="new-password"' in body


def test_register_creates_unconfirmed_resident_and_mails_link(client, outbox):
    response = _register(client)
    assert response.status_code == 302
    assert response.location == "/account/controleer-uw-mail"
    assert "Kijk in uw e-mail" in _text(client.get(response.location))
    (user,) = _users()
    assert user.email == "anna@example.nl" and not user.is_confirmed and user.role_set == {Role.RESIDENT}
    (mail,) = outbox
    assert mail["To"] == "anna@example.nl"
    assert "http://localhost/account/bevestigen/" in mail.get_content()


def test_register_bad_input_keeps_typed_values_but_not_passwords(client, outbox):
    cases = [
        ({"password": "short-9"}, "tussen 10 en 200 tekens"),
        ({"password": "x" * 201}, "tussen 10 en 200 tekens"),
        ({"confirm": "another-password-1"}, "niet hetzelfde"),
        ({"name": "A"}, "tussen 2 en 80 tekens"),
        ({"name": "A" * 81}, "tussen 2 en 80 tekens"),
        ({"email": "not-an-address"}, "geldig e-mailadres"),
    ]
    for overrides, message in cases:
        response = _register(client, **overrides)
        body = _text(response)
        assert response.status_code == 400, overrides
        assert message in body, overrides
        assert "Er is iets niet goed ingevuld" in body
        assert 'value="' + overrides.get("email", "anna@example.nl") + '"' in body
        assert PASSWORD not in body and "another-password-1" not in body
    assert _users() == [] and outbox == []


def test_duplicate_registration_answers_like_a_new_one_and_stores_nothing(client, make_user, outbox):
    """No user enumeration: a taken address gets the same "check your mail" answer as a new one;
    the owner gets a mail that someone tried, and nothing is stored."""
    make_user(email="anna@example.nl", display_name="Eerste Anna")
    taken = _register(client, email="Anna@Example.nl", name="Tweede Anna")
    fresh = _register(client, email="bert@example.nl", name="Bert")
    assert taken.status_code == fresh.status_code == 302
    assert taken.location == fresh.location == "/account/controleer-uw-mail"
    assert sorted(u.display_name for u in _users()) == ["Bert", "Eerste Anna"]
    to_anna = [m for m in outbox if m["To"] == "anna@example.nl"]
    assert len(to_anna) == 1 and "Iemand probeerde een account te maken" in to_anna[0]["Subject"]
    assert "/account/wachtwoord-vergeten" in to_anna[0].get_content()


# --- Confirmation ---------------------------------------------------------------------------------


def test_confirmation_link_confirms_and_then_login_works(client, auth, mail_link):
    _register(client)
    response = client.get(mail_link("anna@example.nl"))
    assert response.status_code == 302 and response.location == "/account/inloggen"
    assert "Uw e-mailadres is bevestigd" in _text(client.get(response.location))
    assert _users()[0].is_confirmed
    assert auth.login("anna@example.nl").status_code == 302


def test_expired_confirmation_link_is_400_and_offers_new_link(make_app):
    app = make_app(EMAIL_TOKEN_MAX_AGE=-1)
    with app.app_context():
        user = services.create_user("anna@example.nl", PASSWORD, "Anna")
        db.session.commit()
        token = services.make_token(user, "confirm")
    response = app.test_client().get(f"/account/bevestigen/{token}")
    assert response.status_code == 400
    body = _text(response)
    assert "Deze link is verlopen" in body
    assert 'action="/account/bevestiging-opnieuw"' in body
    with app.app_context():
        assert not db.session.get(User, user.id).is_confirmed


def test_tampered_confirmation_link_is_400(client, make_user):
    user = make_user(confirmed=False)
    token = services.make_token(user, "confirm")
    for bad in (token[:-3] + "abc", token.replace(".", "x", 1), "nonsense", "a" * 500):
        response = client.get(f"/account/bevestigen/{bad}")
        assert response.status_code == 400, bad
        assert "Deze link is ongeldig" in _text(response)
    assert not _users()[0].is_confirmed


def test_resend_confirmation_gives_one_answer_for_every_address(client, make_user, outbox):
    make_user(email="done@example.nl")
    make_user(email="waiting@example.nl", confirmed=False)
    bodies = []
    for email in ("done@example.nl", "waiting@example.nl", "nobody@example.nl"):
        response = client.post("/account/bevestiging-opnieuw", data={"email": email}, follow_redirects=True)
        assert response.status_code == 200
        bodies.append(_text(response))
    assert bodies[0] == bodies[1] == bodies[2]
    assert "hebben we een nieuwe link gestuurd" in bodies[0]
    assert [m["To"] for m in outbox] == ["waiting@example.nl"]


def test_resend_confirmation_with_bad_address_is_400(client, outbox):
    response = client.post("/account/bevestiging-opnieuw", data={"email": "nope"})
    assert response.status_code == 400
    assert "geldig e-mailadres" in _text(response)
    assert outbox == []


# --- Logging in -------------------------------------------------------------------------------------


def test_login_and_account_page(client, auth, make_user):
    make_user(email="anna@example.nl", display_name="Anna", roles=(Role.STAKEHOLDER, Role.RESIDENT),
                     organisation=services.save_organisation(None, "LTO", ""))
    response = auth.login("anna@example.nl")
    assert response.status_code == 302 and response.location == "/"
    body = _text(client.get("/account/"))
    assert "Mijn account (Anna)" in body
    assert "anna@example.nl" in body
    assert "bewoner, belanghebbende organisatie" in body
    assert "LTO" in body


def test_login_follows_only_local_next(client, auth, make_user):
    make_user(email="anna@example.nl")
    for target, expected in [
        ("/account/", "/account/"),
        ("//evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ]:
        client.get("/account/inloggen")  # a fresh page; the client keeps its cookie jar
        response = client.post("/account/inloggen", query_string={"next": target},
                               data={"email": "anna@example.nl", "password": PASSWORD})
        assert response.status_code == 302, target
        assert response.location == expected, target
        auth.logout()


def test_login_form_carries_next_only_when_safe(client):
    assert 'action="/account/inloggen?next=/account/"' in _text(client.get("/account/inloggen?next=/account/"))
    body = _text(client.get("/account/inloggen?next=//evil.example"))
    assert 'action="/account/inloggen"' in body


def test_staff_page_sends_visitor_to_login_and_back(client, auth, make_user):
    make_user(email="beheer@example.nl", roles=(Role.ADMIN,))
    response = client.get("/beheer/gebruikers")
    assert response.status_code == 302
    assert response.location.startswith("/account/inloggen?next=")
    next_url = response.location.split("next=", 1)[1]
    response = client.post(f"/account/inloggen?next={next_url}",
                           data={"email": "beheer@example.nl", "password": PASSWORD})
    assert response.location == "/beheer/gebruikers"


def _without_csrf(body: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", body)


def test_wrong_password_and_unknown_email_look_the_same(client, auth, make_user):
    make_user(email="anna@example.nl")
    wrong = auth.login("anna@example.nl", password="wrong-password-1")
    unknown = auth.login("nobody@example.nl", password="wrong-password-1")
    assert wrong.status_code == unknown.status_code == 401
    wrong_body, unknown_body = _text(wrong), _text(unknown)
    # The e-mail stays in the form; the password never comes back.
    assert 'value="anna@example.nl"' in wrong_body and 'value="nobody@example.nl"' in unknown_body
    assert "wrong-password-1" not in wrong_body
    assert "Het e-mailadres of het wachtwoord klopt niet" in wrong_body
    assert _without_csrf(wrong_body.replace("anna@example.nl", "EMAIL")) == _without_csrf(
        unknown_body.replace("nobody@example.nl", "EMAIL")
    )
    assert client.get("/account/").status_code == 302  # still not logged in


def test_empty_login_is_400(client):
    response = client.post("/account/inloggen", data={"email": "", "password": ""})
    assert response.status_code == 400
    assert "Vul uw e-mailadres in" in _text(response)


def test_unconfirmed_account_is_refused_with_resend_option(client, auth, make_user, outbox):
    make_user(email="anna@example.nl", confirmed=False)
    response = auth.login("anna@example.nl")
    assert response.status_code == 403
    body = _text(response)
    assert "Bevestig eerst uw e-mailadres" in body
    assert 'action="/account/bevestiging-opnieuw"' in body
    assert client.get("/account/").status_code == 302
    # Without the right password it is the ordinary failure: nothing learnt about the account.
    assert auth.login("anna@example.nl", password="wrong-password-1").status_code == 401
    client.post("/account/bevestiging-opnieuw", data={"email": "anna@example.nl"})
    assert [m["To"] for m in outbox] == ["anna@example.nl"]


def test_deactivated_account_cannot_log_in(client, auth, make_user):
    user = make_user(email="anna@example.nl")
    user.active = False
    db.session.commit()
    response = auth.login("anna@example.nl")
    assert response.status_code == 403
    assert "Uw account is uitgeschakeld" in _text(response)
    assert client.get("/account/").status_code == 302


def test_login_starts_a_fresh_session_but_keeps_language(client, auth, make_user):
    make_user(email="anna@example.nl")
    with client.session_transaction() as session:
        session["lang"] = "en"
        session["planted"] = "by someone else"
    assert auth.login("anna@example.nl").status_code == 302
    with client.session_transaction() as session:
        assert session["lang"] == "en"
        assert "planted" not in session
        assert session["_user_id"].startswith(str(_users()[0].id) + ".")


def test_logout(client, auth, make_user):
    make_user(email="anna@example.nl")
    auth.login("anna@example.nl")
    with client.session_transaction() as session:
        session["lang"] = "en"
    assert client.get("/account/uitloggen").status_code == 405
    response = auth.logout()
    assert response.status_code == 302 and response.location == "/"
    assert client.get("/account/").status_code == 302
    with client.session_transaction() as session:
        assert session.get("lang") == "en" and "_user_id" not in session


def test_logout_as_visitor_is_refused(client):
    assert client.post("/account/uitloggen").status_code == 401


# --- Forgotten password ---------------------------------------------------------------------------


def test_reset_request_gives_one_answer_for_every_address(client, make_user, outbox):
    make_user(email="anna@example.nl")
    known = client.post("/account/wachtwoord-vergeten", data={"email": "anna@example.nl"})
    unknown = client.post("/account/wachtwoord-vergeten", data={"email": "nobody@example.nl"})
    assert known.status_code == unknown.status_code == 200
    assert _text(known) == _text(unknown)
    assert "Als er een account is met dit e-mailadres" in _text(known)
    assert [m["To"] for m in outbox] == ["anna@example.nl"]


def test_reset_request_bad_address_is_400(client, outbox):
    response = client.post("/account/wachtwoord-vergeten", data={"email": "not an address"})
    assert response.status_code == 400
    assert 'value="not an address"' in _text(response)
    assert outbox == []


def test_password_reset_flow(make_user, auth, client, mail_link):
    make_user(email="anna@example.nl")
    # A second device that is logged in before the reset.
    other_device = client.application.test_client()
    other_device.post("/account/inloggen", data={"email": "anna@example.nl", "password": PASSWORD})
    assert other_device.get("/account/").status_code == 200

    client.post("/account/wachtwoord-vergeten", data={"email": "anna@example.nl"})
    link = mail_link("anna@example.nl")
    assert client.get(link).status_code == 200
    mismatch = client.post(link, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD + "x"})
    assert mismatch.status_code == 400 and "niet hetzelfde" in _text(mismatch)
    too_short = client.post(link, data={"password": "short", "password_confirm": "short"})
    assert too_short.status_code == 400
    response = client.post(link, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.location == "/account/inloggen"

    assert other_device.get("/account/").status_code == 302  # the old session has ended
    used = client.get(link)
    assert used.status_code == 400 and "Deze link is ongeldig" in _text(used)
    assert client.post(link, data={"password": "x" * 12, "password_confirm": "x" * 12}).status_code == 400
    assert auth.login("anna@example.nl").status_code == 401
    assert auth.login("anna@example.nl", password=NEW_PASSWORD).status_code == 302


def test_expired_reset_link_is_400(make_app):
    app = make_app(RESET_TOKEN_MAX_AGE=-1)
    with app.app_context():
        user = services.create_user("anna@example.nl", PASSWORD, "Anna", confirmed=True)
        db.session.commit()
        token = services.make_token(user, "reset")
    client = app.test_client()
    response = client.get(f"/account/wachtwoord-herstellen/{token}")
    assert response.status_code == 400
    assert "Deze link is verlopen" in _text(response)
    assert 'href="/account/wachtwoord-vergeten"' in _text(response)
    response = client.post(f"/account/wachtwoord-herstellen/{token}",
                           data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 400
    with app.app_context():
        assert services.authenticate("anna@example.nl", PASSWORD) is not None


def test_tampered_reset_link_is_400(client, make_user):
    user = make_user()
    token = services.make_token(user, "reset")
    response = client.get(f"/account/wachtwoord-herstellen/{token}x")
    assert response.status_code == 400
    assert "Deze link is ongeldig" in _text(response)
    # A confirmation token cannot be used to reset a password.
    assert client.get(f"/account/wachtwoord-herstellen/{services.make_token(user, 'confirm')}").status_code == 400
