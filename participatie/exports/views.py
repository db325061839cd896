"""Export pages: a policy analyst's exports of a round (under /beheer/export), the admin's contact
export, and the open data downloads on each round page. Every export writes an audit entry first
(who, what, how many rows), committed before the first byte goes out."""
import tempfile

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    send_file,
    stream_with_context,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from ..audit import services as audit_log
from ..contributions.views import visible_round_or_404
from ..extensions import db, limiter
from ..permissions import PUBLIC, Role, allow
from ..projects.models import PUBLISHED as PROJECT_PUBLISHED
from ..projects.models import Project
from ..rounds.models import Round
from . import report, services
from .forms import ContactExportForm, ExportForm

bp = Blueprint("exports", __name__)

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
                           columns=services.CONTRIBUTION_COLUMNS), 400 if form.errors else 200


def _export(round_: Round, fmt: str, include_all: bool, delimiter: str):
    statuses = "all" if include_all else "published"
    if fmt in ("csv", "geojson"):
        rows = services.count_contributions(round_, include_all)
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
        if fmt == "report_pdf":
            return _attachment(report.build_pdf(round_, figures, extract), MIMETYPES["pdf"],
                               _filename(round_, "verslag", "pdf"))
        return render_template("exports/report.html", round=round_, figures=figures, extract=extract,
                               colour=report.category_colour)
    abort(400)


def _attachment(data: bytes, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
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
