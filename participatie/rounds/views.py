"""Round views: the public round page, zone votes and plan-layer GeoJSON; the staff area for rounds,
plan layers and their versions (admin_bp, under /beheer/rondes)."""
import json

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import maps
from ..contributions import services as contributions
from ..contributions.forms import ContributionForm
from ..contributions.views import ID, int_arg, refused, visible_round_or_404, vote_message
from ..extensions import db
from ..permissions import PUBLIC, Role, allow, is_staff
from ..ratelimits import per_person
from ..projects.models import Project
from . import services
from .errors import ServiceError, ValidationError
from .forms import LayerForm, LayerUploadForm, RoundForm
from .layers import MAX_LAYER_BYTES, LayerError
from .models import Layer, Round

bp = Blueprint("rounds", __name__)
admin_bp = Blueprint("rounds_admin", __name__, url_prefix="/beheer/rondes")


@bp.app_template_filter("local_datetime")
def local_datetime(value) -> str:
    """A stored (naive UTC) moment in Europe/Amsterdam: 24 november 2026 om 17:00."""
    return format_datetime(value, _("d MMMM y 'om' HH:mm")) if value else ""


@bp.app_context_processor
def round_helpers():
    """For project pages: the rounds of a project and their state, without touching the project views."""
    return {"rounds_of_project": services.rounds_of_project, "round_state": services.round_state}


# --- public -----------------------------------------------------------------------------------------

def _round_map(round_: Round, page):
    """The interactive map from maps.round_map, reusing the page's data (so no extra queries)."""
    builder = getattr(maps, "round_map", None)
    return builder(round_, current_user, page=page) if builder else None


@bp.get("/rondes/<slug>")
@allow(PUBLIC)
def detail(slug: str):
    """The round page: question, state, map, legend, zones with votes, totals and the contribution
    form. It never lists contributions itself: the map fetches them by viewport, the list has pages."""
    round_ = visible_round_or_404(slug)
    page = contributions.round_page(round_, current_user)
    form = None
    if page.can_contribute:
        form = ContributionForm(round_, page.zones, page.places)
    layers = {view.layer.id: view for view in page.layers}
    zones_by_layer: dict = {}
    for zone in page.zones:
        zones_by_layer.setdefault(zone.layer_id, []).append(zone)
    round_map = _round_map(round_, page)
    # The map panel has its own legend in words; without it, the page gives one.
    legends = {} if round_map else {
        view.layer.id: services.layer_categories(view.version) for view in page.layers if view.version}
    return render_template("rounds/detail.html", round=round_, page=page, state=page.state, form=form,
                           layers=layers, zones_by_layer=zones_by_layer, legends=legends, round_map=round_map)


@bp.post(f"/rondes/<slug>/zones/<{ID}:zone_id>/stem")
@allow(Role.RESIDENT)
@per_person("VOTE_LIMIT")
def zone_vote(slug: str, zone_id: int):
    """Support, objection or withdraw on a zone of the round's plan layer; back to the round page."""
    round_ = visible_round_or_404(slug)
    back = url_for("rounds.detail", slug=round_.slug, _anchor=f"zone-{zone_id}")
    value = request.form.get("waarde", "")
    try:
        if value == "withdraw":
            contributions.withdraw_vote(round_, current_user, zone_id=zone_id)
        else:
            contributions.cast_vote(round_, current_user, value, zone_id=zone_id)
    except ServiceError as error:
        db.session.rollback()
        return refused(error, url_for("rounds.detail", slug=round_.slug), _("Terug naar de ronde"))
    db.session.commit()
    flash(vote_message(value), "success")
    return redirect(back)


def _layer_of(round_: Round, layer_id: int) -> Layer:
    layer = db.session.get(Layer, layer_id)
    if layer is None or layer.round_id != round_.id:
        abort(404)
    return layer


