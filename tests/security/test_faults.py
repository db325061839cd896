"""Faults: the database connections dropped (a PostgreSQL restart, as the pool sees it), Redis stopped
and started again, and SQLite's "database is locked" under parallel writes.

- PostgreSQL: every connection of the test database is terminated from a separate connection; the
  next request still answers (pool_pre_ping replaces dead connections). Needs PostgreSQL
  (DATABASE_URL); the SQLite pass checks only the setting.
- Redis: the test runs its own redis-server on a free port (the CI pass with REDIS_URL needs the
  binary and fails without it; elsewhere the test skips when it is missing). With Redis stopped,
  contributions are still saved, /healthz says "degraded", and a job queued before the stop runs
  once Redis is back.
- SQLite: parallel writers, each with its own app context and connection, all succeed (SQLite's busy
  timeout waits for the lock instead of failing), and over HTTP nobody gets a 500.
"""
import os
import shutil
import socket
import subprocess
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text

from participatie import jobs
from participatie.contributions import services as contributions
from participatie.contributions.models import SUPPORT, Contribution, Reply, Vote
from participatie.extensions import db
from participatie.permissions import Role
from participatie.projects.models import Project
from participatie.rounds import services as rounds

from rounds.conftest import AREA, INSIDE, utc

POSTGRES_URL = os.environ.get("DATABASE_URL", "") if os.environ.get("DATABASE_URL", "").startswith("postgres") else ""

POINT = '{"type": "Point", "coordinates": [5.12, 52.09]}'
FAST = {"topics": {"enabled": False}, "charts": {"enabled": False}}


def make_round(slug="storing"):
    project = Project(slug=f"p-{slug}", title="Storingen", status="published", area=AREA)
    db.session.add(project)
    round_ = rounds.create_round(project, slug=slug, title="Storingen", starts_at=utc(days=-1), ends_at=utc(days=9))
    db.session.commit()
    return round_


def logged_in_client(app, user_email):
    client = app.test_client()
    response = client.post("/account/inloggen", data={"email": user_email, "password": "correct-horse-battery-9"})
    assert response.status_code == 302
    return client


# --- PostgreSQL restarted ---------------------------------------------------------------------------

def test_the_pool_checks_connections_before_use(app):
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    assert db.engine.pool._pre_ping


def test_the_app_recovers_when_postgresql_drops_every_connection(make_app, make_user):
    if not POSTGRES_URL:
        pytest.skip("needs PostgreSQL (DATABASE_URL): the SQLite pass has no server connections to drop")
    import psycopg

    app = make_app()  # no app context held by the test: each request has its own, as in production
    with app.app_context():
        round_ = make_round()
        slug = round_.slug
        email = make_user().email
    client = logged_in_client(app, email)
    assert client.get(f"/rondes/{slug}/inbreng").status_code == 200
    assert client.get("/healthz").get_json()["database"] == "ok"

    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        killed = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()[0]
    assert killed >= 1, "the app's pooled connections were there to be dropped"

    assert client.get(f"/rondes/{slug}/inbreng").status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json()["database"] == "ok"
    response = client.post(f"/rondes/{slug}/inbreng/nieuw", data={"theme": "natuur", "text": "Na de herstart",
                                                                 "geometry": POINT})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contribution)) == 1


