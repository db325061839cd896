"""Map-table sessions: staff plan them and run the facilitator screen; participants join at
/kaarttafel with the session code (stakeholder account or one-time code) and give input; everyone
sees new input through short polling of inbreng.json. Everything works without JavaScript too: the
forms post and redirect back, and the pages show the input so far."""
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session as cookie,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ..audit import services as audit
from ..contributions import services as contributions
from ..contributions.views import int_arg
from ..extensions import db, limiter
from ..maps import round_map
from ..permissions import PUBLIC, Role, allow, has_role
from ..rounds import services as round_services
from ..rounds.errors import Refused, ServiceError, ValidationError
from . import services
from .forms import CodesForm, InputForm, JoinForm, SessionForm, StatusForm
from .models import INTEGRAL, STATUSES, MapTableSession

bp = Blueprint("maptable", __name__)

MAX_ID = 2**31 - 1
ID = f"int(max={MAX_ID})"
GRANTS = "maptable_grants"  # in the signed session cookie: {session id: Grant.as_dict()}
MAP_HEIGHT = "70vh"
# Joining tries per client address: codes are long enough that guessing is hopeless; this keeps it so.
JOIN_LIMIT = "30 per 15 minutes"


# --- helpers ----------------------------------------------------------------------------------------

def _round_or_404(slug: str):
    round_ = round_services.get_round(slug)
    if round_ is None:
        abort(404)
    return round_


def _session_or_404(session_id: int) -> MapTableSession:
    session = services.get_session(session_id)
    if session is None:
        abort(404)
    return session


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _refused(error: ServiceError, back_url: str, back_label: str):
    if _wants_json():
        return jsonify(message=str(error.message), code=getattr(error, "code", "")), error.status
    return render_template("rounds/refused.html", message=error.message, back_url=back_url,
                           back_label=back_label), error.status


def _stored_grant(session: MapTableSession):
    return services.Grant.from_dict((cookie.get(GRANTS) or {}).get(str(session.id)))


def _store_grant(grant: services.Grant) -> None:
    grants = dict(cookie.get(GRANTS) or {})
    grants[str(grant.session_id)] = grant.as_dict()
    cookie[GRANTS] = grants


def _is_staff() -> bool:
    return has_role(current_user, Role.FACILITATOR)


def _participant_grant(session: MapTableSession) -> services.Grant:
    """The current visitor's checked grant for this session; raises Refused."""
    return services.check_grant(session, _stored_grant(session), current_user)


def _input_form(session: MapTableSession, **kwargs) -> InputForm:
    round_ = session.round
    return InputForm(round_, round_services.zone_choices(round_), round_services.place_choices(round_), session=session, **kwargs)


def _screen_map(session: MapTableSession):
    return round_map(session.round, current_user, height=MAP_HEIGHT)


def _save_input(session: MapTableSession, form: InputForm, organisation_id, author, on_behalf: bool = False):
    """Store the input from a posted form. Returns (contribution, None) or (None, error). Input a
    facilitator enters on an organisation's behalf is a staff action: it goes into the audit log."""
    try:
        contribution = services.add_input(
            session, organisation_id=organisation_id, theme=form.theme.data, text=form.text.data, author=author,
            stance=form.stance.data, submission_key=form.submission_key.data, **form.place_arguments())
        if on_behalf:
            audit.record("maptable.input_on_behalf", author, object_type="contribution", object_id=contribution.id,
                         round_id=session.round_id, session_id=session.id,
                         organisation_id=contribution.organisation_id)
    except ServiceError as error:
        db.session.rollback()
        if isinstance(error, ValidationError):
            form.add_service_errors(error.errors)
        return None, error
    db.session.commit()
    return contribution, None


def _screen_form_page(session, form, template, **context):
    """A session screen with its input form: on GET, or again (400) after a post whose form did not
    validate; the page's script gets that 400 as JSON."""
    status = 400 if request.method == "POST" else 200
    if status == 400 and _wants_json():
        return jsonify(message=_("Het formulier is verlopen. Laad de pagina opnieuw."),
                       errors={k: [str(m) for m in v] for k, v in form.errors.items()}), 400
    return render_template(template, session=session, form=form, refusal=None, **context), status


def _input_answer(session, form, contribution, error, screen_url, template, status_ok_message, **context):
    """Answer a posted input form: JSON for the page's script, else PRG or the form again (400/403)
    with everything the person typed still in it."""
    if _wants_json():
        if error is None:
            return jsonify(id=contribution.id, message=status_ok_message,
                           submission_key=contributions.new_submission_key()), 201
        errors = {k: str(v) for k, v in getattr(error, "errors", {}).items()}
        return jsonify(message=str(error.message), errors=errors, code=getattr(error, "code", "")), error.status
    if error is None:
        flash(status_ok_message, "success")
        return redirect(screen_url)
    refusal = None if isinstance(error, ValidationError) else error.message
    return render_template(template, session=session, form=form, refusal=refusal, **context), error.status


