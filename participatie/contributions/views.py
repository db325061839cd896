"""Taking part in a round: the list of contributions, the map's GeoJSON, the contribution form,
a contribution's own page (permalink) with its photo, replies and votes, and edit/delete by the
author. Everything works without JavaScript: forms post and redirect back (PRG)."""
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts import privacy
from ..core import safe_next_url
from ..extensions import db
from ..maps import area_map
from ..moderation import services as moderation
from ..permissions import PUBLIC, Role, allow
from ..ratelimits import per_person
from ..rounds import services as rounds
from ..rounds.errors import ServiceError, ValidationError
from ..rounds.models import Round
from . import services
from .forms import ContributionForm, ReplyForm
from .models import OBJECTION, SUPPORT
from .photos import MAX_PHOTO_BYTES

bp = Blueprint("contributions", __name__)

# Ids in addresses: a number the database can hold (32-bit), so that a huge number is a 404, not an
# overflow in the database driver.
MAX_ID = 2**31 - 1
ID = f"int(max={MAX_ID})"
# The list's sort options in the address bar, and what they mean for the service.
SORTS = {"nieuw": "newest", "steun": "supported"}


# --- helpers ----------------------------------------------------------------------------------------

def visible_round_or_404(slug: str) -> Round:
    """The round when the current user may see it (drafts' rounds only for staff), else 404."""
    round_ = rounds.visible_round(slug, current_user)
    if round_ is None:
        abort(404)
    return round_


def refused(error: ServiceError, back_url: str, back_label: str | None = None):
    """A refused or impossible action as a page with the service's message and its 4xx status."""
    return render_template("rounds/refused.html", message=error.message, back_url=back_url,
                           back_label=back_label or _("Terug")), error.status


def int_arg(name: str) -> int | None:
    """A whole number from the address bar, or None when it is missing, not a number or too big."""
    value = request.args.get(name, "")
    if not (value.isascii() and value.isdigit()):  # "²".isdigit() is true, int("²") is not
        return None
    return int(value) if int(value) <= MAX_ID else None


def _contribution_url(round_: Round, contribution_id: int, **kwargs) -> str:
    return url_for("contributions.detail", slug=round_.slug, contribution_id=contribution_id, **kwargs)


def _read_upload(field) -> bytes | None:
    """The uploaded photo's bytes: at most one byte more than allowed, never the whole stream."""
    upload = field.data
    if upload is None or not getattr(upload, "filename", ""):
        return None
    return upload.stream.read(MAX_PHOTO_BYTES + 1)


def _contribution_form(round_: Round, query: str = "", **kwargs) -> ContributionForm:
    """The contribution form with the round's zones and municipalities, and search results for `query`."""
    found = rounds.search_places(round_, query) if query else None
    return ContributionForm(round_, rounds.zone_choices(round_), rounds.place_choices(round_), found=found,
                            **kwargs)


# --- reading ----------------------------------------------------------------------------------------

@bp.get("/rondes/<slug>/inbreng")
@allow(PUBLIC)
def index(slug: str):
    """Every contribution the visitor may see, filtered by theme and zone, sorted, in pages."""
    round_ = visible_round_or_404(slug)
    theme = request.args.get("thema", "")
    theme = theme if theme in round_.themes else ""
    zone_id = int_arg("zone")
    sort = request.args.get("sorteer", "nieuw")
    sort = sort if sort in SORTS else "nieuw"
    page = services.list_contributions(round_, current_user, theme=theme or None, zone_id=zone_id,
                                       sort=SORTS[sort], page=int_arg("pagina") or 1)
    zones = rounds.zone_choices(round_)
    filters = {"thema": theme or None, "zone": zone_id, "sorteer": sort if sort != "nieuw" else None}
    return render_template(
        "contributions/index.html", round=round_, page=page, zones=zones, filters=filters,
        theme=theme, zone_id=zone_id, sort=sort, state=rounds.round_state(round_),
        can_vote=rounds.is_open(round_) and round_.votes_enabled and current_user.is_authenticated,
    )


def _json_error(errors: dict, status: int):
    return jsonify(message=str(next(iter(errors.values()))), errors={k: str(v) for k, v in errors.items()}), status


@bp.get("/rondes/<slug>/inbreng.geojson")
@allow(PUBLIC)
def geojson(slug: str):
    """The contributions in the map's view (`bbox=west,south,east,north`, `limit`) as GeoJSON."""
    round_ = rounds.visible_round(slug, current_user)
    if round_ is None:
        return _json_error({"round": _("Deze ronde bestaat niet.")}, 404)
    limit = request.args.get("limit", "")
    if limit and not (limit.isascii() and limit.isdigit()):
        return _json_error({"limit": _("Geef de limiet als een heel getal.")}, 400)
    try:
        data = services.contributions_geojson(
            round_, request.args.get("bbox", ""), current_user, limit=int(limit) if limit else services.DEFAULT_LIMIT,
            url_template=request.script_root + services.CONTRIBUTION_URL)
    except ValidationError as error:
        return _json_error(error.errors, error.status)
    from ..responses.services import add_to_features  # published responses of the province only

    response = jsonify(add_to_features(data))
    response.mimetype = "application/geo+json"
    # Logged-in people also see their own pending input: never share the answer between people.
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Cookie")
    return response


