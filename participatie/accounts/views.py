"""Accounts views: register, confirm, login, logout, password reset, "Mijn gegevens" (see, download,
correct, delete) and logging out everywhere; the public privacy statement of a round; staff area for
users and organisations."""
import time
from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from ..core import safe_next_url
from ..extensions import db, limiter
from ..permissions import PUBLIC, Role, allow, is_staff
from ..ratelimits import per_address
from . import services
from .. import jobs
from ..rounds import services as rounds
from ..rounds.errors import ServiceError, ValidationError
from . import privacy, tasks
from .forms import (DeleteAccountForm, EmailForm, LoginForm, LogoutEverywhereForm, MyDetailsForm, OrganisationForm,
                    RegisterForm, ResetPasswordForm, UserEditForm, role_choices)
from .models import Organisation, User

bp = Blueprint("accounts", __name__, url_prefix="/account")
admin_bp = Blueprint("accounts_admin", __name__, url_prefix="/beheer")
privacy_bp = Blueprint("privacy", __name__)


@bp.record_once
def _register_jobs(state):
    """The nightly retention job, and the session lifetime of residents."""
    jobs.recurring(tasks.RETENTION_KEY, tasks.RETENTION_FUNCTION, tasks.RETENTION_HOUR)
    state.app.permanent_session_lifetime = timedelta(days=state.app.config.get("RESIDENT_SESSION_DAYS", 30))


# For the contribution form and the privacy notice of every round page. Template globals, not a
# context processor: the macros in contributions/_parts.html are imported without context.
@bp.app_template_global("privacy_statement")
def privacy_statement(round_):
    return privacy.statement(round_)


@bp.app_template_global("needs_privacy_ack")
def needs_privacy_ack(round_) -> bool:
    return privacy.needs_acknowledgement(current_user, round_)


def session_too_old() -> bool:
    """True when the login in this session is older than allowed: STAFF_SESSION_HOURS for staff,
    RESIDENT_SESSION_DAYS for everyone else."""
    login_at = session.get("login_at")
    if login_at is None:
        session["login_at"] = int(time.time())  # a session from before this check: count from now
        return False
    config = current_app.config
    limit = (config.get("STAFF_SESSION_HOURS", 8) * 3600 if is_staff(current_user)
             else config.get("RESIDENT_SESSION_DAYS", 30) * 86400)
    return time.time() - login_at > limit


@bp.before_app_request
def expire_old_sessions():
    """Log out a session that has lasted too long; the page then asks to log in again."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return
    if session_too_old():
        logout_user()
        _restart_session()
        flash(_("U was te lang ingelogd. Log opnieuw in."))


# --- Throttling -----------------------------------------------------------------------------------
# Limits are callables so that each app (and each test) reads its own configuration.


def _limit_per_account() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def _limit_per_address() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


def _account_key() -> str:
    """The account being tried, so that guessing one account's password from many addresses is throttled."""
    return "account:" + services.normalise_email(request.form.get("email", ""))


def _address_key() -> str:
    return "address:" + (get_remote_address() or "")


throttle_account = limiter.limit(_limit_per_account, key_func=_account_key, methods=["POST"])
throttle_address = limiter.limit(_limit_per_address, key_func=_address_key, methods=["POST"])


