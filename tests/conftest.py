"""Shared fixtures: an app on a freshly migrated database per test, a client, a CLI runner,
factories for users, and an `auth` helper to log in and out.

SQLite (default): the migrations run once into a template file, copied for every test.
PostgreSQL (DATABASE_URL set): migrated once per session, every table emptied after each test.
"""
import os
import shutil
import uuid

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from participatie import create_app
from participatie.extensions import db
from participatie.permissions import Role
from security import leaks

PASSWORD = "correct-horse-battery-9"
POSTGRES_URL = os.environ.get("DATABASE_URL", "") if os.environ.get("DATABASE_URL", "").startswith("postgres") else ""


def _base_config(database_uri: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "WTF_CSRF_ENABLED": False,
        "MAIL_CAPTURE": True,
        "RATELIMIT_ENABLED": False,
        # The privacy "gelezen" tick before a first contribution: on in tests/accounts/test_privacy*.py.
        "PRIVACY_ACKNOWLEDGEMENT_REQUIRED": False,
        "RATELIMIT_KEY_PREFIX": "test-" + uuid.uuid4().hex,
    }


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """The URI of a database migrated to head: a template file on SQLite, the real one on PostgreSQL."""
    instance = tmp_path_factory.mktemp("instance")
    os.environ.setdefault("PARTICIPATIE_INSTANCE", str(instance))
    if POSTGRES_URL:
        app = create_app(_base_config(POSTGRES_URL))
        with app.app_context():
            db.session.execute(text("DROP SCHEMA public CASCADE"))
            db.session.execute(text("CREATE SCHEMA public"))
            db.session.commit()
            upgrade()
            db.engine.dispose()
        return app.config["SQLALCHEMY_DATABASE_URI"]
    template = instance / "template.db"
    app = create_app(_base_config(f"sqlite:///{template}"))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return str(template)


def _empty_postgres(app) -> None:
    with app.app_context():
        db.session.remove()
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.commit()
        db.engine.dispose()


@pytest.fixture
def make_app(migrated_database, tmp_path):
    """Factory: an app on a fresh migrated database, with config overrides (e.g. CSRF on)."""
    made = []

    def factory(**overrides):
        if POSTGRES_URL:
            uri = migrated_database
        else:
            path = tmp_path / f"test-{len(made)}.db"
            shutil.copy(migrated_database, path)
            uri = f"sqlite:///{path}"
        config = _base_config(uri)
        config.update(overrides)
        app = create_app(config)
        leaks.install(app)
        made.append(app)
        return app

    yield factory
    for app in made:
        leaks.dispose(app)
    for app in made:
        if POSTGRES_URL:
            _empty_postgres(app)
            break
    for app in made:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(autouse=True)
def no_leaks():
    """Fail the test when a response it made showed a visitor or another resident an e-mail address or
    text that is not public (pending, hidden, redacted): see tests/security/leaks.py."""
    leaks.reset()
    yield
    found = leaks.reset()
    assert not found, f"{len(found)} responses leaked what their viewer must not see:\n  " + "\n  ".join(found[:20])


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def outbox(app):
    """Mails sent during the test."""
    return app.extensions["mail_outbox"]


@pytest.fixture
def make_user(app):
    """Factory: a confirmed user with the given roles (default resident)."""
    from participatie.accounts.services import create_user

    counter = iter(range(1, 10_000))

    def factory(email=None, roles=(Role.RESIDENT,), password=PASSWORD, confirmed=True, display_name=None,
                organisation=None):
        n = next(counter)
        user = create_user(
            email=email or f"user{n}@example.org",
            password=password,
            display_name=display_name or f"Gebruiker {n}",
            roles=roles,
            confirmed=confirmed,
            organisation=organisation,
        )
        db.session.commit()
        return user

    return factory


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email, password=PASSWORD, follow_redirects=False):
        return self._client.post(
            "/account/inloggen", data={"email": email, "password": password},
            follow_redirects=follow_redirects,
        )

    def logout(self):
        return self._client.post("/account/uitloggen")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def login_as(make_user, auth):
    """Log the test client in as a new user with `role`; returns the user."""

    def do(role: Role | None = Role.RESIDENT, **kwargs):
        user = make_user(roles=(role,) if role else (), **kwargs)
        response = auth.login(user.email)
        assert response.status_code == 302, response.data[:500]
        return user

    return do