@bp.get(f"/rondes/<slug>/inbreng/<{ID}:contribution_id>")
@allow(PUBLIC)
def detail(slug: str, contribution_id: int):
    """A contribution's own page: text, place on a small map, photo, counts, replies, votes."""
    round_ = visible_round_or_404(slug)
    return _render_detail(round_, contribution_id, ReplyForm())


def _render_detail(round_: Round, contribution_id: int, reply_form: ReplyForm, status: int = 200):
    item = services.contribution_detail(round_, contribution_id, current_user)
    if item is None:
        hidden = moderation.hidden_contribution(round_, contribution_id)
        if hidden is None:
            abort(404)
        # Hidden by a moderator: the public sees that, and the rule it broke, never the text. Still a
        # 404: the contribution itself is not available (and search engines drop the address).
        return render_template("moderation/hidden.html", round=round_, contribution=hidden), 404
    contribution = item.contribution
    small_map = area_map(contribution.geometry, label=_("Kaart met de plek van deze inbreng")) \
        if contribution.geometry else None
    return render_template("contributions/detail.html", round=round_, item=item, contribution=contribution,
                           small_map=small_map, reply_form=reply_form,
                           edit_until=contribution.created_at + services.EDIT_WINDOW), status


@bp.get(f"/rondes/<slug>/inbreng/<{ID}:contribution_id>/foto")
@allow(PUBLIC)
def photo(slug: str, contribution_id: int):
    """The photo of a contribution the visitor may see (re-encoded when uploaded, so no metadata)."""
    round_ = visible_round_or_404(slug)
    stored = services.get_photo(round_, contribution_id, current_user)
    if stored is None:
        abort(404)
    response = current_app.response_class(stored.data, mimetype=stored.media_type)
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- contributing -----------------------------------------------------------------------------------

@bp.route("/rondes/<slug>/inbreng/nieuw", methods=["GET", "POST"])
@allow(Role.RESIDENT)
@per_person("CONTRIBUTION_LIMIT")
def new(slug: str):
    """The contribution form. Without the map, the place is a zone, a municipality, or a search result."""
    round_ = visible_round_or_404(slug)
    query = (request.values.get("zoek") or "").strip()[:100]
    form = _contribution_form(round_, query)
    if request.method == "GET":
        zone = int_arg("zone")
        if zone is not None:
            form.zone_id.data = str(zone)
    elif form.validate_on_submit() and privacy.check_acknowledgement(round_, current_user, form.privacy_read):
        try:
            contribution = moderation.submit_contribution(
                round_, current_user, confirmed=form.confirm_personal_data.data,
                theme=form.theme.data, text=form.text.data,
                photo=_read_upload(form.photo), submission_key=form.submission_key.data,
                **form.place_arguments())
        except (ValidationError, moderation.PersonalDataWarning) as error:
            db.session.rollback()
            form.personal_data = getattr(error, "findings", ())
            form.add_service_errors(error.errors)
        except ServiceError as error:
            db.session.rollback()
            return refused(error, url_for("rounds.detail", slug=round_.slug), _("Terug naar de ronde"))
        else:
            db.session.commit()
            if contribution.held_reasons:
                flash(_("Dank u wel. Uw inbreng is ontvangen en wordt eerst bekeken door een moderator. "
                        "Daarna is hij voor iedereen te zien."), "success")
            elif contribution.is_published:
                flash(_("Dank u wel. Uw inbreng is geplaatst."), "success")
            else:
                flash(_("Dank u wel. Uw inbreng wacht op moderatie. Daarna is hij voor iedereen te zien."),
                      "success")
            return redirect(_contribution_url(round_, contribution.id))
    return render_template("contributions/new.html", round=round_, form=form, query=query,
                           state=rounds.round_state(round_),
                           status_text=rounds.status_text(round_)), 400 if form.errors else 200


def _own_contribution(round_: Round, contribution_id: int):
    contribution = services.get_contribution(round_, contribution_id, current_user)
    if contribution is None:
        abort(404)
    return contribution


