"""Accounts under attack: oversize posts, throttling, CSRF, hashes, cookies, staff pages."""
import re
import uuid

from participatie.accounts.models import User
from participatie.extensions import db
from participatie.permissions import Role
from tests.conftest import PASSWORD


def _unique(prefix: str) -> str:
    # Unique per test, so that counters kept in Redis by another test cannot interfere.
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _address() -> str:
    n = uuid.uuid4().int
    return f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250 + 1}"


def test_ten_megabyte_form_post_is_413(client, make_app):
    big = "a" * (10 * 1024 * 1024)
    response = client.post("/account/inloggen", data={"email": big, "password": "x"})
    assert response.status_code == 413
    assert "te groot" in response.get_data(as_text=True)
    multipart = client.post("/account/inloggen", data={"email": big, "password": "x"},
                            content_type="multipart/form-data")
    assert multipart.status_code == 413
    # Also when CSRF protection, which reads the form first, is on.
    with_csrf = make_app(WTF_CSRF_ENABLED=True).test_client()
    assert with_csrf.post("/account/registreren", data={"email": big}).status_code == 413


def test_login_throttled_per_account(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_ACCOUNT="3 per minute")
    email = _unique("anna") + "@example.nl"
    with app.app_context():
        from participatie.accounts.services import create_user

        create_user(email, PASSWORD, "Anna", confirmed=True)
        db.session.commit()
    client = app.test_client()
    for _ in range(3):  # each try from another address: only the account counter can stop this
        wrong = client.post("/account/inloggen", data={"email": email, "password": "wrong-password-1"},
                            environ_base={"REMOTE_ADDR": _address()})
        assert wrong.status_code == 401
    # Even the right password, in another letter case, is refused now.
    blocked = client.post("/account/inloggen", data={"email": email.upper(), "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": _address()})
    assert blocked.status_code == 429
    assert "U hebt dit te vaak geprobeerd" in blocked.get_data(as_text=True)
    # Other accounts and plain page views are not affected.
    other = client.post("/account/inloggen", data={"email": _unique("bert") + "@example.nl", "password": "x"},
                        environ_base={"REMOTE_ADDR": _address()})
    assert other.status_code == 401
    assert client.get("/account/inloggen").status_code == 200


def test_login_throttled_per_address(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_ADDRESS="3 per minute")
    client = app.test_client()
    address = {"REMOTE_ADDR": _address()}
    for _ in range(5):  # page views do not count
        assert client.get("/account/inloggen", environ_base=address).status_code == 200
    for _ in range(3):
        response = client.post("/account/inloggen", environ_base=address,
                               data={"email": _unique("x") + "@example.nl", "password": "wrong-password-1"})
        assert response.status_code == 401
    response = client.post("/account/inloggen", environ_base=address,
                           data={"email": _unique("y") + "@example.nl", "password": "wrong-password-1"})
    assert response.status_code == 429
    response = client.post("/account/inloggen", environ_base={"REMOTE_ADDR": _address()},
                           data={"email": _unique("z") + "@example.nl", "password": "wrong-password-1"})
    assert response.status_code == 401


def test_password_reset_requests_throttled_per_address(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_ADDRESS="2 per minute")
    client = app.test_client()
    address = {"REMOTE_ADDR": _address()}
    statuses = [
        client.post("/account/wachtwoord-vergeten", data={"email": _unique("a") + "@example.nl"},
                    environ_base=address).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]


def _csrf_token(body: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1)


def test_csrf_is_required_when_enabled(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from participatie.accounts.services import create_user

        create_user("anna@example.nl", PASSWORD, "Anna", confirmed=True)
        db.session.commit()
    client = app.test_client()
    data = {"email": "anna@example.nl", "password": PASSWORD}
    assert client.post("/account/inloggen", data=data).status_code == 400
    assert client.post("/account/inloggen", data={**data, "csrf_token": "forged"}).status_code == 400
    token = _csrf_token(client.get("/account/inloggen").get_data(as_text=True))
    assert client.post("/account/inloggen", data={**data, "csrf_token": token}).status_code == 302
    # Logging out is a form post with a token too.
    assert client.post("/account/uitloggen").status_code == 400
    page = client.get("/account/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/account/uitloggen", data={"csrf_token": token}).status_code == 302
    assert client.get("/account/").status_code == 302


def test_registration_without_csrf_token_stores_nothing(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    response = app.test_client().post("/account/registreren", data={
        "email": "anna@example.nl", "password": PASSWORD, "password_confirm": PASSWORD, "display_name": "Anna",
    })
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_passwords_are_hashed_with_argon2id(client):
    client.post("/account/registreren", data={
        "email": "anna@example.nl", "password": PASSWORD, "password_confirm": PASSWORD, "display_name": "Anna",
    })
    user = db.session.scalar(db.select(User))
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_session_cookie_is_httponly_and_samesite_lax(client, auth, make_user):
    make_user(email="anna@example.nl")
    response = auth.login("anna@example.nl")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP in tests; over HTTPS it is added


def test_session_cookie_is_secure_over_https(client, make_user):
    make_user(email="anna@example.nl")
    response = client.post("https://localhost/account/inloggen",
                           data={"email": "anna@example.nl", "password": PASSWORD})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie


def test_staff_pages_refuse_residents_and_other_staff(client, auth, make_user):
    make_user(email="bewoner@example.nl")
    make_user(email="moderator@example.nl", roles=(Role.MODERATOR, Role.POLICY_ANALYST))
    target = make_user(email="target@example.nl")
    urls = ["/beheer/gebruikers", f"/beheer/gebruikers/{target.id}", "/beheer/organisaties"]
    for email in ("bewoner@example.nl", "moderator@example.nl"):
        auth.login(email)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 403, (email, url)
            assert "U hebt geen toegang tot deze pagina" in response.get_data(as_text=True)
        response = client.post(f"/beheer/gebruikers/{target.id}", data={"roles": ["admin"], "active": "y"})
        assert response.status_code == 403
        auth.logout()
    db.session.expire_all()
    assert target.role_set == {Role.RESIDENT}


def test_staff_pages_send_visitors_to_login(client):
    for url in ("/beheer/gebruikers", "/beheer/organisaties", "/beheer/gebruikers/1", "/account/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.location.startswith("/account/inloggen?next="), url
    assert client.post("/beheer/organisaties", data={"name": "LTO"}).status_code == 401