def _restart_session() -> None:
    """Empty the session (a fresh one at every login and logout) but keep the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


# --- Registration and confirmation ---------------------------------------------------------------


@bp.route("/registreren", methods=["GET", "POST"])
@allow(PUBLIC)
@per_address("REGISTER_LIMIT")
def register():
    """Create a resident account and mail a confirmation link."""
    form = RegisterForm()
    if not form.validate_on_submit():
        return render_template("accounts/register.html", form=form), 400 if form.is_submitted() else 200
    # The same answer whether or not the address has an account (its owner gets a mail instead), so
    # that nobody can find out who has an account here.
    services.register(form.email.data, form.password.data, form.display_name.data, form.postcode_area.data)
    return redirect(url_for("accounts.check_mail"))


@bp.get("/controleer-uw-mail")
@allow(PUBLIC)
def check_mail():
    """After registering: look in your mailbox; or ask for a new link."""
    return render_template("accounts/check_mail.html", form=EmailForm())


@bp.post("/bevestiging-opnieuw")
@allow(PUBLIC)
@throttle_address
def resend_confirmation():
    """Send a new confirmation link. Always the same answer, so nobody learns which addresses exist."""
    form = EmailForm()
    if not form.validate_on_submit():
        return render_template("accounts/check_mail.html", form=form), 400
    services.resend_confirmation(form.email.data)
    flash(_("Als er een account met dit e-mailadres is dat nog niet is bevestigd, hebben we een nieuwe link gestuurd."))
    return redirect(url_for("accounts.check_mail"))


@bp.get("/bevestigen/<token>")
@allow(PUBLIC)
def confirm(token: str):
    """The link from the confirmation mail."""
    try:
        services.confirm_email(token)
    except services.TokenError as error:
        return render_template("accounts/link_failed.html", reason=error.reason, kind="confirm",
                               form=EmailForm()), 400
    flash(_("Uw e-mailadres is bevestigd. U kunt nu inloggen."))
    return redirect(url_for("accounts.account" if current_user.is_authenticated else "accounts.login"))


# --- Logging in and out ---------------------------------------------------------------------------


@bp.route("/inloggen", methods=["GET", "POST"])
@allow(PUBLIC)
@throttle_account
@throttle_address
def login():
    """Log in with e-mail and password; `next` is followed only to our own pages."""
    next_url = safe_next_url(request.args.get("next"), "")
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("accounts/login.html", form=form, next_url=next_url), (
            400 if form.is_submitted() else 200
        )
    user = services.authenticate(form.email.data, form.password.data)
    if user is None:
        # One message for an unknown address and a wrong password: nobody learns which accounts exist.
        return render_template("accounts/login.html", form=form, next_url=next_url, failed=True), 401
    if not user.active:
        return render_template("accounts/login.html", form=form, next_url=next_url, inactive=True), 403
    if not user.is_confirmed:
        return render_template("accounts/login.html", form=form, next_url=next_url, unconfirmed=True), 403
    _restart_session()
    login_user(user)
    # A permanent cookie (RESIDENT_SESSION_DAYS) whose age the server checks on every request, so that
    # staff sessions end after STAFF_SESSION_HOURS (see `expire_old_sessions`).
    session.permanent = True
    session["login_at"] = int(time.time())
    flash(_("U bent ingelogd."))
    return redirect(next_url or url_for("projects.index"))


@bp.post("/uitloggen")
@allow(Role.RESIDENT)
def logout():
    """Log out (a form post, so that no link or image can log someone out)."""
    logout_user()
    _restart_session()
    flash(_("U bent uitgelogd."))
    return redirect(url_for("projects.index"))


# --- Forgotten password ---------------------------------------------------------------------------


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
@allow(PUBLIC)
@throttle_address
def reset_request():
    """Ask for a reset link. The same answer whether or not the address has an account."""
    form = EmailForm()
    if not form.validate_on_submit():
        return render_template("accounts/reset_request.html", form=form), 400 if form.is_submitted() else 200
    services.request_password_reset(form.email.data)
    return render_template("accounts/reset_requested.html")


@bp.route("/wachtwoord-herstellen/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
def reset_password(token: str):
    """Choose a new password through the link from the reset mail."""
    try:
        services.check_reset_token(token)
    except services.TokenError as error:
        return render_template("accounts/link_failed.html", reason=error.reason, kind="reset"), 400
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        return render_template("accounts/reset_password.html", form=form), 400 if form.is_submitted() else 200
    services.reset_password(token, form.password.data)
    if current_user.is_authenticated:
        logout_user()
        _restart_session()
    flash(_("Uw wachtwoord is gewijzigd. U kunt nu inloggen met uw nieuwe wachtwoord."))
    return redirect(url_for("accounts.login"))


# --- My account -----------------------------------------------------------------------------------


@bp.get("/")
@allow(Role.RESIDENT)
def account():
    """The logged-in person's own account details."""
    return render_template("accounts/account.html", user=current_user, roles=services.role_labels(current_user),
                           logout_form=LogoutEverywhereForm())


@bp.post("/overal-uitloggen")
@allow(Role.RESIDENT)
def logout_everywhere():
    """End every session of this account, on every device (this one too): the session version goes up."""
    form = LogoutEverywhereForm()
    if not form.validate_on_submit():
        abort(400)
    current_user.session_version += 1
    db.session.commit()
    logout_user()
    _restart_session()
    flash(_("U bent uitgelogd op alle apparaten. Log opnieuw in om verder te gaan."))
    return redirect(url_for("accounts.login"))


# --- My data (AVG: see, download, correct, delete) ---------------------------------------------------


