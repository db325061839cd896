"""Revision views: propose a zone change (a form page, and a partial that session screens include),
the staff page of a round's proposals with decisions, the next version and its publication, and the
public comparison of two versions of a plan layer."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import maps
from ..contributions.views import ID, int_arg, refused, visible_round_or_404
from ..core import safe_next_url
from ..extensions import db
from ..permissions import PUBLIC, Role, allow, is_staff
from ..rounds import services as rounds
from ..rounds.errors import ServiceError, ValidationError
from ..rounds.models import Layer, Round
from . import services
from .forms import CompareForm, DecisionForm, NewVersionForm, ProposalForm, split_zone_value
from .models import ACCEPTED, PROPOSED, REJECTED

bp = Blueprint("revisions", __name__)


# --- helpers for templates (session screens include templates/revisions/_proposal_form.html) ---------

def proposal_form(round_: Round, map_session=None, formdata=None) -> ProposalForm | None:
    """The proposal form for the current user in this round (and map-table session), or None when they
    may not propose or nothing can be proposed (no published layer, no organisation to speak for)."""
    if not services.can_propose(current_user):
        return None
    layers = services.proposable_layers(round_)
    organisations = services.organisation_choices(current_user, map_session)
    if not layers or not organisations:
        return None
    form = ProposalForm(formdata=formdata, layers=layers, organisations=organisations)
    if formdata is None:
        form.session_id.data = str(map_session.id) if map_session is not None else ""
        form.next.data = request.full_path.rstrip("?") if request else ""
        preset = request.args.get("zone", "") if request else ""
        if preset and any(c.value == preset for c in form.zone.choices):
            form.zone.data = preset
    return form


@bp.app_context_processor
def revision_helpers():
    """`revision_proposal_form(round, map_session)` for the partial; `revision_comparable_layers(round)`
    for the round page's link to the version comparison."""
    return {
        "revision_proposal_form": proposal_form,
        "revision_comparable_layers": lambda round_: services.comparable_layers(round_, current_user),
    }


