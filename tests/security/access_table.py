"""The one declared access table: for every endpoint, the lowest role that may use it (PUBLIC for
everyone) and what an allowed person gets when they ask for it as the matrix does (GET without
parameters, POST with an empty form), built from the demo data in access_world.py.

tests/security/test_access_matrix.py walks app.url_map and checks every route for every role
against this table, and checks the table against the views' own `@allow` declarations.

A new route: add one line `"blueprint.endpoint": Entry(PUBLIC | Role.X, get=(...), post=(...))`.
`values` maps the route's URL variables to names in access_world.build_world() when the defaults
below do not fit (e.g. a delete route that must work on a spare object).
"""
from dataclasses import dataclass, field

from participatie.permissions import PUBLIC, Role

# The URL variables every route uses, and the world name each one is filled with by default.
DEFAULT_VALUES = {
    "slug": "round_slug",
    "contribution_id": "contribution_id",
    "project_id": "project_id",
    "doc_id": "doc_id",
    "phase_id": "phase_id",
    "org_id": "org_id",
    "user_id": "user_id",
    "round_id": "round_id",
    "layer_id": "layer_id",
    "number": "version_number",
    "zone_id": "zone_id",
    "summary_id": "summary_id",
    "job_id": "job_id",
    "collection_id": "collection_id",
    "feature_id": "feature_id",
    "token": "token",
    "code": "language",
    "name": "chart",
    "reply_id": "reply_id",
    "kind_slug": "kind_slug",
    "item_id": "contribution_id",
    # Objects the demo data has none of (yet): an id nobody has; an allowed role then gets the view's 404.
    "session_id": "missing_id",
    "response_id": "missing_id",
}
MISSING_TOKEN = {"code": "token"}
PROJECT = {"slug": "project_slug"}


@dataclass(frozen=True)
class Entry:
    """Who may use an endpoint, and the statuses an allowed person may get per method."""

    who: object  # PUBLIC or a Role
    get: tuple = (200,)
    post: tuple = (400,)
    values: dict = field(default_factory=dict)
    # Ends or changes the session (log out): run after every other route of the role, then log in again.
    last: bool = False

    def statuses(self, method: str) -> tuple:
        return self.get if method == "GET" else self.post


