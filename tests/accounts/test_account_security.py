"""Account security (issue #8): common passwords, lockout, no user enumeration, logging out
everywhere, session lifetimes, HSTS, rate limits on taking part, no third-party requests, no IP
addresses kept."""
import json
import re
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from participatie.accounts import services
from participatie.contributions import services as contributions
from participatie.contributions.models import Contribution
from participatie.extensions import db
from participatie.permissions import Role
from participatie.projects.models import Project
from participatie.rounds import services as rounds
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
POINT = {"type": "Point", "coordinates": [5.12, 52.09]}
AREA = {"type": "Polygon", "coordinates": [[[5.0, 52.0], [5.3, 52.0], [5.3, 52.2], [5.0, 52.2], [5.0, 52.0]]]}


def _register(client, email="anna@example.nl", password=PASSWORD, environ_base=None, **extra):
    return client.post("/account/registreren", data={"email": email, "password": password,
                                                     "password_confirm": password, "display_name": "Anna",
                                                     **extra}, environ_base=environ_base or {})


def _login(client, email, password=PASSWORD):
    return client.post("/account/inloggen", data={"email": email, "password": password})


# --- passwords ------------------------------------------------------------------------------------


def test_common_password_list_is_shipped_with_its_source():
    lines = (ROOT / "participatie/accounts/common-passwords.txt").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("#") and "BSD-3-Clause" in lines[0] and "Django" in lines[0]
    assert len(lines) == 10_001


@pytest.mark.parametrize("password", ["1234567890", "qwertyuiop", "Password123", "  iloveyou123 "])
def test_common_passwords_are_refused_with_a_clear_message(client, password):
    assert services.is_common_password(password)
    response = _register(client, password=password)
    assert response.status_code == 400
    assert "Dit wachtwoord wordt heel vaak gebruikt" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(services.User)) == 0


def test_minimum_length_and_an_uncommon_password(client):
    assert _register(client, password="kort-9").status_code == 400
    assert not services.is_common_password(PASSWORD)
    assert _register(client).status_code == 302


def test_reset_refuses_common_passwords_too(client, make_user, mail_link):
    make_user(email="anna@example.nl")
    client.post("/account/wachtwoord-vergeten", data={"email": "anna@example.nl"})
    response = client.post(mail_link("anna@example.nl"), data={"password": "1234567890",
                                                                "password_confirm": "1234567890"})
    assert response.status_code == 400 and "heel vaak gebruikt" in response.get_data(as_text=True)


# --- lockout and enumeration --------------------------------------------------------------------------


def test_lockout_after_failures_answers_like_a_wrong_password(make_app):
    app = make_app(LOGIN_LOCKOUT_AFTER=3, LOGIN_LOCKOUT_MINUTES=15)
    with app.app_context():
        services.create_user("anna@example.nl", PASSWORD, "Anna", confirmed=True)
        services.create_user("bert@example.nl", PASSWORD, "Bert", confirmed=True)
        db.session.commit()
    client = app.test_client()
    wrong = _login(client, "anna@example.nl", "wrong-password-1")
    for _ in range(2):
        assert _login(client, "Anna@example.nl", "wrong-password-1").status_code == 401
    locked = _login(client, "anna@example.nl")
    assert locked.status_code == wrong.status_code == 401
    strip = re.compile(r'name="csrf_token"[^>]*>|nonce-[^"\']+|nonce="[^"]+"')
    assert strip.sub("", locked.get_data(as_text=True)) == strip.sub("", wrong.get_data(as_text=True))
    # An address without an account gets the same page, and other accounts are not locked.
    unknown = _login(client, "nobody@example.nl", "wrong-password-1")
    assert (strip.sub("", unknown.get_data(as_text=True)).replace("nobody@", "anna@")
            == strip.sub("", wrong.get_data(as_text=True)))
    assert _login(client, "bert@example.nl").status_code == 302


def test_lockout_ends_after_its_period(make_app, monkeypatch):
    # In-memory counters, whose clock the test can move (Redis expires keys on its own clock).
    app = make_app(LOGIN_LOCKOUT_AFTER=2, LOGIN_LOCKOUT_MINUTES=1, RATELIMIT_STORAGE_URI="memory://")
    with app.app_context():
        services.create_user("anna@example.nl", PASSWORD, "Anna", confirmed=True)
        db.session.commit()
        for _ in range(2):
            assert services.authenticate("anna@example.nl", "wrong-password-1") is None
        assert services.authenticate("anna@example.nl", PASSWORD) is None
        later = time.time() + 61
        monkeypatch.setattr(time, "time", lambda: later)
        assert services.authenticate("anna@example.nl", PASSWORD) is not None


def test_lockout_keeps_no_email_address_in_its_storage(make_app):
    app = make_app(LOGIN_LOCKOUT_AFTER=3)
    with app.app_context():
        services.authenticate("secret-person@example.nl", "wrong-password-1")
        key = services._lockout_key("secret-person@example.nl")
        assert "secret-person" not in key and "example" not in key