# --- staff: planning --------------------------------------------------------------------------------

@bp.get("/beheer/kaarttafel")
@allow(Role.FACILITATOR)
def rounds():
    """Every round, with its number of map-table sessions: where staff start."""
    return render_template("maptable/rounds.html", rounds=services.rounds_with_session_counts())


@bp.get("/beheer/rondes/<slug>/kaarttafel")
@allow(Role.FACILITATOR)
def index(slug: str):
    """The sessions of a round, with links to plan, run and report them."""
    round_ = _round_or_404(slug)
    return render_template("maptable/index.html", round=round_, sessions=services.sessions_of_round(round_),
                           labels=services.STATUS_LABELS, to_local=round_services.utc_to_local)


@bp.route("/beheer/rondes/<slug>/kaarttafel/nieuw", methods=["GET", "POST"])
@allow(Role.FACILITATOR)
def new(slug: str):
    """Plan a session: title, theme, date and time, facilitators, organisations, participants."""
    round_ = _round_or_404(slug)
    form = SessionForm(round_)
    if request.method == "GET":
        form.facilitator_ids.data = [str(current_user.id)]
    elif form.validate_on_submit():
        try:
            session = services.create_session(round_, current_user, **form.values())
        except ValidationError as error:
            db.session.rollback()
            form.add_service_errors(error.errors)
        else:
            db.session.commit()
            flash(_("De sessie is gepland. Sessiecode: %(code)s", code=session.code), "success")
            return redirect(url_for("maptable.manage", session_id=session.id))
    return render_template("maptable/form.html", round=round_, form=form, session=None), 400 if form.errors else 200


@bp.route(f"/beheer/kaarttafel/<{ID}:session_id>/bewerken", methods=["GET", "POST"])
@allow(Role.FACILITATOR)
def edit(session_id: int):
    """Change a session's plan, status or minutes."""
    session = _session_or_404(session_id)
    round_ = session.round
    form = SessionForm(round_)
    if request.method == "GET":
        form.title.data, form.theme.data, form.status.data = session.title, session.theme, session.status
        form.starts_at.data = round_services.utc_to_local(session.starts_at).replace(tzinfo=None)
        form.minutes.data = session.minutes
        form.facilitator_ids.data = [str(u.id) for u in session.facilitators]
        form.organisation_ids.data = [str(o.id) for o in session.organisations]
        form.participant_ids.data = [str(u.id) for u in session.participants]
    elif form.validate_on_submit():
        try:
            services.update_session(session, current_user, **form.values())
        except ValidationError as error:
            db.session.rollback()
            form.add_service_errors(error.errors)
        else:
            db.session.commit()
            flash(_("De sessie is opgeslagen."), "success")
            return redirect(url_for("maptable.manage", session_id=session.id))
    return render_template("maptable/form.html", round=round_, form=form, session=session), \
        400 if form.errors else 200


def _manage_page(session: MapTableSession, codes_form: CodesForm, new_codes=None, status: int = 200):
    status_form = StatusForm()
    status_form.status.choices = [(s, services.STATUS_LABELS[s]) for s in STATUSES]
    status_form.status.data = session.status
    return render_template(
        "maptable/manage.html", session=session, round=session.round, codes_form=codes_form,
        status_form=status_form, new_codes=new_codes or [], code_counts=services.code_counts(session),
        labels=services.STATUS_LABELS, to_local=round_services.utc_to_local,
        invitation_url=url_for("maptable.invitation", code=session.code, _external=True),
    ), status


@bp.get(f"/beheer/kaarttafel/<{ID}:session_id>")
@allow(Role.FACILITATOR)
def manage(session_id: int):
    """A session's plan, its codes and invitation link, its status, and links to the screens."""
    session = _session_or_404(session_id)
    return _manage_page(session, CodesForm(session))


@bp.post(f"/beheer/kaarttafel/<{ID}:session_id>/codes")
@allow(Role.FACILITATOR)
def make_codes(session_id: int):
    """Make one-time participant codes; they are shown once, on the page this answers with."""
    session = _session_or_404(session_id)
    form = CodesForm(session)
    if form.validate_on_submit():
        try:
            codes = services.make_participant_codes(session, form.organisation_id.data, form.count.data or 0,
                                                    form.label.data, actor=current_user)
        except ValidationError as error:
            db.session.rollback()
            for name, message in error.errors.items():
                f = getattr(form, name, form.organisation_id)
                f.errors = list(f.errors) + [message]
        else:
            db.session.commit()
            response = _manage_page(session, CodesForm(session), new_codes=codes)
            return response
    return _manage_page(session, form, status=400)


