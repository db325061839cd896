"""Summary pages: the staff area to start a run and watch its progress (JSON status for the progress
bar), a summary with the figures and the contributions behind each of them, the narrative and
publishing, the public summary of a round, and the method page."""
import json

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from .. import jobs, maps
from ..extensions import db
from ..permissions import PUBLIC, Role, allow
from ..rounds import services as rounds
from ..rounds.errors import ServiceError
from ..rounds.models import Round
from . import services, tasks
from .forms import NarrativeForm, PublishForm, RetryForm, StartForm
from .models import Summary

bp = Blueprint("summaries", __name__)


@bp.record_once
def _register_jobs(state):
    """The nightly refresh of drafts, and the libraries and model loaded once in the worker."""
    jobs.recurring(tasks.NIGHTLY_KEY, tasks.NIGHTLY_FUNCTION, tasks.NIGHTLY_HOUR)
    state.app.extensions.setdefault("jobs_preload", []).append(services.preload)


@bp.app_context_processor
def summary_helpers():
    """For the round page: its latest public summary, without touching the round views."""
    return {"public_summary_of": services.latest_public}


# --- helpers ----------------------------------------------------------------------------------------

def _round_or_404(slug: str) -> Round:
    round_ = rounds.get_round(slug)
    if round_ is None:
        abort(404)
    return round_


def _readable_summary(slug: str, summary_id: int) -> Summary:
    """The summary of this round when the reader may see it; visitors are sent to log in for a
    summary that is not public, others without the right role get 403."""
    round_ = _round_or_404(slug)
    summary = services.get_summary(summary_id)
    if summary is None or summary.round_id != round_.id or summary.status == "superseded" and not \
            services.can_manage(current_user):
        abort(404)
    if not services.can_read(current_user, summary):
        if not current_user.is_authenticated:
            abort(redirect(url_for("accounts.login", next=request.full_path.rstrip("?"))))
        abort(403)
    if not round_.project.is_published and not services.can_manage(current_user):
        abort(404)
    return summary


def _managed_summary(slug: str, summary_id: int) -> Summary:
    summary = _readable_summary(slug, summary_id)
    if not services.can_manage(current_user):
        abort(403)
    return summary


def _job_or_404(job_id: int) -> jobs.JobRecord:
    record = jobs.get_record(job_id)
    if record is None or record.kind != services.JOB_KIND:
        abort(404)
    return record


def _job_state(record: jobs.JobRecord) -> dict:
    """What the progress page and its JSON show about a job."""
    jobs.refresh(record)
    db.session.commit()
    meta = jobs.job_meta(record) if record.is_active else {}
    progress = int(meta.get("progress", record.progress)) if record.status != jobs.FINISHED else 100
    step = meta.get("step", record.step) or "start"
    summary = services.job_summary(record)
    return {
        "id": record.id,
        "status": record.status,
        "progress": progress,
        "step": step,
        "step_label": str(services.STEPS.get(step, step)),
        "status_label": _status_label(record),
        "attempts": record.attempts,
        "error": _(record.error) if record.error else "",
        "finished": record.status == jobs.FINISHED,
        "failed": record.status == jobs.FAILED,
        "summary_url": url_for("summaries.detail", slug=summary.round.slug, summary_id=summary.id) if summary else None,
    }


def _status_label(record: jobs.JobRecord) -> str:
    if record.status == jobs.QUEUED and record.attempts:
        return _("Mislukt, wacht op een nieuwe poging (poging %(number)s is mislukt)", number=record.attempts)
    return {jobs.QUEUED: _("In de wachtrij"), jobs.STARTED: _("Bezig"), jobs.FINISHED: _("Klaar"),
            jobs.FAILED: _("Mislukt")}.get(record.status, record.status)


def _hotspot_map(summary: Summary):
    """The round's area with the hotspots as a layer (drawn by static/js/summaries.js from the
    data attribute), or None when there are no hotspots."""
    items = (summary.content or {}).get("hotspots", {}).get("items", [])
    if not items:
        return None
    base = getattr(maps, "BaseMap", None)
    if base is None:
        return None
    features = [{
        "type": "Feature", "geometry": item["geometry"],
        "properties": {"number": item["number"], "count": item["count"], "place": item["place"],
                       "url": url_for("summaries.contributions", slug=summary.round.slug, summary_id=summary.id,
                                      groep=item["group"]),
                       "label": _("Hotspot %(number)s: %(count)s bijdragen", number=item["number"],
                                  count=item["count"]),
                       "link": _("Bekijk de inbreng van hotspot %(number)s", number=item["number"])},
    } for item in items]
    m = base(label=_("Kaart met de hotspots van deze samenvatting"), height="26rem", scroll_wheel_zoom=False)
    m.data_attributes["summary-hotspots"] = json.dumps({"type": "FeatureCollection", "features": features})
    lons = [c[0] for item in items for c in _coordinates(item["geometry"])]
    lats = [c[1] for item in items for c in _coordinates(item["geometry"])]
    m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], max_zoom=14, padding=(16, 16))
    return maps.render_map(m)


