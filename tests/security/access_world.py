"""The data the access matrix builds its addresses from: the demo data (every role's kind of object)
plus a summary and a job, as `world`, a dict of names the access table refers to."""
from sqlalchemy import select

from participatie import demo, jobs
from participatie.accounts.models import Organisation, User
from participatie.contributions.models import PUBLISHED, Contribution, Reply
from participatie.extensions import db
from participatie.projects.models import Document, Phase, Project
from participatie.rounds import services as rounds
from participatie.rounds.models import Layer, LayerVersion, Round

# A place in the city of Utrecht, inside the demo round's area.
WORLD_POINT = [5.12, 52.09]

# Config for the app the matrix runs against: jobs run when the test says so, summaries without the
# slow parts (topics, charts).
APP_CONFIG = {"JOBS_WORKER_THREAD": False, "REDIS_URL": None, "JOBS_RETRY_INTERVALS": [0],
              "SUMMARY_PARAMETERS": {"topics": {"enabled": False}, "charts": {"enabled": False}}}


def _first(statement):
    found = db.session.scalars(statement.limit(1)).first()
    assert found is not None, f"the access matrix needs demo data for: {statement}"
    return found


def build_world(app) -> dict:
    """Load the demo data, make one published and one draft summary, and name what the table uses."""
    from participatie.summaries import services as summaries

    demo.load()
    round_ = _first(select(Round).where(Round.slug == "kansenkaart-zonnevelden"))
    admin = _first(select(User).where(User.email == "beheer@example.nl"))
    published = summaries.start(round_, admin)
    jobs.run_pending(app)
    draft = summaries.start(round_, admin)
    jobs.run_pending(app)
    db.session.expire_all()
    summary = summaries.job_summary(published)
    summaries.publish(summary, "public", admin)
    db.session.commit()
    project = _first(select(Project).where(Project.slug == "kansenkaart-zonnevelden"))
    other = _first(select(Project).where(Project.slug == "groene-fietsroutes"))
    spare = _first(select(Project).where(Project.slug == "natuurnetwerk-heuvelrug"))
    layer = _first(select(Layer).where(Layer.round_id == round_.id).order_by(Layer.id))
    version = _first(select(LayerVersion).where(LayerVersion.layer_id == layer.id).order_by(LayerVersion.number))
    zone = rounds.current_zones(round_)[0]
    contribution = _first(select(Contribution).where(Contribution.round_id == round_.id,
                                                     Contribution.status == PUBLISHED).order_by(Contribution.id))
    from participatie.api import services as api

    collections = api.collections(with_extents=False)
    world = {
        "round_slug": round_.slug,
        "round_id": round_.id,
        "project_slug": project.slug,
        "project_id": project.id,
        "doc_id": _first(select(Document.id).where(Document.project_id == project.id).order_by(Document.id)),
        "phase_id": _first(select(Phase.id).where(Phase.project_id == project.id).order_by(Phase.id)),
        # Deleting routes work on objects nobody else in the matrix needs.
        "spare_project_id": spare.id,
        "other_project_id": other.id,
        "other_phase_id": _first(select(Phase.id).where(Phase.project_id == other.id).order_by(Phase.id)),
        "other_doc_id": _first(select(Document.id).where(Document.project_id == other.id).order_by(Document.id)),
        "layer_id": layer.id,
        "version_number": version.number,
        "zone_id": zone.id,
        "contribution_id": contribution.id,
        "org_id": _first(select(Organisation.id).order_by(Organisation.id)),
        "user_id": _first(select(User.id).where(User.email == "bewoner@example.nl")),
        "summary_id": summary.id,
        "draft_summary_id": summaries.job_summary(draft).id,
        "job_id": published.id,
        "collection_id": collections[0].id,
        "feature_id": str(contribution.id),
        "token": "ongeldig-token",
        "language": "en",
        "chart": "themas",
        "reply_id": _first(select(Reply.id).join(Contribution, Contribution.id == Reply.contribution_id)
                           .where(Contribution.round_id == round_.id, Reply.status == PUBLISHED).order_by(Reply.id)),
        "kind_slug": "inbreng",
        "missing_id": 2**31 - 2,
    }
    return world
