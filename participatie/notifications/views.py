"""Notification pages: the settings page "Meldingen", follow/unfollow buttons for projects and
rounds (POST forms), and the one-click unsubscribe link of every mail (GET shows what it will do,
POST does it; mail programs POST to it without a form, RFC 8058)."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..contributions.views import visible_round_or_404
from ..extensions import csrf, db
from ..permissions import PUBLIC, Role, allow
from ..projects import services as projects
from ..rounds.errors import ServiceError
from . import services, tasks
from .forms import FollowForm, SettingsForm

bp = Blueprint("notifications", __name__)


@bp.record_once
def _register(state):
    """Listen to the domain events, and run the hourly check in the job queue."""
    services.connect_signals()
    tasks.register()


@bp.app_context_processor
def follow_helpers():
    """For the project and round pages: whether the current person follows them."""

    def following(project=None, round=None):
        return services.subscription_of(current_user, project, round) is not None

    return {"following": following}


# --- settings ---------------------------------------------------------------------------------------

@bp.route("/account/meldingen", methods=["GET", "POST"])
@allow(Role.RESIDENT)
def settings():
    """Which mails the person wants, and what they follow."""
    current = services.preferences(current_user)
    form = SettingsForm(obj=None if request.method == "POST" else current)
    if form.validate_on_submit():
        services.save_preferences(current_user, input_moderated=form.input_moderated.data,
                                  input_answered=form.input_answered.data, round_news=form.round_news.data)
        db.session.commit()
        flash(_("Uw keuzes voor e-mails zijn opgeslagen."), "success")
        return redirect(url_for("notifications.settings"))
    return render_template("notifications/settings.html", form=form,
                           subscriptions=services.subscriptions_of(current_user),
                           follow_form=FollowForm()), 400 if form.errors else 200


# --- following --------------------------------------------------------------------------------------

def _follow_change(target_url: str, follow: bool, project=None, round_=None):
    form = FollowForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        if follow:
            services.subscribe(current_user, project, round_)
        else:
            services.unsubscribe(current_user, project, round_)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(target_url)
    db.session.commit()
    name = project.title if project is not None else round_.title
    if follow:
        flash(_("U volgt nu „%(name)s”. U krijgt een e-mail als er nieuws is.", name=name), "success")
    else:
        flash(_("U volgt „%(name)s” niet meer.", name=name), "success")
    back = request.form.get("next", "")
    return redirect(back if back in (url_for("notifications.settings"),) else target_url)


def _project_or_404(slug: str):
    project = projects.project_by_slug(slug)
    if project is None or not projects.can_view_project(current_user, project):
        abort(404)
    return project


@bp.post("/projecten/<slug>/volgen")
@allow(Role.RESIDENT)
def follow_project(slug: str):
    project = _project_or_404(slug)
    return _follow_change(url_for("projects.detail", slug=slug, _anchor="volgen"), True, project=project)


@bp.post("/projecten/<slug>/niet-meer-volgen")
@allow(Role.RESIDENT)
def unfollow_project(slug: str):
    project = _project_or_404(slug)
    return _follow_change(url_for("projects.detail", slug=slug, _anchor="volgen"), False, project=project)


@bp.post("/rondes/<slug>/volgen")
@allow(Role.RESIDENT)
def follow_round(slug: str):
    round_ = visible_round_or_404(slug)
    return _follow_change(url_for("rounds.detail", slug=slug, _anchor="volgen"), True, round_=round_)


@bp.post("/rondes/<slug>/niet-meer-volgen")
@allow(Role.RESIDENT)
def unfollow_round(slug: str):
    round_ = visible_round_or_404(slug)
    return _follow_change(url_for("rounds.detail", slug=slug, _anchor="volgen"), False, round_=round_)


# --- one-click unsubscribe --------------------------------------------------------------------------

@csrf.exempt
@bp.route("/meldingen/afmelden/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
def unsubscribe(token: str):
    """GET: what the link will do and a button. POST: do it. No login and no CSRF token: the signed
    token is the proof, and mail programs post here themselves (List-Unsubscribe-Post)."""
    try:
        action = services.read_token(token)
    except services.TokenError:
        db.session.rollback()
        return render_template("notifications/unsubscribe.html", invalid=True, token=token), 400
    if request.method == "GET":
        return render_template("notifications/unsubscribe.html", action=action, token=token, done=False)
    services.apply_unsubscribe(token)
    db.session.commit()
    return render_template("notifications/unsubscribe.html", action=action, token=token, done=True)
