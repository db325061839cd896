"""Accounts views: register, confirm, login, logout, password reset; staff area for users and organisations."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from ..core import safe_next_url
from ..extensions import db, limiter
from ..permissions import PUBLIC, Role, allow
from . import services
from .forms import EmailForm, LoginForm, OrganisationForm, RegisterForm, ResetPasswordForm, UserEditForm, role_choices
from .models import Organisation, User

bp = Blueprint("accounts", __name__, url_prefix="/account")
admin_bp = Blueprint("accounts_admin", __name__, url_prefix="/beheer")


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
def register():
    """Create a resident account and mail a confirmation link."""
    form = RegisterForm()
    if not form.validate_on_submit():
        return render_template("accounts/register.html", form=form), 400 if form.is_submitted() else 200
    try:
        user = services.register_user(form.email.data, form.password.data, form.display_name.data)
    except services.EmailTaken:
        form.email.errors.append(
            _("Er is al een account met dit e-mailadres. Log in, of vraag een nieuw wachtwoord aan als u het bent vergeten.")
        )
        return render_template("accounts/register.html", form=form), 409
    services.send_confirmation_mail(user)
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
    return render_template("accounts/account.html", user=current_user, roles=services.role_labels(current_user))


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