def _coordinates(geometry: dict):
    coords = geometry.get("coordinates", [])
    if geometry.get("type") == "Polygon":
        return coords[0]
    if geometry.get("type") == "MultiPolygon":
        return [c for polygon in coords for c in polygon[0]]
    return []


# --- staff: runs and jobs ---------------------------------------------------------------------------

@bp.get("/beheer/samenvattingen")
@allow(Role.MODERATOR)
def index():
    """Every round, with how many summaries it has and whether one is being made."""
    rows = db.session.execute(select(Round).order_by(Round.starts_at.desc())).scalars().all()
    counts = dict(db.session.execute(
        select(Summary.round_id, func.count(Summary.id)).where(Summary.status.in_(("draft", "published")))
        .group_by(Summary.round_id)).all())
    active = {r.round_id for r in db.session.scalars(select(jobs.JobRecord).where(
        jobs.JobRecord.kind == services.JOB_KIND, jobs.JobRecord.status.in_(jobs.ACTIVE)))}
    return render_template("summaries/index.html", rounds=rows, counts=counts, active=active,
                           state_of=rounds.round_state)


def _round_page(round_: Round, form: StartForm, status: int = 200, queue_down: bool = False):
    records = jobs.history(round_.id, services.JOB_KIND)
    summaries = services.summaries_of(round_)
    names = services.user_names([r.created_by_id for r in records] + [s.created_by_id for s in summaries])
    return render_template("summaries/round.html", round=round_, form=form, records=records, summaries=summaries,
                           names=names, queue_down=queue_down, queue=jobs.queue_status(),
                           status_label=_status_label), status


@bp.get("/beheer/samenvattingen/ronde/<slug>")
@allow(Role.MODERATOR)
def round_summaries(slug: str):
    """A round's summaries (drafts and published versions), its job history and the start form."""
    round_ = _round_or_404(slug)
    return _round_page(round_, StartForm(round_.themes))


@bp.post("/beheer/samenvattingen/ronde/<slug>/starten")
@allow(Role.MODERATOR)
def start(slug: str):
    """Queue a summary job and go to its progress page."""
    round_ = _round_or_404(slug)
    form = StartForm(round_.themes)
    if not form.validate_on_submit():
        return _round_page(round_, form, 400)
    try:
        record = services.start(round_, current_user, form.theme.data or None)
    except jobs.QueueUnavailable:
        return _round_page(round_, form, 503, queue_down=True)
    except ServiceError as error:
        form.theme.errors = [str(e) for e in error.errors.values()] if getattr(error, "errors", None) else [error.message]
        return _round_page(round_, form, error.status)
    return redirect(url_for("summaries.job", job_id=record.id))


@bp.get("/beheer/samenvattingen/taken/<int:job_id>")
@allow(Role.MODERATOR)
def job(job_id: int):
    """A job's progress: a bar that static/js/job-progress.js keeps up to date, or that a reload
    (the "Ververs" link) updates without JavaScript. A failed job shows its error and "try again"."""
    record = _job_or_404(job_id)
    state = _job_state(record)
    round_ = db.session.get(Round, record.round_id) if record.round_id else None
    return render_template("summaries/job.html", record=record, state=state, round=round_, form=RetryForm(),
                           retry_at=jobs.scheduled_retry_at(record) if record.status == jobs.QUEUED else None)