def test_registration_of_a_taken_address_costs_a_password_hash(client, make_user, monkeypatch):
    make_user(email="anna@example.nl")
    hashed = []
    real = services.hash_password
    monkeypatch.setattr(services, "hash_password", lambda password: hashed.append(1) or real(password))
    _register(client, email="anna@example.nl")
    assert len(hashed) == 1  # the same work as creating an account: same timing class


def test_login_of_an_unknown_address_verifies_a_dummy_hash(app, monkeypatch):
    verified = []
    real = services._hasher

    class Recording:
        def verify(self, hash_, password):
            verified.append(hash_)
            return real.verify(hash_, password)

    monkeypatch.setattr(services, "_hasher", Recording())
    assert services.authenticate("nobody@example.nl", PASSWORD) is None
    assert verified == [services._DUMMY_HASH]


# --- sessions -------------------------------------------------------------------------------------


def test_login_starts_a_fresh_session(client, make_user):
    make_user(email="anna@example.nl")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["lang"] = "en"
    _login(client, "anna@example.nl")
    with client.session_transaction() as session:
        assert "planted" not in session and session["lang"] == "en" and session["login_at"]


def test_logout_everywhere_ends_every_session(app, make_user):
    make_user(email="anna@example.nl")
    phone, laptop = app.test_client(), app.test_client()
    _login(phone, "anna@example.nl")
    _login(laptop, "anna@example.nl")
    assert laptop.get("/account/").status_code == 200
    assert 'action="/account/overal-uitloggen"' in phone.get("/account/").get_data(as_text=True)
    response = phone.post("/account/overal-uitloggen")
    assert response.status_code == 302 and response.location == "/account/inloggen"
    for client in (phone, laptop):
        assert client.get("/account/").status_code == 302
    assert _login(laptop, "anna@example.nl").status_code == 302  # logging in again works


def _age_session(client, seconds: int) -> None:
    with client.session_transaction() as session:
        session["login_at"] = int(time.time()) - seconds


def test_staff_sessions_end_sooner_than_residents(client, login_as, make_app, make_user):
    login_as(Role.MODERATOR)
    _age_session(client, 7 * 3600)
    assert client.get("/account/").status_code == 200
    _age_session(client, 9 * 3600)  # STAFF_SESSION_HOURS is 8
    expired = client.get("/account/")
    assert expired.status_code == 302 and "/account/inloggen" in expired.location
    resident = login_as(Role.RESIDENT)
    _age_session(client, 29 * 86400)
    assert client.get("/account/").status_code == 200
    _age_session(client, 31 * 86400)  # RESIDENT_SESSION_DAYS is 30
    assert client.get("/account/").status_code == 302
    assert resident.id


def test_session_cookie_lasts_the_resident_session_and_is_httponly_lax(client, make_user):
    make_user(email="anna@example.nl")
    response = _login(client, "anna@example.nl")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert client.application.permanent_session_lifetime == timedelta(days=30)


def test_hsts_only_over_https_behind_a_trusted_proxy(make_app):
    direct = make_app().test_client()
    assert "Strict-Transport-Security" not in direct.get("/healthz").headers
    # Without a trusted proxy, a forwarded header is ignored.
    assert "Strict-Transport-Security" not in direct.get("/healthz", headers={"X-Forwarded-Proto": "https"}).headers
    proxied = make_app(TRUSTED_PROXY_COUNT=1).test_client()
    response = proxied.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in proxied.get("/healthz").headers


# --- rate limits on taking part ----------------------------------------------------------------------


@pytest.fixture
def limited(make_app):
    """An app with rate limits on and low limits, a round, and two residents."""
    app = make_app(RATELIMIT_ENABLED=True, CONTRIBUTION_LIMIT="2 per hour", REPLY_LIMIT="2 per hour",
                   VOTE_LIMIT="3 per hour", REGISTER_LIMIT="2 per hour")
    with app.app_context():
        project = Project(slug="p-" + uuid.uuid4().hex[:8], title="P", status="published", area=AREA)
        db.session.add(project)
        round_ = rounds.create_round(project, slug="r-" + uuid.uuid4().hex[:8], title="R",
                                     starts_at=rounds.utc_to_local(rounds.utcnow() - timedelta(days=1)).replace(tzinfo=None),
                                     ends_at=rounds.utc_to_local(rounds.utcnow() + timedelta(days=9)).replace(tzinfo=None))
        anna = services.create_user(f"anna-{uuid.uuid4().hex[:6]}@example.nl", PASSWORD, "Anna", confirmed=True)
        bert = services.create_user(f"bert-{uuid.uuid4().hex[:6]}@example.nl", PASSWORD, "Bert", confirmed=True)
        db.session.commit()
        target = contributions.create_contribution(round_, bert, theme="natuur", text="Doel", geometry=POINT)
        db.session.commit()
        yield app, round_.slug, target.id, anna.email, bert.email


