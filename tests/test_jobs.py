"""The job layer: the CLI, recurring jobs, and, with REDIS_URL, a real rq worker in a subprocess,
including a worker killed mid-job (SIGKILL) whose job another worker finishes with the same result.

Tests that need Redis skip with a clear reason when REDIS_URL is unset, and fail when it is set but
Redis cannot be reached (as in CI's PostgreSQL + Redis pass)."""
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest

from participatie import jobs
from participatie.extensions import db
from participatie.summaries import inputs, services
from participatie.summaries.models import Summary
from summaries.conftest import FAST, build_toets

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("REDIS_URL", "")


# --- without Redis ----------------------------------------------------------------------------------

def test_next_nightly_run_is_three_oclock_amsterdam_across_dst():
    summer = jobs.next_run(3, datetime(2026, 7, 1, 12, 0, tzinfo=timezone.utc))
    assert summer == datetime(2026, 7, 2, 1, 0, tzinfo=timezone.utc)  # 03:00 CEST
    winter = jobs.next_run(3, datetime(2026, 12, 1, 1, 30, tzinfo=timezone.utc))
    assert winter == datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)  # 03:00 CET, later that night


def test_plain_errors_name_timeouts_and_dead_workers():
    from rq.exceptions import AbandonedJobError
    from rq.timeouts import JobTimeoutException

    assert "te lang" in jobs.plain_error(JobTimeoutException, JobTimeoutException("x"))
    assert "worker" in jobs.plain_error(AbandonedJobError, AbandonedJobError())
    assert jobs.plain_error(ValueError, ValueError("geheim")) == "Er ging iets mis bij het uitvoeren van de taak."
    error = services.SummaryJobError("De ronde bestaat niet meer.")
    assert jobs.plain_error(type(error), error) == "De ronde bestaat niet meer."


def test_cli_summarise_waits_for_the_in_process_worker(make_app):
    app = make_app(REDIS_URL=None, SUMMARY_PARAMETERS=FAST)
    with app.app_context():
        fixture = build_toets()
        result = app.test_cli_runner().invoke(args=["summarise", "--round", "toets", "--wait", "--timeout", "120"])
        assert result.exit_code == 0, result.output
        record_id, final = result.output.strip().splitlines()
        summary = db.session.scalar(db.select(Summary))
        assert final == f"finished 100% summary {summary.id}"
        assert db.session.get(jobs.JobRecord, int(record_id)).round_id == fixture.round.id
        unknown = app.test_cli_runner().invoke(args=["summarise", "--round", "bestaat-niet"])
        assert unknown.exit_code != 0 and "No round" in unknown.output
        jobs.stop_worker(app)


def test_cli_worker_needs_redis(make_app):
    app = make_app(REDIS_URL=None)
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code != 0 and "REDIS_URL is not set" in result.output


# --- with Redis and real rq workers -----------------------------------------------------------------

@pytest.fixture
def redis_url():
    if not REDIS_URL:
        pytest.skip("REDIS_URL is not set: the tests with a real Redis and rq worker need it (CI sets it)")
    from redis import Redis

    try:
        Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:  # set but unreachable: a broken set-up, never a silent skip
        pytest.fail(f"REDIS_URL={REDIS_URL} is set but Redis cannot be reached: {exc}")
    return REDIS_URL


@pytest.fixture
def redis_app(make_app, redis_url, tmp_path):
    """An app on real Redis with a queue of its own, and a way to start `flask worker` processes
    on the same database and queue. Workers still running at the end are killed."""
    queue = f"test-{uuid.uuid4().hex[:10]}"
    app = make_app(REDIS_URL=redis_url, JOBS_QUEUE=queue, JOBS_RETRY_INTERVALS=[1, 1, 1])
    workers = []

    def start_worker(*args, **env_extra):
        env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": redis_url,
               "PARTICIPATIE_INSTANCE": app.instance_path, "SECRET_KEY": "test-secret-key",
               "PARTICIPATIE_JOBS_QUEUE": queue, "PARTICIPATIE_JOBS_RETRY_INTERVALS": "1,1,1",
               "PARTICIPATIE_JOBS_MAINTENANCE_INTERVAL": "2", **env_extra}
        log = open(tmp_path / f"worker-{len(workers)}.log", "wb")
        process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", *args], cwd=ROOT,
                                   env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        workers.append(process)
        return process

    app.start_worker = start_worker
    app.worker_logs = lambda: "\n".join(p.read_text(errors="replace") for p in sorted(tmp_path.glob("worker-*.log")))
    with app.app_context():
        yield app
        for process in workers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        db.session.remove()
        connection = jobs.connection()
        for key in connection.scan_iter(f"*{queue}*"):
            connection.delete(key)