def _no_store(response):
    """Personal data never stays in a shared cache or the browser's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/gegevens", methods=["GET", "POST"])
@allow(Role.RESIDENT)
def my_data():
    """All data held about the logged-in person, with a form to correct name and postcode area."""
    form = MyDetailsForm(data={"display_name": current_user.display_name,
                               "postcode_area": current_user.postcode_area or ""})
    status = 200
    if form.validate_on_submit():
        try:
            privacy.update_details(current_user, form.display_name.data, form.postcode_area.data)
        except ValidationError as error:
            db.session.rollback()
            for name, message in error.errors.items():
                form[name].errors = list(form[name].errors) + [message]
            status = 400
        else:
            db.session.commit()
            flash(_("Uw gegevens zijn opgeslagen."), "success")
            return redirect(url_for("accounts.my_data"))
    elif form.is_submitted():
        status = 400
    return _no_store(current_app.make_response((render_template(
        "accounts/my_data.html", form=form, sections=privacy.collect(current_user),
        display_value=privacy.display_value), status)))


@bp.get("/gegevens.json")
@allow(Role.RESIDENT)
def my_data_json():
    """Download all data held about the person as JSON."""
    response = Response(privacy.export_json(current_user), mimetype="application/json")
    response.headers["Content-Disposition"] = "attachment; filename=mijn-gegevens.json"
    return _no_store(response)


@bp.get("/gegevens.csv")
@allow(Role.RESIDENT)
def my_data_csv():
    """Download all data held about the person as CSV."""
    response = Response(privacy.export_csv(current_user), mimetype="text/csv")
    response.headers["Content-Disposition"] = "attachment; filename=mijn-gegevens.csv"
    return _no_store(response)


@bp.route("/verwijderen", methods=["GET", "POST"])
@allow(Role.RESIDENT)
def delete_account():
    """Delete one's own account after confirming with the password; the person chooses what happens
    to their contributions and replies."""
    form = DeleteAccountForm()
    status = 200
    if form.validate_on_submit():
        try:
            privacy.delete_account(current_user._get_current_object(), form.password.data,
                                   keep_contributions=form.contributions.data == "keep")
        except ServiceError as error:
            db.session.rollback()
            target = form.password if error.code == "password" else form.contributions
            target.errors = list(target.errors) + [error.message]
            status = 400
        else:
            logout_user()
            _restart_session()
            flash(_("Uw account is verwijderd."), "success")
            return redirect(url_for("projects.index"))
    elif form.is_submitted():
        status = 400
    return _no_store(current_app.make_response((render_template("accounts/delete.html", form=form), status)))


# --- the public privacy statement of a round ----------------------------------------------------------


@privacy_bp.get("/rondes/<slug>/privacy")
@allow(PUBLIC)
def round_statement(slug: str):
    """The privacy statement of a round: purpose, legal basis, retention, contact, votes."""
    round_ = rounds.visible_round(slug, current_user)
    if round_ is None:
        abort(404)
    return render_template("accounts/privacy_statement.html", round=round_, statement=privacy.statement(round_))


# --- Staff area: users ----------------------------------------------------------------------------


@admin_bp.get("/gebruikers")
@allow(Role.ADMIN)
def users():
    """All users, searchable by e-mail or name, 50 per page."""
    query = request.args.get("q", "")[:200]
    page = request.args.get("page", 1, type=int)
    pagination = services.search_users(query, max(page, 1))
    return render_template("admin/users.html", pagination=pagination, query=query, role_label=services.role_label)


@admin_bp.route("/gebruikers/<int:user_id>", methods=["GET", "POST"])
@allow(Role.ADMIN)
def user_edit(user_id: int):
    """Change a user's roles, organisation and whether the account is active."""
    user = db.get_or_404(User, user_id)
    form = UserEditForm(
        data={
            "roles": [r.value for r in sorted(user.role_set, key=lambda r: r.rank)],
            "organisation": user.organisation_id or 0,
            "active": user.active,
        }
    )
    form.set_choices(role_choices(services.ROLE_LABELS), services.list_organisations())
    if form.validate_on_submit():
        try:
            services.update_user(user, current_user, form.roles.data, form.organisation.data, form.active.data)
        except services.SelfLockout as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            flash(_("De gegevens van %(email)s zijn opgeslagen.", email=user.email))
            return redirect(url_for("accounts_admin.user_edit", user_id=user.id))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/users_edit.html", form=form, user=user), status


# --- Staff area: organisations --------------------------------------------------------------------


@admin_bp.route("/organisaties", methods=["GET", "POST"])
@allow(Role.ADMIN)
def organisations():
    """All stakeholder organisations, and a form to add one."""
    form = OrganisationForm()
    status = 200
    if form.validate_on_submit():
        try:
            organisation = services.save_organisation(None, form.name.data, form.description.data)
        except services.OrganisationNameTaken:
            form.name.errors.append(_("Er is al een organisatie met deze naam."))
            status = 409
        else:
            flash(_("Organisatie %(name)s is toegevoegd.", name=organisation.name))
            return redirect(url_for("accounts_admin.organisations"))
    elif form.is_submitted():
        status = 400
    return render_template("admin/organisations.html", form=form,
                           organisations=services.list_organisations()), status


@admin_bp.route("/organisaties/<int:org_id>", methods=["GET", "POST"])
@allow(Role.ADMIN)
def organisation_edit(org_id: int):
    """Change an organisation's name and description; shows its members."""
    organisation = db.get_or_404(Organisation, org_id)
    form = OrganisationForm(obj=organisation)
    status = 200
    if form.validate_on_submit():
        try:
            services.save_organisation(organisation, form.name.data, form.description.data)
        except services.OrganisationNameTaken:
            db.session.rollback()
            form.name.errors.append(_("Er is al een organisatie met deze naam."))
            status = 409
        else:
            flash(_("Organisatie %(name)s is opgeslagen.", name=organisation.name))
            return redirect(url_for("accounts_admin.organisation_edit", org_id=organisation.id))
    elif form.is_submitted():
        status = 400
    return render_template("admin/organisations_edit.html", form=form, organisation=organisation), status
