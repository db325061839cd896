"""Export pages: a policy analyst's exports of a round (under /beheer/export), the admin's contact
export, and the open data downloads on each round page. Every export writes an audit entry first
(who, what, how many rows), committed before the first byte goes out."""
import tempfile

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from .. import jobs
from ..audit import services as audit_log
from ..contributions.views import visible_round_or_404
from ..extensions import db, limiter
from ..permissions import PUBLIC, Role, allow, has_role
from ..projects.models import PUBLISHED as PROJECT_PUBLISHED
from ..projects.models import Project
from ..responses import services as responses
from ..rounds.models import Round
from . import report, services
from .forms import ContactExportForm, ExportForm

bp = Blueprint("exports", __name__)


@bp.record_once
def _register_jobs(state):
    """The nightly removal of expired export files."""
    jobs.recurring(services.PURGE_KEY, services.PURGE_FUNCTION, services.PURGE_HOUR)

MIMETYPES = {
    "csv": "text/csv",
    "geojson": "application/geo+json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
    "pdf": "application/pdf",
}
DELIMITERS = {"comma": ",", "semicolon": ";"}
OPEN_DATA_LIMIT = "30 per minute"


def _round_or_404(slug: str) -> Round:
    round_ = db.session.scalar(select(Round).where(Round.slug == slug))
    if round_ is None:
        abort(404)
    return round_


def _filename(round_: Round, suffix: str, extension: str) -> str:
    return f"{round_.slug}-{suffix}-{services.utc_stamp()}.{extension}"


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _stream(chunks, mimetype: str, filename: str) -> Response:
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _record(action: str, round_: Round, **details) -> None:
    audit_log.record(action, current_user, object_type="round", object_id=round_.slug, round_id=round_.id,
                     **details)
    db.session.commit()


# --- policy exports ---------------------------------------------------------------------------------

@bp.get("/beheer/export")
@allow(Role.POLICY_ANALYST)
def index():
    """Every round, with a link to its export page."""
    rounds_ = db.session.execute(
        select(Round, Project.title).join(Project, Project.id == Round.project_id)
        .order_by(Round.starts_at.desc())).all()
    return render_template("exports/index.html", rounds=rounds_)


@bp.route("/beheer/export/<slug>", methods=["GET", "POST"])
@allow(Role.POLICY_ANALYST)
def round_export(slug: str):
    """The export form for one round; a valid POST answers with the file."""
    round_ = _round_or_404(slug)
    form = ExportForm()
    if form.validate_on_submit():
        return _export(round_, form.format.data, form.include_all.data,
                       DELIMITERS.get(form.delimiter.data, ","))
    counts = {
        "published": services.count_contributions(round_),
        "all": services.count_contributions(round_, include_all=True),
    }
    return render_template("exports/round.html", round=round_, form=form, counts=counts,
                           columns=services.CONTRIBUTION_COLUMNS, threshold=services.job_threshold()), \
        400 if form.errors else 200


def _export(round_: Round, fmt: str, include_all: bool, delimiter: str):
    statuses = "all" if include_all else "published"
    rows = services.count_contributions(round_, include_all) if fmt in services.JOB_FORMATS else 0
    if services.needs_job(fmt, rows):
        return _start_job(round_, fmt, include_all, delimiter, rows, statuses)
    if fmt in ("csv", "geojson"):
        _record(f"export.{fmt}", round_, format=fmt, rows=rows, statuses=statuses)
        batches = services.iter_contribution_batches(round_, _secret(), include_all)
        if fmt == "csv":
            return _stream(services.iter_csv(batches, services.CONTRIBUTION_COLUMNS, delimiter), MIMETYPES["csv"],
                           _filename(round_, "inbreng", "csv"))
        return _stream(services.iter_geojson(batches, services.CONTRIBUTION_COLUMNS, round_.slug), MIMETYPES["geojson"],
                       _filename(round_, "inbreng", "geojson"))
    if fmt == "xlsx":
        # Write-only workbook into a temporary file that is sent and then removed.
        target = tempfile.TemporaryFile(suffix=".xlsx")
        rows = services.write_xlsx(round_, target, _secret(), include_all)
        _record("export.xlsx", round_, format="xlsx", rows=rows, statuses=statuses)
        target.seek(0)
        return send_file(target, mimetype=MIMETYPES["xlsx"], as_attachment=True,
                         download_name=_filename(round_, "inbreng", "xlsx"), max_age=0)
    if fmt == "layers":
        data, zones = services.layers_zip(round_)
        _record("export.layers", round_, format="zip", rows=zones)
        return _attachment(data, MIMETYPES["zip"], _filename(round_, "kaartlagen", "zip"))
    if fmt in ("report_html", "report_pdf"):
        figures = services.round_figures(round_)
        extract = services.map_extract(round_)
        _record(f"export.{fmt}", round_, format=fmt.split("_")[1], rows=figures.contributions)
        published = responses.published_of_round(round_)
        if fmt == "report_pdf":
            return _attachment(report.build_pdf(round_, figures, extract, published), MIMETYPES["pdf"],
                               _filename(round_, "verslag", "pdf"))
        return render_template("exports/report.html", round=round_, figures=figures, extract=extract,
                               colour=report.category_colour, responses=published,
                               response_about=report.response_about)
    abort(400)