def _round_or_404(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        abort(404)
    return round_


def _layer_of(round_: Round, layer_id: int) -> Layer:
    layer = db.session.get(Layer, layer_id)
    if layer is None or layer.round_id != round_.id:
        abort(404)
    return layer


# --- proposing --------------------------------------------------------------------------------------

def _render_propose(round_: Round, form: ProposalForm | None, map_session, status: int = 200):
    return render_template("revisions/propose.html", round=round_, proposal_form=form,
                           map_session=map_session), status


@bp.get("/rondes/<slug>/voorstellen/nieuw")
@allow(Role.STAKEHOLDER)
def propose_form(slug: str):
    """The proposal form on its own page (also where a session screen's form lands with errors)."""
    round_ = visible_round_or_404(slug)
    session_id = int_arg("sessie")
    map_session = services.get_session(round_, session_id) if session_id else None
    if session_id and map_session is None:
        abort(404)
    return _render_propose(round_, proposal_form(round_, map_session), map_session)


@bp.post("/rondes/<slug>/voorstellen")
@allow(Role.STAKEHOLDER)
def propose(slug: str):
    """Store a proposal; back to where the form was (a session screen), or the round page."""
    round_ = visible_round_or_404(slug)
    raw_session = request.form.get("voorstel-session_id", "")
    session_id = int(raw_session) if raw_session.isascii() and raw_session.isdigit() and len(raw_session) < 10 else None
    if raw_session and session_id is None:
        abort(404)
    map_session = services.get_session(round_, session_id) if session_id else None
    back = safe_next_url(request.form.get("voorstel-next"), url_for("rounds.detail", slug=round_.slug))
    form = proposal_form(round_, map_session, formdata=request.form)
    usable = form is not None
    if form is None:  # only to check the input: this person has no organisation to speak for here
        form = ProposalForm(formdata=request.form, layers=services.proposable_layers(round_), organisations=[])
    if not form.validate():
        return _render_propose(round_, form if usable else None, map_session, 400)
    try:
        services.check_may_propose(round_, current_user, session_id)
    except ServiceError as error:
        return refused(error, back, _("Terug"))
    layer_id, key = split_zone_value(form.zone.data)
    try:
        proposal = services.create_proposal(
            round_, current_user, layer_id=layer_id, zone_key=key, to_category=form.to_category.data,
            reason=form.reason.data, organisation_id=form.organisation_id.data, session_id=session_id,
            contribution_id=form.contribution_id.data)
    except ValidationError as error:
        db.session.rollback()
        form.add_service_errors(error.errors)
    except ServiceError as error:
        db.session.rollback()
        return refused(error, back, _("Terug"))
    else:
        db.session.commit()
        flash(_("Uw voorstel voor zone %(zone)s is opgeslagen (voorstel %(id)s). Beleidsmedewerkers besluiten "
                "erover.", zone=proposal.zone_name, id=proposal.id), "success")
        return redirect(back)
    return _render_propose(round_, form, map_session, 400)


# --- staff: proposals, decisions, versions ----------------------------------------------------------

def _render_proposals(round_: Round, decision_forms: dict | None = None, version_forms: dict | None = None,
                      status: int = 200):
    proposals = services.round_proposals(round_)
    decision_forms = dict(decision_forms or {})
    version_forms = dict(version_forms or {})
    can_decide = services.can_decide(current_user)
    if can_decide:
        for p in proposals:
            if p.status == PROPOSED and p.id not in decision_forms:
                decision_forms[p.id] = DecisionForm(formdata=None, prefix=f"besluit-{p.id}")
    layers = []
    for layer in round_.layers:
        mine = [p for p in proposals if p.layer_id == layer.id]
        versions = rounds.layer_versions(layer)
        if can_decide and layer.id not in version_forms:
            version_forms[layer.id] = NewVersionForm(formdata=None, prefix=f"versie-{layer.id}")
        layers.append({
            "layer": layer,
            "current": services.current_version(layer),
            "versions": versions,
            "open": [p for p in mine if p.status == PROPOSED],
            "pending": [p for p in mine if p.is_pending_application],
            "applied": [p for p in mine if p.status == ACCEPTED and p.applied_version_id is not None],
            "rejected": [p for p in mine if p.status == REJECTED],
        })
    return render_template(
        "revisions/proposals.html", round=round_, layers=layers, total=len(proposals),
        conflicts=services.conflicting_zones(proposals), decision_forms=decision_forms,
        version_forms=version_forms, can_decide=can_decide,
    ), status


@bp.get(f"/beheer/rondes/<{ID}:round_id>/voorstellen")
@allow(Role.FACILITATOR)
def proposals(round_id: int):
    """A round's proposals per layer: open, accepted and waiting for a version, applied, rejected."""
    return _render_proposals(_round_or_404(round_id))


@bp.post(f"/beheer/rondes/<{ID}:round_id>/voorstellen/<{ID}:proposal_id>/besluit")
@allow(Role.POLICY_ANALYST)
def decide(round_id: int, proposal_id: int):
    """Accept or reject one proposal, with a note."""
    round_ = _round_or_404(round_id)
    proposal = services.get_proposal(round_, proposal_id)
    if proposal is None:
        abort(404)
    back = url_for("revisions.proposals", round_id=round_.id, _anchor=f"voorstel-{proposal_id}")
    form = DecisionForm(prefix=f"besluit-{proposal_id}")
    if form.validate_on_submit():
        try:
            services.decide(proposal, current_user, form.decision.data == "accept", form.note.data or "")
        except ValidationError as error:
            db.session.rollback()
            form.note.errors = list(form.note.errors) + list(error.errors.values())
        except ServiceError as error:
            db.session.rollback()
            return refused(error, back, _("Terug naar de voorstellen"))
        else:
            db.session.commit()
            if form.decision.data == "accept":
                flash(_("Voorstel %(id)s is geaccepteerd.", id=proposal_id), "success")
            else:
                flash(_("Voorstel %(id)s is afgewezen.", id=proposal_id), "success")
            return redirect(back)
    round_ = _round_or_404(round_id)
    return _render_proposals(round_, decision_forms={proposal_id: form}, status=400)


@bp.post(f"/beheer/rondes/<{ID}:round_id>/lagen/<{ID}:layer_id>/volgende-versie")
@allow(Role.POLICY_ANALYST)
def next_version(round_id: int, layer_id: int):
    """Make the next version of a layer from the accepted proposals (unpublished)."""
    round_ = _round_or_404(round_id)
    layer = _layer_of(round_, layer_id)
    back = url_for("revisions.proposals", round_id=round_.id, _anchor=f"laag-{layer.id}")
    form = NewVersionForm(prefix=f"versie-{layer.id}")
    if not form.validate_on_submit():
        return _render_proposals(round_, version_forms={layer.id: form}, status=400)
    try:
        revision = services.make_next_version(layer, current_user, form.note.data or "")
    except ServiceError as error:
        db.session.rollback()
        return refused(error, back, _("Terug naar de voorstellen"))
    db.session.commit()
    flash(_("Versie %(number)s is gemaakt met %(count)s gewijzigde zones. Ze is nog niet gepubliceerd.",
            number=revision.version.number, count=len(revision.changes)), "success")
    if revision.skipped:
        flash(_("%(count)s voorstel(len) gingen over een zone die niet in de huidige versie staat en zijn niet "
                "verwerkt.", count=len(revision.skipped)), "warning")
    return redirect(back)


@bp.post(f"/beheer/rondes/<{ID}:round_id>/lagen/<{ID}:layer_id>/versies/<{ID}:number>/publiceren")
@allow(Role.POLICY_ANALYST)
def publish(round_id: int, layer_id: int, number: int):
    """Publish a version to the round (or withdraw it with published=0)."""
    round_ = _round_or_404(round_id)
    layer = _layer_of(round_, layer_id)
    version = rounds.get_layer_version(layer, number)
    if version is None:
        abort(404)
    published = request.form.get("published", "1") != "0"
    services.publish_version(version, current_user, published)
    db.session.commit()
    if published:
        flash(_("Versie %(number)s is gepubliceerd.", number=number), "success")
    else:
        flash(_("Versie %(number)s is niet meer gepubliceerd.", number=number), "success")
    return redirect(url_for("revisions.proposals", round_id=round_.id, _anchor=f"laag-{layer.id}"))


# --- comparing two versions -------------------------------------------------------------------------

@bp.get(f"/rondes/<slug>/lagen/<{ID}:layer_id>/vergelijken")
@allow(PUBLIC)
def compare(slug: str, layer_id: int):
    """Zones changed between two versions (?van=1&naar=2): on a map and in a table, with the reasons.
    Published versions for everyone; unpublished ones for staff only (404 for others)."""
    round_ = visible_round_or_404(slug)
    layer = _layer_of(round_, layer_id)
    versions = services.visible_versions(layer, current_user)
    if len(versions) < 2:
        abort(404)
    by_number = {v.number: v for v in versions}
    requested = (int_arg("van"), int_arg("naar"))
    if any(n is not None and n not in by_number for n in requested):
        abort(404)
    # By default the newest version the viewer may see (for visitors: the current one) and the one before.
    new = by_number.get(requested[1]) or versions[-1]
    older = [v for v in versions if v.number < new.number]
    old = by_number.get(requested[0]) or (older[-1] if older else versions[0])
    form = CompareForm(request.args, versions=versions)
    form.van.data, form.naar.data = old.number, new.number
    zones = services.compare_versions(layer, old, new, current_user) if old.number != new.number else []
    change_map = maps.version_change_map(
        zones, label=_("Kaart van de gewijzigde zones van versie %(old)s naar versie %(new)s", old=old.number,
                       new=new.number)) if zones else None
    return render_template("revisions/compare.html", round=round_, layer=layer, old=old, new=new, form=form,
                           zones=zones, change_map=change_map, is_staff_viewer=is_staff(current_user))
