"""The province's responses: staff write them (one contribution, several, or all about one zone),
change the draft and publish it; residents read them under the contributions. And "Mijn inbreng":
a resident's own input with what became of it."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..contributions.views import refused, visible_round_or_404
from ..extensions import db
from ..permissions import Role, allow
from ..rounds import services as rounds
from ..rounds.errors import Refused, ServiceError, ValidationError
from ..rounds.models import Round
from . import services
from .forms import ActionForm, NewResponseForm, ResponseForm

bp = Blueprint("responses", __name__)

ID = f"int(max={2**31 - 1})"


@bp.app_context_processor
def response_helpers():
    """For the contribution pages: the published responses of some contributions, and who may write."""
    return {"province_responses": services.published_for, "can_respond": services.can_respond}


def _response_or_404(round_: Round, response_id: int):
    response = services.get_response(round_, response_id)
    if response is None:
        abort(404)
    return response


# --- staff ------------------------------------------------------------------------------------------

@bp.get("/rondes/<slug>/reacties")
@allow(Role.MODERATOR)
def index(slug: str):
    """Every response of the round, drafts and published."""
    round_ = visible_round_or_404(slug)
    return render_template("responses/index.html", round=round_, responses=services.responses_of_round(round_))


def _preselected() -> list[int]:
    """Contribution numbers chosen on the list or a contribution page (?inbreng=12&inbreng=15)."""
    try:
        return services.parse_ids(request.args.getlist("inbreng"))[:500]
    except ValidationError:
        return []


@bp.route("/rondes/<slug>/reacties/nieuw", methods=["GET", "POST"])
@allow(Role.MODERATOR)
def new(slug: str):
    """Write a response to one or more contributions, or to everything about one zone."""
    round_ = visible_round_or_404(slug)
    zones = rounds.zone_choices(round_)
    form = NewResponseForm(zones)
    status = 200
    if request.method == "GET":
        form.contributions.data = ", ".join(str(i) for i in _preselected())
    elif form.validate_on_submit():
        try:
            response = services.create_response(
                round_, current_user, text=form.text.data, phase_label=form.phase_label.data,
                contribution_ids=form.contributions.data, zone_id=form.zone.data or None)
        except ValidationError as error:
            db.session.rollback()
            form.add_service_errors(error.errors)
        except Refused as error:
            db.session.commit()  # the refusal's audit entry; nothing else was changed
            form.form_errors.append(error.message)
            status = error.status
        else:
            db.session.commit()
            flash(_("De reactie is opgeslagen als concept. Lees hem na en publiceer hem."), "success")
            return redirect(url_for("responses.edit", slug=slug, response_id=response.id))
    chosen = services.chosen_contributions(round_, form.contributions.data)
    return render_template("responses/new.html", round=round_, form=form, chosen=chosen), \
        status if status != 200 else (400 if form.errors else 200)


@bp.route(f"/rondes/<slug>/reacties/<{ID}:response_id>", methods=["GET", "POST"])
@allow(Role.MODERATOR)
def edit(slug: str, response_id: int):
    """A response: its draft can be changed and published; a published one is shown as it is."""
    round_ = visible_round_or_404(slug)
    response = _response_or_404(round_, response_id)
    form = ResponseForm(obj=response if request.method == "GET" else None)
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.update_response(response, current_user, text=form.text.data, phase_label=form.phase_label.data)
        except ValidationError as error:
            db.session.rollback()
            for name, message in error.errors.items():
                form[name].errors = list(form[name].errors) + [message]
        except ServiceError as error:
            db.session.rollback()
            return refused(error, url_for("responses.edit", slug=slug, response_id=response_id))
        else:
            db.session.commit()
            flash(_("De reactie is opgeslagen."), "success")
            return redirect(url_for("responses.edit", slug=slug, response_id=response.id))
    return render_template("responses/edit.html", round=round_, response=response, form=form,
                           action_form=ActionForm()), 400 if form.errors else 200


@bp.post(f"/rondes/<slug>/reacties/<{ID}:response_id>/publiceren")
@allow(Role.MODERATOR)
def publish(slug: str, response_id: int):
    round_ = visible_round_or_404(slug)
    response = _response_or_404(round_, response_id)
    back = url_for("responses.edit", slug=slug, response_id=response_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.publish_response(response, current_user)
    except Refused as error:
        if error.code == "not_published":
            db.session.commit()  # keep the refusal's audit entry
        else:
            db.session.rollback()
        return refused(error, back, _("Terug naar de reactie"))
    db.session.commit()
    flash(_("De reactie is gepubliceerd. De schrijvers van de inbreng krijgen een e-mail."), "success")
    return redirect(back)


@bp.post(f"/rondes/<slug>/reacties/<{ID}:response_id>/verwijderen")
@allow(Role.MODERATOR)
def delete(slug: str, response_id: int):
    round_ = visible_round_or_404(slug)
    response = _response_or_404(round_, response_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.delete_draft(response, current_user)
    except ServiceError as error:
        db.session.rollback()
        return refused(error, url_for("responses.edit", slug=slug, response_id=response_id))
    db.session.commit()
    flash(_("Het concept is verwijderd."), "success")
    return redirect(url_for("responses.index", slug=slug))


# --- residents --------------------------------------------------------------------------------------

@bp.get("/mijn-inbreng")
@allow(Role.RESIDENT)
def my_input():
    """All the person's own contributions and replies, with their status and the responses."""
    return render_template("responses/my_input.html", items=services.my_input(current_user),
                           labels=services.STATUS_LABELS, explained=services.STATUS_EXPLAINED)
