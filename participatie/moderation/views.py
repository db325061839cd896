"""Moderation pages: the queue with its decisions (one by one and in bulk), redaction, input on paper,
and the residents' flag forms. Everything works without JavaScript; decisions post and redirect back."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..audit import services as audit
from ..contributions import services as contributions
from ..contributions.views import ID, int_arg, refused, visible_round_or_404
from ..core import safe_next_url
from ..extensions import db
from ..permissions import Role, access_of, allow
from ..ratelimits import per_person
from ..rounds import services as rounds
from ..rounds.errors import ServiceError, ValidationError
from ..rounds.models import Round
from . import services
from .forms import BulkForm, DecisionForm, EntryForm, FlagForm, QueueFilterForm, RedactForm

bp = Blueprint("moderation", __name__)

# The kinds of item in addresses, in Dutch.
KIND_SLUGS = {"inbreng": services.CONTRIBUTION, "antwoord": services.REPLY}
SLUG_OF_KIND = {kind: slug for slug, kind in KIND_SLUGS.items()}


@bp.app_template_global()
def channel_label(channel: str) -> str:
    return contributions.channel_label(channel)


@bp.app_template_global()
def held_reason_label(code: str) -> str:
    return str(services.HELD_REASON_LABELS.get(code, code))


@bp.app_template_global()
def flag_reason_label(code: str) -> str:
    return str(services.FLAG_REASON_LABELS.get(code, code))


@bp.app_template_global()
def moderation_status_label(status: str) -> str:
    return str(services.STATUS_LABELS.get(status, status))


@bp.errorhandler(403)
def forbidden(error):
    """A refused moderation request (a resident forging a moderator's POST) is logged, then refused."""
    if request.method == "POST" and access_of(request.endpoint) == Role.MODERATOR:
        db.session.rollback()
        audit.record("moderation.forbidden", current_user, object_type="request", object_id=request.path[:120],
                     method=request.method)
        db.session.commit()
    from ..errors import handle_http_error

    return handle_http_error(error)


# --- the queue --------------------------------------------------------------------------------------

def _filter_from(form: QueueFilterForm) -> services.QueueFilter:
    def as_id(value):
        value = value or ""
        return int(value) if value.isascii() and value.isdigit() and int(value) < 2**31 else None

    status = form.status.data if form.status.data in services.QUEUE_STATUSES else "queue"
    return services.QueueFilter(project_id=as_id(form.project.data), round_id=as_id(form.ronde.data),
                                theme=(form.thema.data or "")[:40], status=status,
                                reason=form.reden.data if form.reden.data in services.HELD_REASON_LABELS else "")


@bp.get("/moderatie")
@allow(Role.MODERATOR)
def queue():
    """Pending and flagged contributions and replies, oldest first, filtered and in pages."""
    form = QueueFilterForm(services.filter_choices(), formdata=request.args)
    f = _filter_from(form)
    page = services.queue(f, page=int_arg("pagina") or 1)
    query = {k: v for k, v in request.args.items() if k in ("project", "ronde", "thema", "status", "reden") and v}
    forms = {item.key: DecisionForm(formdata=None, seen=item.item.status, prefix_id=f"{item.kind}-{item.item.id}")
             for item in page.items}
    return render_template("moderation/queue.html", form=form, page=page, query=query, forms=forms,
                           bulk=BulkForm(formdata=None), rules=services.RULES,
                           here=request.full_path.rstrip("?"))


def _item_or_404(kind_slug: str, item_id: int):
    kind = KIND_SLUGS.get(kind_slug)
    if kind is None:
        abort(404)
    try:
        return services.get_item(kind, item_id)
    except ServiceError:
        abort(404)


def _render_item(item, decision: DecisionForm | None = None, redact_form: RedactForm | None = None,
                 status: int = 200):
    kind = services._kind(item)
    contribution = item if kind == services.CONTRIBUTION else item.contribution
    decision = decision or DecisionForm(formdata=None, seen=item.status)
    redact_form = redact_form or RedactForm(formdata=None, seen=item.status, text=item.text)
    return render_template("moderation/item.html", item=item, kind=kind, kind_slug=SLUG_OF_KIND[kind],
                           contribution=contribution, round=contribution.round, decision=decision,
                           redact_form=redact_form, back=safe_next_url(request.values.get("next"),
                                                                       url_for("moderation.queue"))), status


@bp.get(f"/moderatie/<kind_slug>/<{ID}:item_id>")
@allow(Role.MODERATOR)
def item(kind_slug: str, item_id: int):
    """One item with everything a moderator needs: text, original, flags, decisions, redaction."""
    return _render_item(_item_or_404(kind_slug, item_id))


def _conflict_page(error: ServiceError, back: str):
    return refused(error, back, _("Terug naar de moderatielijst"))


@bp.post(f"/moderatie/<kind_slug>/<{ID}:item_id>/besluit")
@allow(Role.MODERATOR)
def decide(kind_slug: str, item_id: int):
    """Approve, reject, hide or mark as duplicate, if the item still has the status the moderator saw."""
    target = _item_or_404(kind_slug, item_id)
    back = safe_next_url(request.form.get("next"), url_for("moderation.queue"))
    form = DecisionForm()
    action = request.form.get("action", "")
    if not form.validate_on_submit():
        return _render_item(target, decision=form, status=400)
    try:
        services.apply(action, target, current_user, form.seen.data or "", reason=form.reason.data or "",
                       rule=form.rule.data or "", note=form.note.data or "", duplicate_of=form.duplicate_of.data)
    except ValidationError as error:
        db.session.rollback()
        for name, message in error.errors.items():
            field = getattr(form, name, None) or form.reason
            field.errors = list(field.errors) + [message]
        form._errors = None
        target = _item_or_404(kind_slug, item_id)
        return _render_item(target, decision=form, status=400)
    except ServiceError as error:
        db.session.rollback()
        return _conflict_page(error, back)
    db.session.commit()
    flash(_("Besluit opgeslagen: inbreng %(id)s is %(action)s.", id=item_id,
            action=services.ACTION_LABELS[{"approve": "approved", "reject": "rejected", "hide": "hidden",
                                          "duplicate": "duplicate"}[action]]), "success")
    return redirect(back)


@bp.post(f"/moderatie/<kind_slug>/<{ID}:item_id>/bewerken")
@allow(Role.MODERATOR)
def redact(kind_slug: str, item_id: int):
    """Save the moderator's redacted text; the original stays for moderators only."""
    target = _item_or_404(kind_slug, item_id)
    back = safe_next_url(request.form.get("next"), url_for("moderation.queue"))
    form = RedactForm()
    if not form.validate_on_submit():
        return _render_item(target, redact_form=form, status=400)
    try:
        services.redact(target, current_user, form.seen.data or "", form.text.data)
    except ValidationError as error:
        db.session.rollback()
        form.text.errors = list(form.text.errors) + list(error.errors.values())
        form._errors = None
        return _render_item(_item_or_404(kind_slug, item_id), redact_form=form, status=400)
    except ServiceError as error:
        db.session.rollback()
        return _conflict_page(error, back)
    db.session.commit()
    flash(_("De tekst is aangepast. Het origineel is alleen voor moderatoren te zien."), "success")
    return redirect(url_for("moderation.item", kind_slug=kind_slug, item_id=item_id, next=back))


@bp.post("/moderatie/bulk")
@allow(Role.MODERATOR)
def bulk():
    """One decision on the selected items; items another moderator just handled are skipped and named."""
    form = BulkForm()
    back = safe_next_url(request.form.get("next"), url_for("moderation.queue"))
    if not form.validate_on_submit():
        flash(_("Het formulier is verlopen of onvolledig. Probeer het opnieuw."), "error")
        return redirect(back)
    try:
        result = services.apply_bulk(form.action.data, request.form.getlist("items")[:200], current_user,
                                     reason=form.reason.data or "", rule=form.rule.data or "")
    except ValidationError as error:
        db.session.rollback()
        return refused(error, back, _("Terug naar de moderatielijst"))
    db.session.commit()
    flash(_("%(done)s items afgehandeld.", done=result.done), "success")
    for message in result.conflicts:
        flash(message, "error")
    if result.missing:
        flash(_("%(count)s items bestaan niet meer of konden niet worden afgehandeld.", count=result.missing),
              "error")
    return redirect(back)


# --- input on paper, by phone, in person ------------------------------------------------------------

@bp.route("/moderatie/rondes/<slug>/invoer", methods=["GET", "POST"])
@allow(Role.MODERATOR)
def enter(slug: str):
    """Enter input that came in on paper, by phone or in person; it is published at once."""
    round_ = rounds.visible_round(slug, current_user)
    if round_ is None:
        abort(404)
    form = EntryForm(round_, rounds.zone_choices(round_), rounds.place_choices(round_))
    if request.method == "GET":
        form.channel.data = form.channel.data or "paper"
    elif form.validate_on_submit():
        try:
            contribution = services.enter_input(
                round_, current_user, channel=form.channel.data or "", received_at=form.received_at.data,
                theme=form.theme.data or "", text=form.text.data or "", contact_name=form.contact_name.data or "",
                contact_details=form.contact_details.data or "", zone_id=form.zone_id.data or None,
                place=form.place.data or None, lat=form.lat.data, lon=form.lon.data)
        except ValidationError as error:
            db.session.rollback()
            form.add_service_errors(error.errors)
        except ServiceError as error:
            db.session.rollback()
            return refused(error, url_for("moderation.queue"), _("Terug naar de moderatielijst"))
        else:
            db.session.commit()
            flash(_("De inbreng is opgeslagen en gepubliceerd (kanaal: %(channel)s).",
                    channel=contributions.channel_label(contribution.channel)), "success")
            return redirect(url_for("moderation.enter", slug=round_.slug))
    return render_template("moderation/entry.html", round=round_, form=form), 400 if form.errors else 200


# --- flags by residents -----------------------------------------------------------------------------

def _flag(round_: Round, target, back: str):
    form = FlagForm()
    if not form.validate_on_submit():
        return refused(ValidationError({"reason": _("Kies waarom u dit meldt.")}), back, _("Terug naar de inbreng"))
    try:
        services.flag(target, current_user, form.reason.data or "", form.note.data or "")
    except ServiceError as error:
        db.session.rollback()
        return refused(error, back, _("Terug naar de inbreng"))
    db.session.commit()
    flash(_("Dank u wel voor uw melding. Een moderator bekijkt het."), "success")
    return redirect(back)


@bp.post(f"/rondes/<slug>/inbreng/<{ID}:contribution_id>/melden")
@allow(Role.RESIDENT)
@per_person("FLAG_LIMIT")
def flag_contribution(slug: str, contribution_id: int):
    """A resident reports a contribution (insulting, personal data, off topic, spam)."""
    round_ = visible_round_or_404(slug)
    target = contributions.get_contribution(round_, contribution_id, current_user)
    if target is None:
        abort(404)
    back = url_for("contributions.detail", slug=round_.slug, contribution_id=contribution_id)
    return _flag(round_, target, back)


@bp.post(f"/rondes/<slug>/antwoorden/<{ID}:reply_id>/melden")
@allow(Role.RESIDENT)
@per_person("FLAG_LIMIT")
def flag_reply(slug: str, reply_id: int):
    """A resident reports a reply."""
    round_ = visible_round_or_404(slug)
    target = db.session.get(contributions.Reply, reply_id)
    if target is None or target.contribution.round_id != round_.id or not contributions.can_see(target, current_user):
        abort(404)
    back = url_for("contributions.detail", slug=round_.slug, contribution_id=target.contribution_id,
                   _anchor=f"antwoord-{target.id}")
    return _flag(round_, target, back)