@bp.get("/beheer/samenvattingen/taken/<int:job_id>/status")
@allow(Role.MODERATOR)
def job_status(job_id: int):
    """The job's state as JSON, for the progress bar."""
    response = jsonify(_job_state(_job_or_404(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/beheer/samenvattingen/taken/<int:job_id>/opnieuw")
@allow(Role.MODERATOR)
def retry_job(job_id: int):
    """Try a failed job again (as a new job with the same round and theme)."""
    record = _job_or_404(job_id)
    form = RetryForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        new = services.retry(record, current_user)
    except jobs.QueueUnavailable:
        flash(_("De wachtrij is nu niet bereikbaar. Probeer het later opnieuw."), "error")
        return redirect(url_for("summaries.job", job_id=record.id))
    return redirect(url_for("summaries.job", job_id=new.id))


# --- a summary --------------------------------------------------------------------------------------

@bp.get("/rondes/<slug>/samenvatting")
@allow(PUBLIC)
def latest(slug: str):
    """The round's newest public summary."""
    round_ = rounds.visible_round(slug, current_user)
    summary = services.latest_public(round_) if round_ else None
    if summary is None:
        abort(404)
    return redirect(url_for("summaries.detail", slug=slug, summary_id=summary.id))


def _detail_page(summary: Summary, narrative_form=None, publish_form=None, status: int = 200):
    content = summary.content or {}
    manage = services.can_manage(current_user)
    quotes = {}
    wanted = set(content.get("quotes", []))
    for section in ("by_theme", "zones"):
        for item in content.get(section, []):
            wanted.update(item.get("quotes", []))
    for item in content.get("hotspots", {}).get("items", []) + content.get("topics", {}).get("items", []):
        wanted.update(item.get("quotes", []))
    for quote in services.visible_quotes(summary, sorted(wanted), current_user):
        quotes[quote["id"]] = quote
    if manage and summary.is_draft:
        narrative_form = narrative_form or NarrativeForm(narrative=summary.narrative_html)
        publish_form = publish_form or PublishForm()
    names = services.user_names([summary.created_by_id, summary.published_by_id])
    return render_template(
        "summaries/detail.html", summary=summary, round=summary.round, content=content, quotes=quotes,
        manage=manage, narrative_form=narrative_form, publish_form=publish_form, names=names,
        hotspot_map=_hotspot_map(summary), top_zones=services.top_zones(content),
        channel_labels=services.CHANNEL_LABELS,
        versions=services.public_summaries(summary.round) if not manage else services.summaries_of(summary.round),
    ), status


@bp.get("/rondes/<slug>/samenvattingen/<int:summary_id>")
@allow(PUBLIC)
def detail(slug: str, summary_id: int):
    """A summary: figures with their tables and charts, zones, hotspots on a map, keywords, topics
    and quotes, each linking to the contributions behind it."""
    return _detail_page(_readable_summary(slug, summary_id))


@bp.post("/rondes/<slug>/samenvattingen/<int:summary_id>/tekst")
@allow(Role.MODERATOR)
def narrative(slug: str, summary_id: int):
    """Save the analyst's own text on a draft."""
    summary = _managed_summary(slug, summary_id)
    form = NarrativeForm()
    if not form.validate_on_submit():
        return _detail_page(summary, narrative_form=form, status=400)
    try:
        services.save_narrative(summary, form.narrative.data)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("summaries.detail", slug=slug, summary_id=summary.id))
    db.session.commit()
    flash(_("De toelichting is opgeslagen."), "success")
    return redirect(url_for("summaries.detail", slug=slug, summary_id=summary.id, _anchor="toelichting"))


@bp.post("/rondes/<slug>/samenvattingen/<int:summary_id>/publiceren")
@allow(Role.MODERATOR)
def publish(slug: str, summary_id: int):
    """Publish a draft as a fixed version, for the policy team or for everyone."""
    summary = _managed_summary(slug, summary_id)
    form = PublishForm()
    if not form.validate_on_submit():
        return _detail_page(summary, publish_form=form, status=400)
    try:
        services.publish(summary, form.visibility.data, current_user)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("summaries.detail", slug=slug, summary_id=summary.id))
    db.session.commit()
    flash(_("De samenvatting is gepubliceerd als versie %(number)s.", number=summary.version), "success")
    return redirect(url_for("summaries.detail", slug=slug, summary_id=summary.id))


@bp.get("/rondes/<slug>/samenvattingen/<int:summary_id>/inbreng")
@allow(PUBLIC)
def contributions(slug: str, summary_id: int):
    """The contributions behind one figure (`groep`), newest first, in pages."""
    summary = _readable_summary(slug, summary_id)
    page_number = request.args.get("pagina", "1")
    page = services.group_page(summary, request.args.get("groep", ""), current_user,
                               int(page_number) if page_number.isdigit() else 1)
    if page is None:
        abort(404)
    return render_template("summaries/contributions.html", summary=summary, round=summary.round, page=page,
                           key=request.args.get("groep", ""))


@bp.get("/rondes/<slug>/samenvattingen/<int:summary_id>/grafieken/<name>.svg")
@allow(PUBLIC)
def chart(slug: str, summary_id: int, name: str):
    """A chart as SVG. Its own CSP: matplotlib's SVG styles itself inline."""
    summary = _readable_summary(slug, summary_id)
    svg = (summary.charts or {}).get(name)
    if svg is None:
        abort(404)
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Cache-Control"] = "private, max-age=3600" if not summary.is_draft else "no-cache"
    return response


@bp.get("/samenvattingen/methode")
@allow(PUBLIC)
def method():
    """How a summary is made, in plain words, in the style of the Dutch algorithm register."""
    return render_template("summaries/method.html", params=services.DEFAULT_PARAMETERS,
                           version=services.ALGORITHM_VERSION, topics_available=services.topics.available())
