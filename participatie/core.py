"""Site-wide pages that belong to no domain: health check and the language switch."""
from flask import Blueprint, jsonify, redirect, request, session, url_for
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
