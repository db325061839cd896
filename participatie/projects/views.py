"""Project views: public pages, documents, search; staff area for projects, phases and documents."""
import io
import json
import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from ..extensions import db
from ..maps import area_map
from ..permissions import PUBLIC, Role, allow, has_role
from . import search as search_service
from . import services
from .forms import DocumentForm, PhaseForm, ProjectForm
from .models import Document, Phase, Project

bp = Blueprint("projects", __name__)
admin_bp = Blueprint("projects_admin", __name__, url_prefix="/beheer")


@bp.app_template_filter("long_date")
def long_date(value) -> str:
    """24 november 2026, in the visitor's language."""
    return format_date(value, "long") if value else ""


@bp.app_template_filter("filesize")
def filesize(size: int) -> str:
    """A file size people can read: 850 bytes, 12 kB, 1,4 MB (in 1024s, as file managers show it)."""
    if size < 1024:
        return _("%(n)s bytes", n=size)
    if size < 1024 * 1024:
        return _("%(n)s kB", n=format_decimal(round(size / 1024)))
    return _("%(n)s MB", n=format_decimal(round(size / (1024 * 1024), 1)))


_HEADING = re.compile(r"<(/?)h([23])\b")


@bp.app_template_filter("shift_headings")
def shift_headings(html: Markup) -> Markup:
    """Staff write h2/h3 in a description; on the page it sits under an h2, so they become h3/h4."""
    return Markup(_HEADING.sub(lambda m: f"<{m.group(1)}h{int(m.group(2)) + 1}", str(html)))


NOTICES = {
    "unreadable": lambda: _("De tekst van dit bestand kon niet worden gelezen. Het bestand is misschien "
                            "beschadigd. U kunt het wel downloaden."),
    "encrypted": lambda: _("Dit bestand is beveiligd met een wachtwoord. Daarom kunnen wij de tekst niet "
                           "tonen. U kunt het wel downloaden."),
    "no_text": lambda: _("In dit bestand staat geen tekst die wij kunnen lezen, bijvoorbeeld omdat het een "
                         "scan is. U kunt het wel downloaden."),
}


@bp.app_context_processor
def document_helpers():
    return {
        "document_notice": lambda code: NOTICES.get(code, NOTICES["unreadable"])() if code else "",
        "document_kind": services.kind_of,
    }


# --- public pages ----------------------------------------------------------------------------


@bp.get("/")
@allow(PUBLIC)
def index():
    """Home page: the published projects as cards."""
    projects = services.published_projects()
    timelines = {project.id: services.timeline(project) for project in projects}
    return render_template("projects/index.html", projects=projects, timelines=timelines)


def _visible_project(slug: str) -> Project:
    """The project for this slug when the current user may see it, else 404 (drafts stay hidden)."""
    project = services.project_by_slug(slug)
    if project is None or not services.can_view_project(current_user, project):
        abort(404)
    return project


@bp.get("/projecten/<slug>")
@allow(PUBLIC)
def detail(slug: str):
    """A project: summary, description, area, themes, contact, timeline and documents."""
    project = _visible_project(slug)
    km2 = services.area_km2(project.area)
    return render_template(
        "projects/detail.html",
        project=project,
        timeline=services.timeline(project),
        area_map=area_map(project.area, label=_("Kaart van het projectgebied")),
        area_km2=format_decimal(round(km2)) if km2 else None,
    )


def _visible_document(slug: str, doc_id: int) -> tuple[Project, Document]:
    project = _visible_project(slug)
    document = services.document_of(project, doc_id)
    if document is None:
        abort(404)
    return project, document


@bp.get("/projecten/<slug>/documenten/<int:doc_id>")
@allow(PUBLIC)
def document(slug: str, doc_id: int):
    """A document's text as an accessible HTML page, with its details and a download link."""
    project, document = _visible_document(slug, doc_id)
    return render_template(
        "projects/document.html",
        project=project,
        document=document,
        blocks=services.text_blocks(document.text),
    )


@bp.get("/projecten/<slug>/documenten/<int:doc_id>/download")
@allow(PUBLIC)
def document_download(slug: str, doc_id: int):
    """The stored file, always as a download under its original name (RFC 5987 encoded by Werkzeug)."""
    _project, document = _visible_document(slug, doc_id)
    response = send_file(
        io.BytesIO(document.file.data),
        mimetype=document.media_type,  # Werkzeug adds "; charset=utf-8" to text/plain
        as_attachment=True,
        download_name=document.filename,
        etag=document.sha256,
        max_age=0,
    )
    # A downloaded file must never run as a page of this site.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/zoeken")