@bp.post(f"/beheer/kaarttafel/<{ID}:session_id>/status")
@allow(Role.FACILITATOR)
def change_status(session_id: int):
    """Start (live), close (afgerond) or re-plan a session."""
    session = _session_or_404(session_id)
    form = StatusForm()
    form.status.choices = [(s, services.STATUS_LABELS[s]) for s in STATUSES]
    back = request.form.get("terug") == "tafel"
    target = url_for("maptable.table", session_id=session.id) if back else \
        url_for("maptable.manage", session_id=session.id)
    if not form.validate_on_submit():
        abort(400)
    try:
        services.set_status(session, form.status.data, current_user)
    except ValidationError:
        db.session.rollback()
        abort(400)
    db.session.commit()
    flash(_("De sessie is nu: %(status)s.", status=services.STATUS_LABELS[session.status]), "success")
    return redirect(target)


# --- the facilitator's screen -----------------------------------------------------------------------

def _table_context(session: MapTableSession) -> dict:
    return {"round": session.round, "map": _screen_map(session), "feed": services.feed(session),
            "labels": services.STATUS_LABELS, "role": "facilitator",
            "feed_url": url_for("maptable.feed", session_id=session.id),
            "post_url": url_for("maptable.table", session_id=session.id)}


@bp.route(f"/kaarttafel/sessie/<{ID}:session_id>/tafel", methods=["GET", "POST"])
@allow(Role.FACILITATOR)
def table(session_id: int):
    """The facilitator's full-screen map: plan layers, input so far, live new input, and a form to add
    input on behalf of an invited organisation."""
    session = _session_or_404(session_id)
    form = _input_form(session)
    if request.method == "GET" or not form.validate_on_submit():
        return _screen_form_page(session, form, "maptable/table.html", **_table_context(session))
    contribution, error = _save_input(session, form, form.organisation_id.data, current_user, on_behalf=True)
    return _input_answer(session, form, contribution, error, url_for("maptable.table", session_id=session.id),
                         "maptable/table.html", _("De inbreng is toegevoegd."), **_table_context(session))


# --- participants -----------------------------------------------------------------------------------

def _join_page(form: JoinForm, refusal=None, status: int = 200):
    return render_template("maptable/join.html", form=form, refusal=refusal), status


