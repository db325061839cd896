"""The audit log for admins: read and filter it, or export it as CSV. There is deliberately no route
to change or delete an entry; exporting the log is itself logged."""
import csv
import io
import json
from datetime import date

from flask import Blueprint, Response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Optional

from ..exports.services import local_time, safe_cell, utc_stamp
from ..extensions import db
from ..permissions import Role, allow
from . import services

bp = Blueprint("audit", __name__, url_prefix="/beheer/audit")

CSV_COLUMNS = ["id", "created_at", "actor_id", "actor", "action", "object_type", "object_id", "round_id",
               "rows", "format", "purpose", "details"]


class AuditFilterForm(FlaskForm):
    """A GET form: no CSRF token, the filters are in the address so that a view can be shared."""

    class Meta:
        csrf = False

    action = SelectField(_l("Actie"), choices=[], validators=[Optional()])
    actor = StringField(_l("Wie"), validators=[Optional()])
    since = DateField(_l("Vanaf"), validators=[Optional()])
    until = DateField(_l("Tot en met"), validators=[Optional()])


def _filter_form() -> tuple[AuditFilterForm, services.AuditFilter]:
    form = AuditFilterForm(request.args)
    form.action.choices = [SelectChoice("", _l("Alle acties"))] + [SelectChoice(a, a) for a in services.actions()]
    valid = form.validate()
    if not valid:
        # Unreadable dates are reported next to the field and left out of the filter.
        for name in ("since", "until"):
            if getattr(form, name).errors:
                getattr(form, name).data = None
    action = form.action.data if form.action.data in {c.value for c in form.action.choices} else ""
    return form, services.AuditFilter(action=action or "", actor=(form.actor.data or "").strip()[:200],
                                      since=form.since.data, until=form.until.data)


@bp.get("")
@allow(Role.ADMIN)
def index():
    """The log, newest first, filterable by action, actor and date."""
    form, filters = _filter_form()
    page = services.entries(filters, page=request.args.get("pagina", 1, type=int))
    return render_template("audit/index.html", form=form, page=page, filters=filters,
                           query={k: v for k, v in request.args.items() if k != "pagina"})


@bp.get("/export.csv")
@allow(Role.ADMIN)
def export_csv():
    """The filtered log as CSV (UTF-8 with BOM); the export is logged before it is sent."""
    _form, filters = _filter_form()
    rows = services.count(filters)
    services.record("audit.export", current_user, object_type="audit_log", rows=rows, format="csv",
                    filters={"action": filters.action, "actor": filters.actor,
                             "since": _iso(filters.since), "until": _iso(filters.until)})
    db.session.commit()
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry, actor_name in services.iter_rows(filters):
        details = entry.details or {}
        writer.writerow([
            entry.id, local_time(entry.created_at).isoformat(timespec="seconds"), entry.actor_id or "",
            safe_cell(actor_name or ""), entry.action, entry.object_type, safe_cell(entry.object_id),
            entry.round_id or "", details.get("rows", ""), details.get("format", ""),
            safe_cell(details.get("purpose", "")),
            safe_cell(_details_text(details)),
        ])
    response = Response(buffer.getvalue().encode(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="auditlog-{utc_stamp()}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _details_text(details: dict) -> str:
    rest = {k: v for k, v in details.items() if k not in ("rows", "format", "purpose")}
    return json.dumps(rest, ensure_ascii=False, sort_keys=True) if rest else ""