def wait_for(condition, timeout: float, what: str, logs=lambda: ""):
    """Poll the database until `condition()` is true (no fixed sleeps; a generous upper bound)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        value = condition()
        db.session.rollback()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}\n{logs()[-4000:]}")


def test_a_real_worker_runs_the_summary_job(redis_app):
    fixture = build_toets()
    record = services.start(fixture.round, None)
    assert jobs.job_meta(record)["progress"] == 0
    worker = redis_app.start_worker("--burst")
    assert worker.wait(timeout=180) == 0, redis_app.worker_logs()[-4000:]
    db.session.expire_all()
    record = db.session.get(jobs.JobRecord, record.id)
    assert (record.status, record.progress, record.attempts) == ("finished", 100, 1), record.error_detail
    assert jobs.job_meta(record)["progress"] == 100
    summary = db.session.get(Summary, record.result_id)
    assert summary.content["totals"]["contributions"] == 10


def test_a_killed_worker_leaves_no_half_summary_and_another_worker_finishes_it(redis_app):
    fixture = build_toets()
    record_id = services.start(fixture.round, None).id
    # Slow motion (half a second per step), so that the job is surely in the middle when it is killed.
    first = redis_app.start_worker(PARTICIPATIE_JOBS_STEP_DELAY="0.5")
    record = wait_for(lambda: (r := db.session.get(jobs.JobRecord, record_id)).status == "started"
                      and r.progress >= 2 and r, 120, "the job to be under way", redis_app.worker_logs)
    horse = int(record.worker.rpartition(":")[2])
    os.killpg(first.pid, signal.SIGKILL)  # the worker and its process group: no clean-up at all
    os.kill(horse, signal.SIGKILL)  # rq runs the job in a forked work-horse with a group of its own
    first.wait()

    db.session.expire_all()
    record = db.session.get(jobs.JobRecord, record_id)
    assert record.status == "started" and record.progress < 100
    assert db.session.scalar(db.select(db.func.count(Summary.id))) == 0  # nothing half-written

    second = redis_app.start_worker()
    record = wait_for(lambda: (r := db.session.get(jobs.JobRecord, record_id)).status == "finished" and r, 180,
                      "another worker to finish the job", redis_app.worker_logs)
    second.send_signal(signal.SIGTERM)
    second.wait(timeout=60)
    assert record.attempts == 2 and record.progress == 100
    summaries = db.session.scalars(db.select(Summary)).all()
    assert len(summaries) == 1 and summaries[0].id == record.result_id

    # The same result as an uninterrupted computation of the same input.
    params = services.parameters()
    data = inputs.load(fixture.round, None, params, services.ALGORITHM_VERSION)
    expected = json.loads(json.dumps(services.compute(data, params).content))
    assert summaries[0].input_hash == data.input_hash
    assert summaries[0].content == expected


def test_jobs_lost_by_a_redis_restart_are_queued_again_and_run(redis_app):
    fixture = build_toets()
    record = services.start(fixture.round, None)
    connection = jobs.connection()
    # What a Redis restart without persistence does: the job and its queue entry are gone.
    connection.delete(f"rq:job:{record.rq_id}", f"rq:queue:{jobs.queue_name()}")
    assert jobs.requeue_vanished_jobs() == 0  # too young: it may still be on its way to Redis
    record.created_at = record.created_at.replace(year=record.created_at.year - 1)
    db.session.commit()
    assert jobs.requeue_vanished_jobs() == 1
    assert jobs.requeue_vanished_jobs() == 0  # known to Redis again: not pushed twice
    redis_app.start_worker()
    done = wait_for(lambda: db.session.get(jobs.JobRecord, record.id).status == jobs.FINISHED, 120,
                    "the queued-again job to finish", redis_app.worker_logs)
    assert done