# --- Redis stopped ----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own on a free port; stopped with SHUTDOWN SAVE and started again
    from the same directory, as a restart of the service keeps its queue."""

    def __init__(self, binary, directory):
        self.binary, self.directory, self.port = binary, directory, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        from redis import Redis

        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory), "--dbfilename", "dump.rdb"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = Redis.from_url(self.url, socket_connect_timeout=1)
        for _ in range(200):  # until it answers (bounded; each try waits for the connection itself)
            try:
                client.ping()
                return
            except Exception:
                if self.process.poll() is not None:
                    raise RuntimeError("redis-server did not start")
                threading.Event().wait(0.05)
        raise RuntimeError("redis-server did not answer")

    def stop(self):
        from redis import Redis
        from redis.exceptions import ConnectionError as RedisConnectionError

        try:
            Redis.from_url(self.url).shutdown(save=True)
        except RedisConnectionError:
            pass  # it closes the connection as it goes
        self.process.wait(timeout=30)

    def kill(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def redis_server(tmp_path):
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("REDIS_URL"):
            pytest.fail("REDIS_URL is set (the PostgreSQL + Redis pass) but redis-server is not installed: "
                        "the Redis fault test needs its own server")
        pytest.skip("redis-server is not installed: the Redis fault test needs its own server (CI has it)")
    server = RedisServer(binary, tmp_path)
    server.start()
    yield server
    server.kill()


def test_with_redis_stopped_contributions_are_saved_and_jobs_resume_when_it_is_back(make_app, make_user,
                                                                                     redis_server):
    from participatie.summaries import services as summaries

    app = make_app(REDIS_URL=redis_server.url, JOBS_QUEUE=f"test-{uuid.uuid4().hex[:10]}", JOBS_WORKER_THREAD=False,
                   JOBS_RETRY_INTERVALS=[0], SUMMARY_PARAMETERS=FAST)
    with app.app_context():
        round_ = make_round()
        slug, round_id = round_.slug, round_.id
        author = make_user()
        contributions.create_contribution(round_, author, theme="natuur", text="Voor de storing", geometry=INSIDE)
        db.session.commit()
        record_id = summaries.start(round_, None).id  # queued; no worker runs yet
        email = author.email
        db.session.remove()
    client = logged_in_client(app, email)
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok", "queue": "ok"}

    redis_server.stop()
    response = client.post(f"/rondes/{slug}/inbreng/nieuw", data={"theme": "natuur", "text": "Tijdens de storing",
                                                                 "geometry": POINT})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.get_json() == {"status": "degraded", "database": "ok", "queue": "unavailable"}
    with app.app_context():
        texts = set(db.session.scalars(select(Contribution.text).where(Contribution.round_id == round_id)))
        assert texts == {"Voor de storing", "Tijdens de storing"}
        with pytest.raises(jobs.QueueUnavailable):  # a new job is refused plainly, never half-recorded
            summaries.start(db.session.get(type(round_), round_id), None, theme="natuur")
        assert db.session.scalar(select(func.count()).select_from(jobs.JobRecord)) == 1

    redis_server.start()
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok", "queue": "ok"}
    with app.app_context():
        assert jobs.run_pending(app) == 1
        db.session.expire_all()
        record = db.session.get(jobs.JobRecord, record_id)
        assert record.status == jobs.FINISHED, (record.status, record.error, record.error_detail[-2000:])
        summary = summaries.job_summary(record)
        # It summarises the round as it is when it runs: with the contribution saved during the outage.
        assert summary is not None and summary.contribution_count == 2


# --- SQLite "database is locked" --------------------------------------------------------------------

WRITERS = 8
WRITES_EACH = 12


def test_sqlite_waits_for_the_write_lock(app):
    if POSTGRES_URL:
        pytest.skip("SQLite only: PostgreSQL has row locks, not one database lock")
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_parallel_writers_never_fail(app, make_user):
    """Eight threads, each with its own app context (so its own connection), write contributions,
    votes and replies at once. With SQLite they queue for the one write lock; none may fail."""
    round_ = make_round()
    users = [make_user() for _ in range(WRITERS)]
    target = contributions.create_contribution(round_, users[0], theme="natuur", text="Doel", geometry=INSIDE)
    db.session.commit()
    round_id, target_id, user_ids = round_.id, target.id, [u.id for u in users]
    db.session.remove()
    barrier = threading.Barrier(WRITERS, timeout=60)
    from participatie.accounts.models import User
    from participatie.rounds.models import Round

    def write(i):
        barrier.wait()
        for n in range(WRITES_EACH):
            with app.app_context():
                round_ = db.session.get(Round, round_id)
                user = db.session.get(User, user_ids[i])
                contributions.create_contribution(round_, user, theme="natuur", text=f"Schrijver {i} nr {n}",
                                                  geometry=INSIDE)
                contributions.add_reply(db.session.get(Contribution, target_id), user, f"Antwoord {i}/{n}")
                contributions.cast_vote(round_, user, SUPPORT, contribution_id=target_id)
                db.session.commit()

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        list(pool.map(write, range(WRITERS)))  # an OperationalError ("database is locked") would raise here
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Contribution)) == 1 + WRITERS * WRITES_EACH
    assert db.session.scalar(select(func.count()).select_from(Reply)) == WRITERS * WRITES_EACH
    assert db.session.scalar(select(func.count()).select_from(Vote)) == WRITERS


def test_parallel_requests_that_write_never_get_a_500(make_app, make_user):
    app = make_app()
    with app.app_context():
        round_ = make_round()
        slug = round_.slug
        emails = [make_user(roles=(Role.RESIDENT,)).email for _ in range(WRITERS)]
        target = contributions.create_contribution(round_, None, theme="natuur", text="Doel", geometry=INSIDE,
                                                   channel="paper")
        db.session.commit()
        target_id = target.id
        db.session.remove()
    clients = [logged_in_client(app, email) for email in emails]
    barrier = threading.Barrier(WRITERS, timeout=60)

    def write(i):
        barrier.wait()
        statuses = []
        for n in range(WRITES_EACH // 2):
            statuses.append(clients[i].post(f"/rondes/{slug}/inbreng/nieuw", data={
                "theme": "natuur", "text": f"Verzoek {i}/{n}", "geometry": POINT}).status_code)
            statuses.append(clients[i].post(f"/rondes/{slug}/inbreng/{target_id}/antwoord",
                                            data={"text": f"Antwoord {i}/{n}"}).status_code)
            statuses.append(clients[i].post(f"/rondes/{slug}/inbreng/{target_id}/stem",
                                            data={"waarde": SUPPORT}).status_code)
        return statuses

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        statuses = [s for result in pool.map(write, range(WRITERS)) for s in result]
    assert set(statuses) == {302}, sorted(set(statuses))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contribution)) == 1 + WRITERS * (WRITES_EACH // 2)
        assert db.session.scalar(select(func.count()).select_from(Vote)) == WRITERS