@allow(PUBLIC)
def search():
    """Search published projects and documents."""
    query = request.args.get("q", "")
    if len(query) > search_service.MAX_QUERY_LENGTH:
        return render_template("projects/search.html", query=query[: search_service.MAX_QUERY_LENGTH],
                               results=None, too_long=True), 400
    query = query.strip()
    page = request.args.get("pagina", 1, type=int) or 1
    results = search_service.search(query, page) if query else None
    return render_template("projects/search.html", query=query, results=results, too_long=False)


# --- staff area ------------------------------------------------------------------------------


@admin_bp.get("/", endpoint="index")
@allow(Role.FACILITATOR)
def dashboard():
    """Staff dashboard: links to what this user's roles allow."""
    tasks = [(_("Kaarttafelsessies"), url_for("maptable.rounds"),
              _("Sessies aan de kaarttafel plannen en leiden, met organisaties; verslagen en conflicten."))]
    if has_role(current_user, Role.MODERATOR):
        tasks.append((_("Samenvattingen"), url_for("summaries.index"),
                      _("Inbreng van een ronde laten samenvatten, nakijken en publiceren.")))
    if has_role(current_user, Role.POLICY_ANALYST):
        tasks.append((_("Exporteren"), url_for("exports.index"),
                      _("Inbreng van een ronde downloaden als CSV, Excel, GeoJSON of rapport.")))
    if has_role(current_user, Role.ADMIN):
        tasks += [
            (_("Projecten"), url_for("projects_admin.projects"),
             _("Projecten, fasen en documenten maken en aanpassen.")),
            (_("Participatierondes"), url_for("rounds_admin.index"),
             _("Rondes, kaartlagen en hun versies maken en aanpassen.")),
            (_("Gebruikers"), url_for("accounts_admin.users"), _("Accounts en rollen beheren.")),
            (_("Organisaties"), url_for("accounts_admin.organisations"),
             _("Organisaties van belanghebbenden beheren.")),
            (_("Auditlog"), url_for("audit.index"), _("Zien wie wat wanneer deed, en dat exporteren.")),
        ]
    return render_template("admin/index.html", tasks=tasks)


@admin_bp.get("/projecten")
@allow(Role.ADMIN)
def projects():
    """All projects, drafts included."""
    return render_template("admin/projects.html", projects=services.all_projects())


@admin_bp.route("/projecten/nieuw", methods=["GET", "POST"])
@allow(Role.ADMIN)
def project_new():
    """Create a project."""
    form = ProjectForm()
    if form.validate_on_submit():
        project = services.create_project(**form.service_data())
        db.session.commit()
        flash(_("Het project is opgeslagen."), "success")
        return redirect(url_for("projects_admin.project_edit", project_id=project.id))
    return render_template("admin/projects_form.html", form=form, project=None), 400 if form.errors else 200


def _project_or_404(project_id: int) -> Project:
    project = db.session.get(Project, project_id)
    if project is None:
        abort(404)
    return project


@admin_bp.route("/projecten/<int:project_id>", methods=["GET", "POST"])
@allow(Role.ADMIN)
def project_edit(project_id: int):
    """Change a project; the page also lists its phases and documents."""
    project = _project_or_404(project_id)
    form = ProjectForm(project_id=project.id)
    if request.method == "GET":
        _fill_project_form(form, project)
    elif form.validate_on_submit():
        services.update_project(project, **form.service_data())
        db.session.commit()
        flash(_("Het project is opgeslagen."), "success")
        return redirect(url_for("projects_admin.project_edit", project_id=project.id))
    return render_template("admin/projects_form.html", form=form, project=project), 400 if form.errors else 200


def _fill_project_form(form: ProjectForm, project: Project) -> None:
    form.title.data = project.title
    form.slug.data = project.slug
    form.summary.data = project.summary
    form.description.data = project.description_html
    form.themes.data = ", ".join(project.themes or [])
    form.contact_name.data = project.contact_name
    form.contact_email.data = project.contact_email
    form.contact_phone.data = project.contact_phone
    form.status.data = project.status
    form.area.data = json.dumps(project.area) if project.area else ""


@admin_bp.post("/projecten/<int:project_id>/verwijderen")
@allow(Role.ADMIN)
def project_delete(project_id: int):
    """Delete a project with everything in it, once the admin ticked the confirmation."""
    project = _project_or_404(project_id)
    if request.form.get("confirm") != "yes":
        flash(_("Vink eerst aan dat u het project echt wilt verwijderen."), "error")
        return redirect(url_for("projects_admin.project_edit", project_id=project.id, _anchor="verwijderen"))
    title = project.title
    services.delete_project(project)
    db.session.commit()
    flash(_("Het project „%(title)s” is verwijderd.", title=title), "success")
    return redirect(url_for("projects_admin.projects"))


