"""The application factory, configuration and the health check."""
from participatie import create_app


def test_config_from_test_mapping(app):
    assert app.testing
    assert not create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"}).testing


def test_postgres_url_uses_psycopg(monkeypatch, tmp_path):
    from participatie.config import from_environment

    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    assert from_environment(str(tmp_path))["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_secret_key_is_generated_in_instance_not_repo(monkeypatch, tmp_path):
    from participatie.config import from_environment

    monkeypatch.delenv("SECRET_KEY", raising=False)
    key = from_environment(str(tmp_path))["SECRET_KEY"]
    assert len(key) == 64
    assert (tmp_path / "secret_key").read_text() == key


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["queue"] in ("ok", "in-process")


def test_healthz_degraded_when_redis_unreachable(make_app):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    body = app.test_client().get("/healthz").get_json()
    assert body == {"status": "degraded", "database": "ok", "queue": "unavailable"}


def test_security_headers(client):
    response = client.get("/healthz")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_undeclared_route_is_refused(app):
    app.add_url_rule("/undeclared", "undeclared", lambda: "secret")
    assert app.test_client().get("/undeclared").status_code == 403
