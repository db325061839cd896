"""Settings from the environment, with defaults that are safe for a newcomer's machine."""
import os
import secrets
from pathlib import Path


def _database_url(instance_path: str) -> str:
    """Return the SQLAlchemy URL: DATABASE_URL, or SQLite under instance/."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "participatie.db")
    # Plain postgres URLs would pick psycopg2, which we do not ship.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, else a random key kept in instance/ (never in the repo)."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment(instance_path: str) -> dict:
    """Build the configuration mapping for create_app()."""
    redis_url = os.environ.get("REDIS_URL") or None
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        # Whole requests may carry a document; plain forms are capped much lower by Flask itself.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 32 * 1024 * 1024)),
        "MAX_FORM_MEMORY_SIZE": 500_000,
        "MAX_DOCUMENT_BYTES": int(os.environ.get("MAX_DOCUMENT_BYTES", 25 * 1024 * 1024)),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE"),
        "TRUSTED_PROXY_COUNT": int(os.environ.get("TRUSTED_PROXY_COUNT", 0)),
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "LANGUAGES": ["nl", "en"],
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Logging in must keep working when Redis is briefly away.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes"),
        "LOGIN_LIMIT_PER_ADDRESS": os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "20 per 15 minutes"),
        # The site's public address, for links in mails sent by jobs (no request to take it from).
        "PUBLIC_URL": os.environ.get("PARTICIPATIE_PUBLIC_URL", ""),
        # Moderation: flags from this many different people hide an item pending review; signs of spam.
        "FLAG_THRESHOLD": int(os.environ.get("FLAG_THRESHOLD", 3)),
        "FLAG_LIMIT": os.environ.get("FLAG_LIMIT", "20 per hour"),
        "SPAM_MAX_LINKS": int(os.environ.get("SPAM_MAX_LINKS", 3)),
        "SPAM_BURST_COUNT": int(os.environ.get("SPAM_BURST_COUNT", 5)),
        "SPAM_BURST_MINUTES": int(os.environ.get("SPAM_BURST_MINUTES", 10)),
        # Temporary lockout: after this many failed logins on one address within the minutes below, even
        # the right password is refused (with the same answer) until the period is over. 0 turns it off.
        "LOGIN_LOCKOUT_AFTER": int(os.environ.get("LOGIN_LOCKOUT_AFTER", 10)),
        "LOGIN_LOCKOUT_MINUTES": int(os.environ.get("LOGIN_LOCKOUT_MINUTES", 15)),
        # Rate limits on taking part: per logged-in person (registering: per address).
        "CONTRIBUTION_LIMIT": os.environ.get("CONTRIBUTION_LIMIT", "20 per hour"),
        "REPLY_LIMIT": os.environ.get("REPLY_LIMIT", "60 per hour"),
        "VOTE_LIMIT": os.environ.get("VOTE_LIMIT", "300 per hour"),
        "REGISTER_LIMIT": os.environ.get("REGISTER_LIMIT", "10 per hour"),
        # How long a login lasts: staff sessions end sooner than residents'.
        "STAFF_SESSION_HOURS": int(os.environ.get("STAFF_SESSION_HOURS", 8)),
        "RESIDENT_SESSION_DAYS": int(os.environ.get("RESIDENT_SESSION_DAYS", 30)),
        # Retention: a round's personal data is purged this many months after it closes; the audit log
        # is kept this long (months) and then deleted, by the nightly retention job.
        "RETENTION_MONTHS": int(os.environ.get("RETENTION_MONTHS", 12)),
        "AUDIT_RETENTION_MONTHS": int(os.environ.get("AUDIT_RETENTION_MONTHS", 84)),
        # The privacy statement's defaults, used where a round leaves a part empty.
        # Residents tick "gelezen" under a round's privacy statement before their first contribution.
        "PRIVACY_ACKNOWLEDGEMENT_REQUIRED": _flag("PRIVACY_ACKNOWLEDGEMENT_REQUIRED", True),
        "PRIVACY_CONTROLLER": os.environ.get("PRIVACY_CONTROLLER", "Provincie Utrecht"),
        "PRIVACY_CONTACT": os.environ.get(
            "PRIVACY_CONTACT",
            "De functionaris gegevensbescherming van de Provincie Utrecht, privacy@provincie-utrecht.example, "
            "030 258 9111"),
        "EMAIL_TOKEN_MAX_AGE": int(os.environ.get("EMAIL_TOKEN_MAX_AGE", 2 * 24 * 3600)),
        "RESET_TOKEN_MAX_AGE": int(os.environ.get("RESET_TOKEN_MAX_AGE", 3600)),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", 25)),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS"),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "participatie@provincie-utrecht.example"),
        "MAIL_CAPTURE": False,
        "TILE_URL": os.environ.get(
            "PARTICIPATIE_TILE_URL",
            "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png",
        ),
        "TILE_ATTRIBUTION": os.environ.get(
            "PARTICIPATIE_TILE_ATTRIBUTION", "Kaartgegevens &copy; Kadaster (PDOK), CC BY 4.0"
        ),
        # Extra base maps a round map offers besides TILE_URL; set one to empty to leave it out.
        "TILE_URL_GREY": os.environ.get(
            "PARTICIPATIE_TILE_URL_GRIJS",
            "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/grijs/EPSG:3857/{z}/{x}/{y}.png",
        ),
        "TILE_URL_AERIAL": os.environ.get(
            "PARTICIPATIE_TILE_URL_LUCHTFOTO",
            "https://service.pdok.nl/hwh/luchtfotorgb/wmts/v1_0/Actueel_orthoHR/EPSG:3857/{z}/{x}/{y}.jpeg",
        ),
        # Open data (OGC API Features, downloads): licence (an SPDX id such as CC-BY-4.0 or CC0-1.0)
        # and who answers questions about it.
        # Exports of more rows than this are written by a job to a file under instance/exports/ (or
        # EXPORT_DIR), which is removed EXPORT_FILE_HOURS after it was made.
        "EXPORT_JOB_THRESHOLD": int(os.environ.get("EXPORT_JOB_THRESHOLD", 10_000)),
        "EXPORT_FILE_HOURS": float(os.environ.get("EXPORT_FILE_HOURS", 24)),
        "EXPORT_DIR": os.environ.get("EXPORT_DIR") or None,
        "OPEN_DATA_LICENSE": os.environ.get("OPEN_DATA_LICENSE", "CC-BY-4.0"),
        "OPEN_DATA_CONTACT_NAME": os.environ.get("OPEN_DATA_CONTACT_NAME", "Provincie Utrecht"),
        "OPEN_DATA_CONTACT_EMAIL": os.environ.get("OPEN_DATA_CONTACT_EMAIL", "opendata@provincie-utrecht.example"),
        "OPEN_DATA_CONTACT_URL": os.environ.get("OPEN_DATA_CONTACT_URL", "https://www.provincie-utrecht.nl"),
        "TILE_ATTRIBUTION_AERIAL": os.environ.get(
            "PARTICIPATIE_TILE_ATTRIBUTION_LUCHTFOTO", "Luchtfoto &copy; Beeldmateriaal Nederland (PDOK), CC BY 4.0"
        ),
    }