def _phase_or_404(project: Project, phase_id: int) -> Phase:
    phase = db.session.get(Phase, phase_id)
    if phase is None or phase.project_id != project.id:
        abort(404)
    return phase


@admin_bp.route("/projecten/<int:project_id>/fasen/nieuw", methods=["GET", "POST"])
@allow(Role.ADMIN)
def phase_new(project_id: int):
    """Add a phase to the timeline."""
    project = _project_or_404(project_id)
    form = PhaseForm()
    if form.validate_on_submit():
        services.add_phase(project, form.title.data, form.starts_on.data, form.ends_on.data, form.description.data)
        db.session.commit()
        flash(_("De fase is toegevoegd."), "success")
        return redirect(url_for("projects_admin.project_edit", project_id=project.id, _anchor="fasen"))
    return render_template("admin/phases_form.html", form=form, project=project, phase=None), (
        400 if form.errors else 200
    )


@admin_bp.route("/projecten/<int:project_id>/fasen/<int:phase_id>", methods=["GET", "POST"])
@allow(Role.ADMIN)
def phase_edit(project_id: int, phase_id: int):
    """Change a phase."""
    project = _project_or_404(project_id)
    phase = _phase_or_404(project, phase_id)
    form = PhaseForm(obj=phase)
    if form.validate_on_submit():
        services.update_phase(phase, form.title.data, form.starts_on.data, form.ends_on.data, form.description.data)
        db.session.commit()
        flash(_("De fase is opgeslagen."), "success")
        return redirect(url_for("projects_admin.project_edit", project_id=project.id, _anchor="fasen"))
    return render_template("admin/phases_form.html", form=form, project=project, phase=phase), (
        400 if form.errors else 200
    )


@admin_bp.post("/projecten/<int:project_id>/fasen/<int:phase_id>/verwijderen")
@allow(Role.ADMIN)
def phase_delete(project_id: int, phase_id: int):
    """Delete a phase."""
    project = _project_or_404(project_id)
    services.delete_phase(_phase_or_404(project, phase_id))
    db.session.commit()
    flash(_("De fase is verwijderd."), "success")
    return redirect(url_for("projects_admin.project_edit", project_id=project.id, _anchor="fasen"))


UPLOAD_ERRORS = {
    "empty": lambda: _("Het bestand is leeg. Kies een ander bestand."),
    "too_large": lambda: _("Het bestand is te groot. Het mag hoogstens %(size)s zijn.",
                           size=filesize(current_app.config["MAX_DOCUMENT_BYTES"])),
    "type": lambda: _("Dit soort bestand kan niet. Kies een PDF, Word (DOCX), OpenDocument (ODT) of "
                      "tekstbestand (TXT)."),
}


@admin_bp.route("/projecten/<int:project_id>/documenten/nieuw", methods=["GET", "POST"])
@allow(Role.ADMIN)
def document_new(project_id: int):
    """Upload a document: checked, stored, its text extracted and indexed."""
    project = _project_or_404(project_id)
    form = DocumentForm()
    if form.validate_on_submit():
        upload = form.file.data
        # Read one byte more than allowed: enough to know it is too large, never the whole stream.
        data = upload.stream.read(current_app.config["MAX_DOCUMENT_BYTES"] + 1)
        try:
            document = services.add_document(project, form.title.data, upload.filename, data,
                                             form.description.data, uploaded_by=current_user)
        except services.DocumentError as error:
            form.file.errors.append(UPLOAD_ERRORS[error.code]())
        else:
            db.session.commit()
            if document.extract_notice:
                flash(_("Het document is opgeslagen, maar de tekst kon niet worden gelezen."), "error")
            else:
                flash(_("Het document is opgeslagen."), "success")
            return redirect(url_for("projects_admin.project_edit", project_id=project.id, _anchor="documenten"))
    return render_template("admin/documents_form.html", form=form, project=project,
                           max_size=current_app.config["MAX_DOCUMENT_BYTES"]), 400 if form.errors else 200


@admin_bp.post("/projecten/<int:project_id>/documenten/<int:doc_id>/verwijderen")
@allow(Role.ADMIN)
def document_delete(project_id: int, doc_id: int):
    """Delete a document and its search entry."""
    project = _project_or_404(project_id)
    document = services.document_of(project, doc_id)
    if document is None:
        abort(404)
    services.delete_document(document)
    db.session.commit()
    flash(_("Het document is verwijderd."), "success")
    return redirect(url_for("projects_admin.project_edit", project_id=project.id, _anchor="documenten"))