def _start_job(round_: Round, fmt: str, include_all: bool, delimiter: str, rows: int, statuses: str):
    """A large export: queue the job that writes the file, record it, and show its progress."""
    try:
        record = services.start_job(round_, current_user, fmt, include_all, delimiter)
    except jobs.QueueUnavailable:
        flash(_("De wachtrij is nu niet bereikbaar. Probeer het later opnieuw."), "error")
        return redirect(url_for("exports.round_export", slug=round_.slug))
    _record(f"export.{fmt}", round_, format=fmt, rows=rows, statuses=statuses, job=record.id)
    return redirect(url_for("exports.job", job_id=record.id), code=303)


def _attachment(data: bytes, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --- large exports as jobs --------------------------------------------------------------------------

JOB_STEPS = {
    "start": _l("De taak is gestart"),
    "count": _l("Inbreng tellen"),
    "write": _l("Bestand schrijven"),
    "save": _l("Bestand opslaan"),
    "done": _l("Bestand geschreven"),
    services.EXPIRED: _l("Bestand verwijderd"),
}
FORMAT_LABELS = {"csv": "CSV", "geojson": "GeoJSON", "xlsx": "Excel (XLSX)"}


def _export_job_or_404(job_id: int) -> jobs.JobRecord:
    """An export job that the current user may see: their own, or any for an admin."""
    record = jobs.get_record(job_id)
    if record is None or record.kind != services.JOB_KIND:
        abort(404)
    if record.created_by_id != current_user.id and not has_role(current_user, Role.ADMIN):
        abort(404)
    return record


def _job_state(record: jobs.JobRecord) -> dict:
    """What the progress page and its JSON show about an export job."""
    jobs.refresh(record)
    if record.status == jobs.FINISHED and record.step != services.EXPIRED and services.is_expired(record):
        services.expire(record)  # expiry on access, besides the nightly clean-up
    db.session.commit()
    meta = jobs.job_meta(record) if record.is_active else {}
    finished = record.status == jobs.FINISHED
    progress = 100 if finished else int(meta.get("progress", record.progress))
    step = meta.get("step", record.step) or "start"
    expired = finished and record.step == services.EXPIRED
    available = finished and not expired and services.job_file(record) is not None
    status_label = {jobs.QUEUED: _("In de wachtrij"), jobs.STARTED: _("Bezig"), jobs.FINISHED: _("Klaar"),
                    jobs.FAILED: _("Mislukt")}.get(record.status, record.status)
    return {
        "id": record.id,
        "status": record.status,
        "progress": progress,
        "step": step,
        "step_label": str(JOB_STEPS.get(step, step)),
        "status_label": status_label,
        "rows": record.result_id if finished else None,
        "error": _(record.error) if record.error else "",
        "finished": finished,
        "failed": record.status == jobs.FAILED,
        "expired": expired,
        "download_url": url_for("exports.job_download", job_id=record.id) if available else None,
    }


@bp.get("/beheer/export/taken/<int:job_id>")
@allow(Role.POLICY_ANALYST)
def job(job_id: int):
    """A large export's progress: a bar that static/js/job-progress.js keeps up to date, or that the
    "Ververs" link updates without JavaScript; then the download link until the file expires."""
    record = _export_job_or_404(job_id)
    state = _job_state(record)
    round_ = db.session.get(Round, record.round_id) if record.round_id else None
    _round_id, fmt, include_all, _delimiter, _token = services.job_args(record)
    return render_template("exports/job.html", record=record, state=state, round=round_,
                           format_label=FORMAT_LABELS.get(fmt, fmt), include_all=include_all,
                           expires_at=services.expires_at(record) if state["finished"] else None,
                           hours=f"{services.file_hours():g}")


@bp.get("/beheer/export/taken/<int:job_id>/status")
@allow(Role.POLICY_ANALYST)
def job_status(job_id: int):
    """The export job's state as JSON, for the progress bar."""
    response = jsonify(_job_state(_export_job_or_404(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/beheer/export/taken/<int:job_id>/bestand")
@allow(Role.POLICY_ANALYST)
def job_download(job_id: int):
    """The file of a finished export job: only the job's own file, only while it has not expired."""
    record = _export_job_or_404(job_id)
    state = _job_state(record)
    if state["expired"]:
        abort(410)
    path = services.job_file(record)
    if path is None:
        abort(404)
    round_ = db.session.get(Round, record.round_id)
    _round_id, fmt, _all, _delimiter, _token = services.job_args(record)
    _record("export.download", round_, format=fmt, rows=record.result_id, job=record.id)
    response = send_file(path, mimetype=MIMETYPES[fmt], as_attachment=True, max_age=0,
                         download_name=_filename(round_, "inbreng", services.EXTENSIONS[fmt]))
    response.headers["Cache-Control"] = "no-store"
    return response


# --- contacts ---------------------------------------------------------------------------------------

@bp.route("/beheer/contactexport", methods=["GET", "POST"])
@allow(Role.ADMIN)
def contacts():
    """E-mail addresses of a round's participants, only with a stated purpose that is logged."""
    form = ContactExportForm()
    rounds_ = db.session.scalars(select(Round).order_by(Round.starts_at.desc())).all()
    form.round_id.choices = [SelectChoice(0, _("Kies een ronde"))] + [SelectChoice(r.id, r.title) for r in rounds_]
    if form.validate_on_submit():
        round_ = db.session.get(Round, form.round_id.data)
        if round_ is None:
            abort(404)
        rows = services.contact_rows(round_, _secret())
        _record("export.contacts", round_, format="csv", rows=len(rows), purpose=form.purpose.data.strip())
        chunks = services.iter_csv([_as_rows(rows)], services.CONTACT_COLUMNS)
        return _attachment(b"".join(chunks), MIMETYPES["csv"], _filename(round_, "contacten", "csv"))
    return render_template("exports/contacts.html", form=form), 400 if form.errors else 200


class _Values(list):
    """A plain row that iter_csv can write (it asks rows for their values by column)."""

    def values(self, columns):
        return list(self)


def _as_rows(rows: list[list]) -> list:
    return [_Values(row) for row in rows]


# --- open data on the round page --------------------------------------------------------------------

def _public_round_or_404(slug: str) -> Round:
    """Open data only for rounds of published projects, also for staff."""
    round_ = visible_round_or_404(slug)
    if round_.project.status != PROJECT_PUBLISHED:
        abort(404)
    return round_


@bp.get("/rondes/<slug>/open-data.csv")
@allow(PUBLIC)
@limiter.limit(OPEN_DATA_LIMIT)
def open_data_csv(slug: str):
    """The round's published contributions as CSV, without any personal data."""
    round_ = _public_round_or_404(slug)
    _record("export.open_data_csv", round_, format="csv", rows=services.count_contributions(round_),
            statuses="published")
    batches = services.iter_contribution_batches(round_, _secret())
    return _stream(services.iter_csv(batches, services.OPEN_DATA_COLUMNS), MIMETYPES["csv"],
                   f"{round_.slug}-open-data.csv")


@bp.get("/rondes/<slug>/open-data.geojson")
@allow(PUBLIC)
@limiter.limit(OPEN_DATA_LIMIT)
def open_data_geojson(slug: str):
    """The round's published contributions as GeoJSON, without any personal data."""
    round_ = _public_round_or_404(slug)
    _record("export.open_data_geojson", round_, format="geojson", rows=services.count_contributions(round_),
            statuses="published")
    batches = services.iter_contribution_batches(round_, _secret())
    metadata = {"license": current_app.config["OPEN_DATA_LICENSE"]}
    return _stream(services.iter_geojson(batches, services.OPEN_DATA_COLUMNS, round_.slug, metadata),
                   MIMETYPES["geojson"], f"{round_.slug}-open-data.geojson")