def test_contributing_is_rate_limited_per_person(limited):
    app, slug, _target, anna, bert = limited
    url = f"/rondes/{slug}/inbreng/nieuw"
    data = {"theme": "natuur", "text": "Nog een idee", "geometry": json.dumps(POINT)}
    client = app.test_client()
    _login(client, anna)
    assert [client.post(url, data=data).status_code for _ in range(3)] == [302, 302, 429]
    assert "U hebt dit te vaak geprobeerd" in client.post(url, data=data).get_data(as_text=True)
    assert client.get(url).status_code == 200  # reading the form is not limited
    other = app.test_client()
    _login(other, bert)
    assert other.post(url, data=data).status_code == 302  # per person, not per address
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contribution)) == 1 + 2 + 1


def test_replying_and_voting_are_rate_limited(limited):
    app, slug, target, anna, _bert = limited
    client = app.test_client()
    _login(client, anna)
    reply = f"/rondes/{slug}/inbreng/{target}/antwoord"
    assert [client.post(reply, data={"text": f"Antwoord {i}"}).status_code for i in range(3)] == [302, 302, 429]
    vote = f"/rondes/{slug}/inbreng/{target}/stem"
    statuses = [client.post(vote, data={"waarde": value}).status_code
                for value in ("support", "objection", "withdraw", "support")]
    assert statuses == [302, 302, 302, 429]


def test_registering_is_rate_limited_per_address(limited):
    app = limited[0]
    client = app.test_client()
    here = {"REMOTE_ADDR": "10.9.8.7"}
    statuses = [_register(client, email=f"n{i}-{uuid.uuid4().hex[:6]}@example.nl", environ_base=here).status_code
                for i in range(3)]
    assert statuses == [302, 302, 429]
    assert _register(client, email=f"x-{uuid.uuid4().hex[:6]}@example.nl",
                     environ_base={"REMOTE_ADDR": "10.9.8.6"}).status_code == 302


# --- data minimisation -----------------------------------------------------------------------------

ATTRIBUTE_URL = re.compile(r'<(?:script|link|img|iframe|source|video|audio|embed|object|form)\b[^>]*?'
                           r'\b(?:src|href|srcset|data|action|poster)\s*=\s*["\']\s*((?:https?:)?//[^"\'\s>]+)', re.I)
CSS_URL = re.compile(r'url\(\s*["\']?((?:https?:)?//[^)"\']+)', re.I)


def _origin(url: str) -> str:
    match = re.match(r"(?:https?:)?//([^/]+)", url)
    return match.group(1).lower()


def test_pages_load_nothing_from_other_origins_than_the_tile_servers(client, login_as, make_user):
    """No third-party requests: no script, style, image, frame or form from another origin, in any
    page or stylesheet; the only other origins are the configured base-map tile servers (in the CSP)."""
    from participatie.demo import load

    load()
    app = client.application
    allowed = {_origin(app.config[key]) for key in ("TILE_URL", "TILE_URL_GREY", "TILE_URL_AERIAL") if app.config[key]}
    csp_hosts = set()
    login_as(Role.ADMIN)
    paths = ["/", "/rondes/kansenkaart-zonnevelden", "/rondes/kansenkaart-zonnevelden/inbreng",
             "/rondes/kansenkaart-zonnevelden/inbreng/nieuw", "/rondes/kansenkaart-zonnevelden/privacy",
             "/account/gegevens", "/account/verwijderen", "/account/", "/toegankelijkheid", "/zoeken?q=zon"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        for url in ATTRIBUTE_URL.findall(html) + CSS_URL.findall(html):
            assert _origin(url) in allowed, (path, url)
        csp = response.headers["Content-Security-Policy"]
        csp_hosts |= {_origin(u) for u in re.findall(r"https?://[^\s;]+", csp)}
        assert "connect-src 'self'" in csp and "script-src 'self' 'nonce-" in csp
    assert csp_hosts <= allowed
    for css in (ROOT / "static").rglob("*.css"):
        for url in CSS_URL.findall(css.read_text(encoding="utf-8", errors="replace")):
            assert _origin(url) in allowed or "w3.org" in url, (css, url)


def test_no_ip_addresses_are_stored_or_logged():
    """No table has a column for a client address or browser, and client addresses are read only to
    key rate limits (memory or Redis, with expiry)."""
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            name = column.name.lower()
            assert not re.search(r"(^|_)(ip|ip_address|remote_addr|user_agent|client_address)($|_)", name), \
                (table.name, column.name)
    readers = set()
    for path in (ROOT / "participatie").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"remote_addr|get_remote_address|X-Forwarded-For|access_route", text):
            readers.add(path.relative_to(ROOT).as_posix())
    assert readers <= {"participatie/ratelimits.py", "participatie/accounts/views.py", "participatie/extensions.py"}, readers
