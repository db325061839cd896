"""Participatie: digital participation for Dutch governments. `create_app()` builds the Flask app."""
import os
import secrets
import sys
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app, g, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as config_module
from .extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


class SessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure whenever the request itself came over HTTPS."""

    def get_cookie_secure(self, app):
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL, foreign keys and a busy timeout for every SQLite connection."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def limit_plain_form_size():
    """werkzeug applies MAX_FORM_MEMORY_SIZE to multipart fields only; cap url-encoded forms the same way.
    Registered before the extensions, so it runs before CSRF protection reads the form."""
    if request.mimetype == "application/x-www-form-urlencoded":
        request.max_content_length = min(
            request.max_content_length or sys.maxsize, current_app.config["MAX_FORM_MEMORY_SIZE"]
        )


def select_locale():
    """The language the visitor chose with the switch, else Dutch (also outside requests: CLI, jobs)."""
    lang = session.get("lang") if has_request_context() else None
    return lang if lang in ("nl", "en") else "nl"


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory: configuration, extensions, blueprints, CLI."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("PARTICIPATIE_INSTANCE", str(ROOT / "instance")),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config_module.from_environment(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    app.session_interface = SessionInterface()
    if app.config["TRUSTED_PROXY_COUNT"]:
        count = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    app.before_request(limit_plain_form_size)
    _init_extensions(app)
    _import_models()
    _register_blueprints(app)
    _register_hooks(app)

    from . import cli

    cli.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    from . import errors, mail, sanitize

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    from .accounts.services import load_user

    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    sanitize.init_app(app)
    mail.init_app(app)
    errors.init_app(app)


def _import_models() -> None:
    """Import every domain's models so that the metadata (and so Alembic) knows all tables."""
    from .accounts import models as accounts_models  # noqa: F401
    from .projects import models as projects_models  # noqa: F401
    from .rounds import models as rounds_models  # noqa: F401
    from .contributions import models as contributions_models  # noqa: F401
    from .maptable import models as maptable_models  # noqa: F401
    from .moderation import models as moderation_models  # noqa: F401
    from .audit import models as audit_models  # noqa: F401
    from . import jobs  # noqa: F401  (JobRecord)
    from .summaries import models as summaries_models  # noqa: F401
    from .responses import models as responses_models  # noqa: F401
    from .notifications import models as notifications_models  # noqa: F401
    from .revisions import models as revisions_models  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from .accounts.views import admin_bp as accounts_admin_bp
    from .accounts.views import bp as accounts_bp
    from .accounts.views import privacy_bp
    from .api.views import bp as api_bp
    from .audit.views import bp as audit_bp
    from .contributions.views import bp as contributions_bp
    from .moderation.views import bp as moderation_bp
    from .core import bp as core_bp
    from .exports.views import bp as exports_bp
    from .projects.views import admin_bp as projects_admin_bp
    from .projects.views import bp as projects_bp
    from .rounds.views import admin_bp as rounds_admin_bp
    from .rounds.views import bp as rounds_bp
    from .summaries.views import bp as summaries_bp
    from .maptable.views import bp as maptable_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(accounts_admin_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(projects_bp)
    app.register_blueprint(projects_admin_bp)
    app.register_blueprint(rounds_bp)
    app.register_blueprint(rounds_admin_bp)
    app.register_blueprint(contributions_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(summaries_bp)
    from .responses.views import bp as responses_bp
    from .notifications.views import bp as notifications_bp

    app.register_blueprint(responses_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(maptable_bp)
    from .revisions.views import bp as revisions_bp

    app.register_blueprint(revisions_bp)


def _content_security_policy(app: Flask, nonce: str) -> str:
    tile_origins = []
    for key in ("TILE_URL", "TILE_URL_GREY", "TILE_URL_AERIAL"):
        tiles = urlsplit(app.config.get(key) or "")
        origin = f"{tiles.scheme}://{tiles.netloc}" if tiles.netloc else ""
        if origin and origin not in tile_origins:
            tile_origins.append(origin)
    tile_origin = " ".join(tile_origins)
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            f"img-src 'self' data: {tile_origin}".strip(),
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _register_hooks(app: Flask) -> None:
    from .permissions import enforce_declared_access

    @app.before_request
    def make_nonce():
        g.csp_nonce = secrets.token_urlsafe(16)

    app.before_request(enforce_declared_access)

    @app.after_request
    def security_headers(response):
        nonce = g.get("csp_nonce") or secrets.token_urlsafe(16)
        response.headers.setdefault("Content-Security-Policy", _content_security_policy(app, nonce))
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response

    @app.context_processor
    def template_globals():
        from flask_babel import get_locale

        from .permissions import Role, has_role, is_staff

        return {
            "csp_nonce": g.get("csp_nonce", ""),
            "current_locale": str(get_locale()),
            "has_role": has_role,
            "is_staff": is_staff,
            "Role": Role,
        }