@bp.route("/kaarttafel", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit(JOIN_LIMIT, methods=["POST"], scope="maptable_join")
def join():
    """Join a session with its code: with a stakeholder account of an invited organisation, or with
    a one-time participant code (the organisation comes from the code)."""
    form = JoinForm()
    if request.method == "GET":
        form.session_code.data = request.args.get("code", "")[:20]
        return _join_page(form)
    if not form.validate_on_submit():
        return _join_page(form, status=400)
    try:
        session = services.session_by_code(form.session_code.data)
        if (form.participant_code.data or "").strip():
            grant = services.join_with_code(session, form.participant_code.data)
        else:
            grant = services.join_with_account(session, current_user)
    except ValidationError as error:
        db.session.rollback()
        for name, message in error.errors.items():
            target = form.participant_code if name == "code" else form.session_code
            target.errors = list(target.errors) + [message]
        return _join_page(form, status=400)
    except ServiceError as error:
        db.session.rollback()
        if getattr(error, "code", "") in ("", "refused") or error.status == 404:
            form.session_code.errors = list(form.session_code.errors) + [error.message]
            return _join_page(form, status=error.status)
        return _join_page(form, refusal=error.message, status=error.status)
    db.session.commit()
    _store_grant(grant)
    return redirect(url_for("maptable.participate", session_id=session.id))


@bp.get("/kaarttafel/<code>")
@allow(PUBLIC)
def invitation(code: str):
    """The invitation link: the join form with the session code filled in."""
    form = JoinForm()
    form.session_code.data = services.normalise_code(code)[:20]
    return _join_page(form)


def _participant_context(session: MapTableSession, grant) -> dict:
    organisation = next((o for o in session.organisations if o.id == grant.organisation_id), None)
    return {"round": session.round, "map": _screen_map(session), "feed": services.feed(session),
            "labels": services.STATUS_LABELS, "role": "participant", "organisation": organisation,
            "feed_url": url_for("maptable.feed", session_id=session.id),
            "post_url": url_for("maptable.participate", session_id=session.id)}


@bp.route(f"/kaarttafel/sessie/<{ID}:session_id>", methods=["GET", "POST"])
@allow(PUBLIC)
def participate(session_id: int):
    """A participant's screen: the map and input so far, live, and the form to add input for their
    organisation."""
    session = _session_or_404(session_id)
    try:
        grant = _participant_grant(session)
    except Refused as error:
        return _refused(error, url_for("maptable.join"), _("Naar aanmelden voor een sessie"))
    form = _input_form(session)
    if request.method == "GET" or not form.validate_on_submit():
        return _screen_form_page(session, form, "maptable/participate.html", **_participant_context(session, grant))
    author = current_user if grant.user_id is not None else None
    contribution, error = _save_input(session, form, grant.organisation_id, author)
    return _input_answer(session, form, contribution, error,
                         url_for("maptable.participate", session_id=session.id), "maptable/participate.html",
                         _("Dank u wel. Uw inbreng is toegevoegd."), **_participant_context(session, grant))


@bp.post(f"/kaarttafel/sessie/<{ID}:session_id>/verlaten")
@allow(PUBLIC)
def leave(session_id: int):
    """Forget the participant's grant for this session (on a shared device)."""
    grants = dict(cookie.get(GRANTS) or {})
    grants.pop(str(session_id), None)
    cookie[GRANTS] = grants
    flash(_("U bent afgemeld voor de sessie."), "success")
    return redirect(url_for("maptable.join"))


@bp.get(f"/kaarttafel/sessie/<{ID}:session_id>/inbreng.json")
@allow(PUBLIC)
def feed(session_id: int):
    """New input of the session after `na` (an id), for the screens' short polling. Staff and
    participants of the session only."""
    session = services.get_session(session_id)
    if session is None:
        return jsonify(message=_("Deze sessie bestaat niet.")), 404
    if not _is_staff():
        try:
            _participant_grant(session)
        except Refused as error:
            return jsonify(message=str(error.message), code=error.code), 403
    response = jsonify(services.feed(session, request.args.get("na", "0")))
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the integral view and reports --------------------------------------------------------------

def _integral_page(round_, session=None):
    view = services.integral_view(round_, theme=request.args.get("thema") or None,
                                  organisation_id=int_arg("organisatie"))
    return render_template("maptable/integral.html", round=round_, view=view, session=session,
                           labels=services.STATUS_LABELS, to_local=round_services.utc_to_local)


@bp.get("/beheer/rondes/<slug>/kaarttafel/integraal")
@allow(Role.FACILITATOR)
def integral(slug: str):
    """All sessions' input together, filtered by theme and organisation, with the conflict zones."""
    return _integral_page(_round_or_404(slug))


@bp.get(f"/kaarttafel/sessie/<{ID}:session_id>/integraal")
@allow(PUBLIC)
def session_integral(session_id: int):
    """The integral view for the people in an integral session (staff or participants)."""
    session = _session_or_404(session_id)
    if session.theme != INTEGRAL:
        abort(404)
    if not _is_staff():
        try:
            _participant_grant(session)
        except Refused as error:
            return _refused(error, url_for("maptable.join"), _("Naar aanmelden voor een sessie"))
    return _integral_page(session.round, session)


def _report_page(report, csv_url):
    return render_template("maptable/report.html", report=report, csv_url=csv_url, labels=services.STATUS_LABELS,
                           to_local=round_services.utc_to_local)


def _csv(report, filename: str):
    """The report as CSV with a UTF-8 BOM (so spreadsheet programs read the accents right)."""
    body = "\ufeff" + services.report_csv(report)
    response = current_app.response_class(body.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get(f"/beheer/kaarttafel/<{ID}:session_id>/verslag")
@allow(Role.FACILITATOR)
def report(session_id: int):
    """A printable report of one session: input per theme and organisation, proposals, decisions."""
    session = _session_or_404(session_id)
    return _report_page(services.session_report(session), url_for("maptable.report_csv", session_id=session.id))


@bp.get(f"/beheer/kaarttafel/<{ID}:session_id>/verslag.csv")
@allow(Role.FACILITATOR)
def report_csv(session_id: int):
    session = _session_or_404(session_id)
    return _csv(services.session_report(session), f"kaarttafel-{session.id}.csv")


@bp.get("/beheer/rondes/<slug>/kaarttafel/verslag")
@allow(Role.FACILITATOR)
def integral_report(slug: str):
    round_ = _round_or_404(slug)
    return _report_page(services.integral_report(round_), url_for("maptable.integral_report_csv", slug=slug))


@bp.get("/beheer/rondes/<slug>/kaarttafel/verslag.csv")
@allow(Role.FACILITATOR)
def integral_report_csv(slug: str):
    round_ = _round_or_404(slug)
    return _csv(services.integral_report(round_), f"kaarttafel-{round_.slug}.csv")