@bp.get(f"/rondes/<slug>/lagen/<{ID}:layer_id>/versies/<{ID}:number>.geojson")
@allow(PUBLIC)
def layer_version_geojson(slug: str, layer_id: int, number: int):
    """One version of a plan layer as GeoJSON, with each zone's support and objection counts.
    Unpublished versions are for staff only."""
    round_ = visible_round_or_404(slug)
    version = services.get_layer_version(_layer_of(round_, layer_id), number)
    if version is None or (not version.published and not is_staff(current_user)):
        abort(404)
    counts = {key: c for (lid, key), c in contributions.zone_vote_counts(round_).items() if lid == layer_id}
    response = jsonify(services.layer_feature_collection(version, counts))
    response.mimetype = "application/geo+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


# --- staff: rounds ----------------------------------------------------------------------------------

def _round_or_404(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        abort(404)
    return round_


def _all_projects() -> list[Project]:
    return list(db.session.scalars(select(Project).order_by(Project.title)))


@admin_bp.get("/", endpoint="index")
@allow(Role.ADMIN)
def round_list():
    """Every round, or those of one project (?project=id), with their state."""
    project_id = int_arg("project")
    project = db.session.get(Project, project_id) if project_id else None
    if project_id and project is None:
        abort(404)
    query = select(Round).join(Project).order_by(Project.title, Round.starts_at)
    if project is not None:
        query = query.where(Round.project_id == project.id)
    return render_template("admin/rounds.html", rounds=list(db.session.scalars(query)), project=project)


def _render_round_form(form: RoundForm, round_: Round | None):
    return render_template("admin/rounds_form.html", form=form, round=round_,
                           layers=services.current_layers(round_, with_geojson=False) if round_ else []), (
        400 if form.errors else 200
    )


@admin_bp.route("/nieuw", methods=["GET", "POST"])
@allow(Role.ADMIN)
def round_new():
    """Create a round in a project."""
    form = RoundForm(projects=_all_projects())
    if request.method == "GET" and int_arg("project"):
        form.project_id.data = int_arg("project")
    if form.validate_on_submit():
        project = db.session.get(Project, form.project_id.data)
        try:
            round_ = services.create_round(project, **form.service_data())
        except ValidationError as error:
            db.session.rollback()
            form.add_service_errors(error.errors)
        else:
            db.session.commit()
            flash(_("De ronde is opgeslagen."), "success")
            return redirect(url_for("rounds_admin.round_edit", round_id=round_.id))
    return _render_round_form(form, None)


def _fill_round_form(form: RoundForm, round_: Round) -> None:
    form.project_id.data = round_.project_id
    form.title.data, form.slug.data = round_.title, round_.slug
    form.question.data, form.instructions.data = round_.question, round_.instructions
    form.starts_at.data = services.utc_to_local(round_.starts_at).replace(tzinfo=None)
    form.ends_at.data = services.utc_to_local(round_.ends_at).replace(tzinfo=None)
    form.themes.data = ", ".join(round_.themes)
    form.allowed_geometries.data = list(round_.allowed_geometries)
    form.votes_enabled.data = round_.votes_enabled
    form.moderation.data = round_.moderation
    form.center_lat.data = "" if round_.center_lat is None else str(round_.center_lat)
    form.center_lon.data = "" if round_.center_lon is None else str(round_.center_lon)
    form.zoom.data = round_.zoom
    form.area.data = json.dumps(round_.area) if round_.area else ""
    form.privacy_purpose.data, form.privacy_legal_basis.data = round_.privacy_purpose, round_.privacy_legal_basis
    form.privacy_contact.data = round_.privacy_contact
    form.votes_on_account_deletion.data = round_.votes_on_account_deletion


@admin_bp.route(f"/<{ID}:round_id>", methods=["GET", "POST"])
@allow(Role.ADMIN)
def round_edit(round_id: int):
    """Change a round's settings; the page also lists its plan layers."""
    round_ = _round_or_404(round_id)
    form = RoundForm(projects=[round_.project])
    if request.method == "GET":
        _fill_round_form(form, round_)
    else:
        # The project of a round does not change: its votes and input belong to it.
        form.project_id.data = round_.project_id
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.update_round(round_, **form.service_data())
        except ValidationError as error:
            db.session.rollback()
            round_ = _round_or_404(round_id)
            form.add_service_errors(error.errors)
        else:
            db.session.commit()
            flash(_("De ronde is opgeslagen."), "success")
            return redirect(url_for("rounds_admin.round_edit", round_id=round_.id))
    return _render_round_form(form, round_)


# --- staff: layers and versions ---------------------------------------------------------------------

@admin_bp.route(f"/<{ID}:round_id>/lagen/nieuw", methods=["GET", "POST"])
@allow(Role.ADMIN)
def layer_new(round_id: int):
    """Add a plan layer; its content comes with the first upload."""
    round_ = _round_or_404(round_id)
    form = LayerForm()
    if form.validate_on_submit():
        try:
            layer = services.add_layer(round_, form.name.data, form.style_property.data, form.description.data,
                                       form.votable.data)
        except ValidationError as error:
            db.session.rollback()
            form.name.errors = list(form.name.errors) + list(error.errors.values())
        else:
            db.session.commit()
            flash(_("De kaartlaag is toegevoegd. Upload nu de eerste versie."), "success")
            return redirect(url_for("rounds_admin.layer", round_id=round_.id, layer_id=layer.id))
    return render_template("admin/rounds_layer_new.html", form=form, round=round_), 400 if form.errors else 200


def _read_layer_upload(form: LayerUploadForm):
    """The uploaded file's bytes (at most one byte more than allowed), else the pasted text."""
    upload = form.file.data
    if upload is not None and getattr(upload, "filename", ""):
        return upload.stream.read(MAX_LAYER_BYTES + 1), upload.filename
    return (form.text.data or ""), ""


@admin_bp.route(f"/<{ID}:round_id>/lagen/<{ID}:layer_id>", methods=["GET", "POST"])
@allow(Role.ADMIN)
def layer(round_id: int, layer_id: int):
    """A layer's versions, and the form to upload the next one (GeoJSON file or pasted text)."""
    round_ = _round_or_404(round_id)
    layer_ = _layer_of(round_, layer_id)
    form = LayerUploadForm()
    if form.validate_on_submit():
        data, filename = _read_layer_upload(form)
        if not data or (isinstance(data, str) and not data.strip()):
            form.file.errors = list(form.file.errors) + [_("Kies een GeoJSON-bestand of plak de GeoJSON in het "
                                                           "tekstvak.")]
        else:
            try:
                version = services.upload_layer_version(layer_, data, current_user, note=form.note.data,
                                                        filename=filename, publish=form.publish.data)
            except LayerError as error:
                db.session.rollback()
                form.file.errors = list(form.file.errors) + [error.message]
            else:
                db.session.commit()
                flash(_("Versie %(number)s is opgeslagen met %(count)s objecten.", number=version.number,
                        count=version.feature_count), "success")
                return redirect(url_for("rounds_admin.layer", round_id=round_.id, layer_id=layer_.id))
        form._errors = None
    return render_template("admin/rounds_layer.html", form=form, round=round_, layer=layer_,
                           versions=services.layer_versions(layer_), max_bytes=MAX_LAYER_BYTES), (
        400 if form.errors else 200
    )


@admin_bp.post(f"/<{ID}:round_id>/lagen/<{ID}:layer_id>/versies/<{ID}:number>/publicatie")
@allow(Role.ADMIN)
def version_publication(round_id: int, layer_id: int, number: int):
    """Publish or withdraw a version; the current version is the highest published one."""
    round_ = _round_or_404(round_id)
    layer_ = _layer_of(round_, layer_id)
    version = services.get_layer_version(layer_, number)
    if version is None:
        abort(404)
    publish = request.form.get("published") == "1"
    services.set_version_published(version, publish)
    db.session.commit()
    if publish:
        flash(_("Versie %(number)s is gepubliceerd.", number=number), "success")
    else:
        flash(_("Versie %(number)s is niet meer gepubliceerd.", number=number), "success")
    return redirect(url_for("rounds_admin.layer", round_id=round_.id, layer_id=layer_.id))