ACCESS = {
    # --- site --------------------------------------------------------------------------------------
    "core.healthz": Entry(PUBLIC),
    "core.set_language": Entry(PUBLIC, get=(302,)),
    "core.accessibility": Entry(PUBLIC),
    # --- accounts ----------------------------------------------------------------------------------
    "accounts.login": Entry(PUBLIC, get=(200, 302), post=(200, 302, 400)),
    "accounts.register": Entry(PUBLIC, get=(200, 302), post=(200, 302, 400)),
    "accounts.check_mail": Entry(PUBLIC),
    "accounts.confirm": Entry(PUBLIC, get=(200, 302, 400, 404)),
    "accounts.resend_confirmation": Entry(PUBLIC, post=(200, 302, 400)),
    "accounts.reset_request": Entry(PUBLIC, get=(200, 302), post=(200, 302, 400)),
    "accounts.reset_password": Entry(PUBLIC, get=(200, 302, 400, 404), post=(200, 302, 400, 404)),
    "accounts.account": Entry(Role.RESIDENT),
    "accounts.logout": Entry(Role.RESIDENT, post=(302,), last=True),
    "accounts.logout_everywhere": Entry(Role.RESIDENT, post=(302,), last=True),
    "accounts.my_data": Entry(Role.RESIDENT, post=(302, 400)),  # an empty POST keeps the stored details
    "accounts.my_data_json": Entry(Role.RESIDENT),
    "accounts.my_data_csv": Entry(Role.RESIDENT),
    "accounts.delete_account": Entry(Role.RESIDENT),
    "accounts_admin.users": Entry(Role.ADMIN),
    "accounts_admin.user_edit": Entry(Role.ADMIN, post=(302, 400)),  # an empty form: no roles, not active
    "accounts_admin.organisations": Entry(Role.ADMIN),
    "accounts_admin.organisation_edit": Entry(Role.ADMIN),
    # --- projects and documents --------------------------------------------------------------------
    "projects.index": Entry(PUBLIC),
    "projects.search": Entry(PUBLIC),
    "projects.detail": Entry(PUBLIC, values=PROJECT),
    "projects.document": Entry(PUBLIC, values=PROJECT),
    "projects.document_download": Entry(PUBLIC, values=PROJECT),
    "projects_admin.index": Entry(Role.FACILITATOR),
    "projects_admin.projects": Entry(Role.ADMIN),
    "projects_admin.project_new": Entry(Role.ADMIN),
    "projects_admin.project_edit": Entry(Role.ADMIN),
    "projects_admin.project_delete": Entry(Role.ADMIN, post=(302,), values={"project_id": "spare_project_id"}),
    "projects_admin.phase_new": Entry(Role.ADMIN),
    "projects_admin.phase_edit": Entry(Role.ADMIN, post=(302, 400)),
    "projects_admin.phase_delete": Entry(Role.ADMIN, post=(302,), values={
        "project_id": "other_project_id", "phase_id": "other_phase_id"}),
    "projects_admin.document_new": Entry(Role.ADMIN),
    "projects_admin.document_delete": Entry(Role.ADMIN, post=(302,), values={
        "project_id": "other_project_id", "doc_id": "other_doc_id"}),
    # --- rounds, layers, zones ---------------------------------------------------------------------
    "rounds.detail": Entry(PUBLIC),
    "rounds.layer_version_geojson": Entry(PUBLIC),
    "rounds.zone_vote": Entry(Role.RESIDENT, post=(302, 400)),
    "rounds_admin.index": Entry(Role.ADMIN),
    "rounds_admin.round_new": Entry(Role.ADMIN),
    "rounds_admin.round_edit": Entry(Role.ADMIN),
    "rounds_admin.layer_new": Entry(Role.ADMIN),
    "rounds_admin.layer": Entry(Role.ADMIN),
    "rounds_admin.version_publication": Entry(Role.ADMIN, post=(302, 400)),
    # --- contributions, replies, votes -------------------------------------------------------------
    "contributions.index": Entry(PUBLIC),
    "contributions.geojson": Entry(PUBLIC, get=(400,)),  # no bbox given: a JSON error, not a 500
    "contributions.detail": Entry(PUBLIC),
    "contributions.photo": Entry(PUBLIC, get=(200, 404)),
    "contributions.new": Entry(Role.RESIDENT),
    # On the person's own contribution (made for them by the matrix); others' are in test_object_access.
    "contributions.edit": Entry(Role.RESIDENT, values={"contribution_id": "own_contribution_id"}),
    "contributions.delete": Entry(Role.RESIDENT, post=(302,), values={"contribution_id": "own_contribution_id"}),
    "contributions.reply": Entry(Role.RESIDENT),
    "contributions.vote": Entry(Role.RESIDENT, post=(302, 400)),
    # --- summaries ---------------------------------------------------------------------------------
    "summaries.method": Entry(PUBLIC),
    "summaries.latest": Entry(PUBLIC, get=(200, 302)),
    "summaries.detail": Entry(PUBLIC),
    "summaries.contributions": Entry(PUBLIC, get=(200, 404)),
    "summaries.chart": Entry(PUBLIC, get=(404,)),  # charts are off in the matrix's world
    "summaries.index": Entry(Role.MODERATOR),
    "summaries.round_summaries": Entry(Role.MODERATOR),
    "summaries.start": Entry(Role.MODERATOR, post=(302, 400)),
    "summaries.job": Entry(Role.MODERATOR),
    "summaries.job_status": Entry(Role.MODERATOR),
    "summaries.retry_job": Entry(Role.MODERATOR, post=(302, 400)),
    "summaries.narrative": Entry(Role.MODERATOR, post=(302, 400)),
    "summaries.publish": Entry(Role.MODERATOR, post=(302, 400), values={"summary_id": "draft_summary_id"}),
    # --- exports, open data, audit -----------------------------------------------------------------
    "exports.index": Entry(Role.POLICY_ANALYST),
    "exports.round_export": Entry(Role.POLICY_ANALYST, values={"slug": "round_slug"}),
    "exports.contacts": Entry(Role.ADMIN),
    "exports.open_data_csv": Entry(PUBLIC),
    "exports.open_data_geojson": Entry(PUBLIC),
    "audit.index": Entry(Role.ADMIN),
    "audit.export_csv": Entry(Role.ADMIN),
    "api.landing": Entry(PUBLIC),
    "api.conformance": Entry(PUBLIC),
    "api.collections_": Entry(PUBLIC),
    "api.collection": Entry(PUBLIC),
    "api.items": Entry(PUBLIC),
    "api.feature": Entry(PUBLIC),
    "api.openapi": Entry(PUBLIC),
    "exports.job": Entry(Role.POLICY_ANALYST, get=(404,)),
    "exports.job_download": Entry(Role.POLICY_ANALYST, get=(404,)),
    "exports.job_status": Entry(Role.POLICY_ANALYST, get=(404,)),
    # --- privacy statement -------------------------------------------------------------------------
    "privacy.round_statement": Entry(PUBLIC),
    # --- moderation and flags ----------------------------------------------------------------------
    "moderation.queue": Entry(Role.MODERATOR),
    "moderation.item": Entry(Role.MODERATOR),
    "moderation.decide": Entry(Role.MODERATOR, post=(302, 400)),
    "moderation.redact": Entry(Role.MODERATOR, post=(302, 400)),
    "moderation.bulk": Entry(Role.MODERATOR, post=(302, 400)),
    "moderation.enter": Entry(Role.MODERATOR),
    "moderation.flag_contribution": Entry(Role.RESIDENT, post=(302, 400)),
    "moderation.flag_reply": Entry(Role.RESIDENT, post=(302, 400)),
    # --- official responses, my input --------------------------------------------------------------
    "responses.my_input": Entry(Role.RESIDENT),
    "responses.index": Entry(Role.MODERATOR),
    "responses.new": Entry(Role.MODERATOR),
    "responses.edit": Entry(Role.MODERATOR, get=(404,), post=(404,)),
    "responses.publish": Entry(Role.MODERATOR, post=(404,)),
    "responses.delete": Entry(Role.MODERATOR, post=(404,)),
    # --- notifications -----------------------------------------------------------------------------
    "notifications.settings": Entry(Role.RESIDENT, post=(200, 302, 400)),
    "notifications.follow_round": Entry(Role.RESIDENT, post=(302,)),
    "notifications.unfollow_round": Entry(Role.RESIDENT, post=(302,)),
    "notifications.follow_project": Entry(Role.RESIDENT, post=(302,), values=PROJECT),
    "notifications.unfollow_project": Entry(Role.RESIDENT, post=(302,), values=PROJECT),
    "notifications.unsubscribe": Entry(PUBLIC, get=(200, 400, 404), post=(200, 302, 400, 404)),
    # --- map-table sessions (no session in the demo data yet: an unknown id) -----------------------
    "maptable.join": Entry(PUBLIC, post=(200, 400, 404)),  # no code: no such session
    "maptable.invitation": Entry(PUBLIC, get=(200, 302, 404), values=MISSING_TOKEN),
    "maptable.participate": Entry(PUBLIC, get=(404,), post=(404,)),
    "maptable.feed": Entry(PUBLIC, get=(404,)),
    "maptable.session_integral": Entry(PUBLIC, get=(404,)),
    "maptable.leave": Entry(PUBLIC, post=(302, 404)),
    "maptable.rounds": Entry(Role.FACILITATOR),
    "maptable.index": Entry(Role.FACILITATOR),
    "maptable.new": Entry(Role.FACILITATOR),
    "maptable.integral": Entry(Role.FACILITATOR),
    "maptable.integral_report": Entry(Role.FACILITATOR),
    "maptable.integral_report_csv": Entry(Role.FACILITATOR),
    "maptable.manage": Entry(Role.FACILITATOR, get=(404,)),
    "maptable.edit": Entry(Role.FACILITATOR, get=(404,), post=(404,)),
    "maptable.change_status": Entry(Role.FACILITATOR, post=(404,)),
    "maptable.make_codes": Entry(Role.FACILITATOR, post=(404,)),
    "maptable.report": Entry(Role.FACILITATOR, get=(404,)),
    "maptable.report_csv": Entry(Role.FACILITATOR, get=(404,)),
    "maptable.table": Entry(Role.FACILITATOR, get=(404,), post=(404,)),
    # --- plan-layer revisions (revisions package) --------------------------------------------------
    "revisions.propose_form": Entry(Role.STAKEHOLDER),
    "revisions.propose": Entry(Role.STAKEHOLDER, post=(400,)),  # an empty form
    "revisions.proposals": Entry(Role.FACILITATOR),
    # No proposals in the demo world: a contribution id names none (404); an empty form is 400.
    "revisions.decide": Entry(Role.POLICY_ANALYST, post=(400, 404), values={"proposal_id": "contribution_id"}),
    "revisions.next_version": Entry(Role.POLICY_ANALYST, post=(409,)),  # nothing accepted to apply
    "revisions.publish": Entry(Role.POLICY_ANALYST, post=(302,)),  # version 1, published already
    "revisions.compare": Entry(PUBLIC),  # the demo layer has two published versions
}