@bp.route(f"/rondes/<slug>/inbreng/<{ID}:contribution_id>/bewerken", methods=["GET", "POST"])
@allow(Role.RESIDENT)
def edit(slug: str, contribution_id: int):
    """The author changes their contribution within 30 minutes; without a new place the old one stays."""
    round_ = visible_round_or_404(slug)
    contribution = _own_contribution(round_, contribution_id)
    back = _contribution_url(round_, contribution.id)
    try:
        services.check_can_edit(contribution, current_user)
    except ServiceError as error:
        return refused(error, back, _("Terug naar de inbreng"))
    query = (request.values.get("zoek") or "").strip()[:100]
    form = _contribution_form(round_, query)
    if request.method == "GET":
        form.theme.data, form.text.data = contribution.theme, contribution.text
    elif form.validate_on_submit():
        try:
            moderation.submit_update(
                contribution, current_user, confirmed=form.confirm_personal_data.data,
                theme=form.theme.data, text=form.text.data,
                photo=_read_upload(form.photo), remove_photo=form.remove_photo.data, **form.place_arguments())
        except (ValidationError, moderation.PersonalDataWarning) as error:
            db.session.rollback()
            contribution = _own_contribution(round_, contribution_id)
            form.personal_data = getattr(error, "findings", ())
            form.add_service_errors(error.errors)
        except ServiceError as error:
            db.session.rollback()
            return refused(error, back, _("Terug naar de inbreng"))
        else:
            db.session.commit()
            if contribution.held_reasons and contribution.status == "pending":
                flash(_("Uw inbreng is aangepast. Hij wordt eerst bekeken door een moderator."), "success")
            else:
                flash(_("Uw inbreng is aangepast."), "success")
            return redirect(back)
    return render_template("contributions/edit.html", round=round_, form=form, query=query,
                           contribution=contribution, edit_window=services.EDIT_WINDOW), 400 if form.errors else 200


@bp.post(f"/rondes/<slug>/inbreng/<{ID}:contribution_id>/verwijderen")
@allow(Role.RESIDENT)
def delete(slug: str, contribution_id: int):
    """The author deletes their contribution within 30 minutes."""
    round_ = visible_round_or_404(slug)
    contribution = _own_contribution(round_, contribution_id)
    try:
        services.delete_contribution(contribution, current_user)
    except ServiceError as error:
        db.session.rollback()
        return refused(error, _contribution_url(round_, contribution_id), _("Terug naar de inbreng"))
    db.session.commit()
    flash(_("Uw inbreng is verwijderd."), "success")
    return redirect(url_for("contributions.index", slug=round_.slug))


@bp.post(f"/rondes/<slug>/inbreng/<{ID}:contribution_id>/antwoord")
@allow(Role.RESIDENT)
@per_person("REPLY_LIMIT")
def reply(slug: str, contribution_id: int):
    """A reply under a contribution; with an error the page comes back with the reply as typed."""
    round_ = visible_round_or_404(slug)
    contribution = services.get_contribution(round_, contribution_id, current_user)
    if contribution is None:
        abort(404)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _render_detail(round_, contribution_id, form, 400)
    try:
        added = moderation.submit_reply(contribution, current_user, form.text.data,
                                        confirmed=form.confirm_personal_data.data)
    except (ValidationError, moderation.PersonalDataWarning) as error:
        db.session.rollback()
        form.personal_data = getattr(error, "findings", ())
        form.add_service_errors(error.errors)
        return _render_detail(round_, contribution_id, form, error.status)
    except ServiceError as error:
        db.session.rollback()
        return refused(error, _contribution_url(round_, contribution_id), _("Terug naar de inbreng"))
    db.session.commit()
    if added.held_reasons:
        flash(_("Uw antwoord is ontvangen en wordt eerst bekeken door een moderator."), "success")
    elif added.status == "published":
        flash(_("Uw antwoord is geplaatst."), "success")
    else:
        flash(_("Uw antwoord wacht op moderatie. Daarna is het voor iedereen te zien."), "success")
    return redirect(_contribution_url(round_, contribution_id, _anchor=f"antwoord-{added.id}"))


@bp.post(f"/rondes/<slug>/inbreng/<{ID}:contribution_id>/stem")
@allow(Role.RESIDENT)
@per_person("VOTE_LIMIT")
def vote(slug: str, contribution_id: int):
    """Support, objection or withdraw on a contribution; back to where the person came from."""
    round_ = visible_round_or_404(slug)
    if services.get_contribution(round_, contribution_id, current_user) is None:
        abort(404)
    back = safe_next_url(request.form.get("next"), _contribution_url(round_, contribution_id))
    value = request.form.get("waarde", "")
    try:
        if value == "withdraw":
            services.withdraw_vote(round_, current_user, contribution_id=contribution_id)
        else:
            services.cast_vote(round_, current_user, value, contribution_id=contribution_id)
    except ServiceError as error:
        db.session.rollback()
        return refused(error, back)
    db.session.commit()
    flash(vote_message(value), "success")
    return redirect(back)


def vote_message(value: str) -> str:
    if value == SUPPORT:
        return _("Uw steun is opgeslagen.")
    if value == OBJECTION:
        return _("Uw bezwaar is opgeslagen.")
    return _("Uw stem is ingetrokken.")
