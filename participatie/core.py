"""Site-wide pages that belong to no domain: health check, language switch, accessibility statement."""
from datetime import date

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from sqlalchemy import text

from . import jobs
from .extensions import db
from .permissions import PUBLIC, allow

bp = Blueprint("core", __name__)


def safe_next_url(target: str | None, fallback: str) -> str:
    """Only our own paths are allowed as a redirect target (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    return target


@bp.get("/healthz")
@allow(PUBLIC)
def healthz():
    """Health of the database and the job queue, for monitoring."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # report, never raise: this endpoint must answer when things break
        db.session.rollback()
        database = "unavailable"
    queue = jobs.queue_status()
    healthy = database == "ok" and queue in ("ok", "in-process")
    return jsonify(status="ok" if healthy else "degraded", database=database, queue=queue), (
        200 if database == "ok" else 503
    )


@bp.get("/taal/<code>")
@allow(PUBLIC)
def set_language(code: str):
    """The language switch: remember the choice in the session and go back."""
    if code in ("nl", "en"):
        session["lang"] = code
    return redirect(safe_next_url(request.args.get("next"), url_for("projects.index")))


# The day the accessibility statement was last checked against the test results; change it with the text.
STATEMENT_DATE = date(2026, 11, 24)


@bp.get("/toegankelijkheid")
@allow(PUBLIC)
def accessibility():
    """The accessibility statement (toegankelijkheidsverklaring), in the structure of the Dutch model."""
    return render_template(
        "core/accessibility.html",
        statement_date=STATEMENT_DATE,
        contact_email=current_app.config.get("ACCESSIBILITY_CONTACT_EMAIL", "provincie@provincie-utrecht.nl"),
        contact_phone=current_app.config.get("ACCESSIBILITY_CONTACT_PHONE", "030 258 9111"),
    )
