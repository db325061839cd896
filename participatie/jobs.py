"""The one place that knows about RQ: queues, workers, job records, progress and retries.

With REDIS_URL set, jobs go to Redis and run in `flask --app wsgi worker` (an rq worker with the
scheduler on, see `run_worker`). Without it, the same job functions go through the same rq API to an
in-memory Redis (fakeredis) that a daemon thread inside the app consumes (`InProcessWorker`, started
lazily on the first job), so progress, timeouts and retries behave the same in the default set-up.

Every job has a `JobRecord` row: what it does, for which round, who started it, its status, progress
(percentage and step), attempts and, when it failed, the error in plain words. Job functions take ids,
are idempotent, and are wrapped by `@task`, which keeps the row up to date; exceptions are recorded
and then raised again, so that rq sees them and retries with backoff.

A job whose worker died (SIGKILL, power loss) stays "started" in rq's StartedJobRegistry. rq itself
treats it as abandoned once its heartbeat expires (at most job_monitoring_interval + 60 s) and the
next registry clean-up retries it. Our worker speeds that up: when the dead worker ran on the same
machine (its process is gone) or its Redis key has expired, the entry is expired at once and rq's own
clean-up (`StartedJobRegistry.cleanup`) retries it.
"""
import logging
import os
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import wraps

from flask import current_app, has_app_context
from sqlalchemy import JSON, ForeignKey, Index, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .accounts.models import utcnow
from .extensions import db

log = logging.getLogger(__name__)

QUEUED = "queued"
STARTED = "started"
FINISHED = "finished"
FAILED = "failed"
ACTIVE = (QUEUED, STARTED)

DEFAULT_QUEUE = "participatie"
DEFAULT_TIMEOUT = 15 * 60
DEFAULT_RETRY_INTERVALS = (10, 60, 300)
# How long finished and failed jobs stay in Redis; the database row is the lasting history.
RESULT_TTL = 24 * 3600
FAILURE_TTL = 7 * 24 * 3600


def N_(message: str) -> str:
    """Marks a Dutch text that is stored now and translated when shown (`_(record.error)`)."""
    return message


class QueueUnavailable(Exception):
    """Redis cannot be reached, so no job can be queued now."""


class JobRecord(db.Model):
    """One queued job and what became of it; kept as the job history (e.g. per round)."""

    __tablename__ = "job_record"
    __table_args__ = (Index("ix_job_record_round", "round_id", "kind", "created_at"),
                      Index("ix_job_record_status", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    rq_id: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    # The job function as "module.function" and its (JSON) arguments: enough to run it again.
    func: Mapped[str] = mapped_column(String(200))
    args: Mapped[list] = mapped_column(JSON, default=list)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    progress: Mapped[int] = mapped_column(default=0)
    step: Mapped[str] = mapped_column(String(40), default="")
    # The last error in plain words (shown to staff), and the technical detail behind it.
    error: Mapped[str] = mapped_column(default="")
    error_detail: Mapped[str] = mapped_column(default="")
    attempts: Mapped[int] = mapped_column(default=0)
    # What the job made, e.g. the id of the summary; its meaning depends on `kind`.
    result_id: Mapped[int | None]
    # host:pid of the process that ran the last attempt, and for in-process queues the process
    # whose memory holds the queue (so another process can take over when that one is gone).
    worker: Mapped[str] = mapped_column(String(120), default="")
    owner: Mapped[str] = mapped_column(String(120), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE


# --- settings ---------------------------------------------------------------------------------------

def _setting(name: str, default):
    """A job setting from the app config, else the environment (PARTICIPATIE_<NAME>), else default.
    The environment matters for workers started as separate processes (tests, benchmarks)."""
    if has_app_context() and current_app.config.get(name) is not None:
        return current_app.config[name]
    value = os.environ.get(f"PARTICIPATIE_{name}")
    return value if value not in (None, "") else default


def queue_name() -> str:
    return str(_setting("JOBS_QUEUE", DEFAULT_QUEUE))


def retry_intervals() -> list[int]:
    value = _setting("JOBS_RETRY_INTERVALS", DEFAULT_RETRY_INTERVALS)
    if isinstance(value, str):
        value = [int(part) for part in value.split(",") if part.strip()]
    return [int(v) for v in value]


def step_delay() -> float:
    """Seconds to wait after each progress report: 0, except to watch or test a job in slow motion."""
    return float(_setting("JOBS_STEP_DELAY", 0) or 0)


def process_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# --- connections ------------------------------------------------------------------------------------

def redis_connection():
    """A Redis client for REDIS_URL, or None when jobs run in-process."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    from redis import Redis

    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def queue_status() -> str:
    """'ok' when Redis answers, 'in-process' without Redis, 'unavailable' when Redis is down."""
    connection = redis_connection()
    if connection is None:
        return "in-process"
    try:
        connection.ping()
    except Exception:  # any connection failure means the queue cannot take jobs now
        return "unavailable"
    return "ok"


def in_process() -> bool:
    return not current_app.config.get("REDIS_URL")


class _InProcessState:
    """Per app: the in-memory Redis and the worker thread that consumes it."""

    def __init__(self):
        from fakeredis import FakeServer

        self.server = FakeServer()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.worker = None
        self.wake = threading.Event()
        self.owner = f"{process_id()}:{uuid.uuid4().hex[:8]}"


def _state() -> _InProcessState:
    app = current_app._get_current_object()
    state = app.extensions.get("jobs")
    if state is None:
        with _STATE_LOCK:
            state = app.extensions.setdefault("jobs", _InProcessState())
    return state


_STATE_LOCK = threading.Lock()


def connection():
    """The Redis connection jobs use: REDIS_URL's server, or this app's in-memory one."""
    url = current_app.config.get("REDIS_URL")
    if url:
        from redis import Redis

        return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=30)
    from fakeredis import FakeStrictRedis

    return FakeStrictRedis(server=_state().server)


def get_queue(name: str | None = None):
    """The rq Queue. Its death penalty works in any thread (web requests clean registries too)."""
    from rq import Queue
    from rq.timeouts import TimerDeathPenalty

    return Queue(name or queue_name(), connection=connection(), death_penalty_class=TimerDeathPenalty)


# --- queueing ---------------------------------------------------------------------------------------

def enqueue(func: str, *args, kind: str, round_id: int | None = None, created_by=None,
            timeout: int | None = None, at: datetime | None = None) -> JobRecord:
    """Queue `func` ("package.module.function", taking JSON-able ids) and record it.

    Raises QueueUnavailable when Redis cannot be reached; nothing is recorded then. The record is
    committed before the job is queued, so that the worker always finds it."""
    if not in_process() and queue_status() != "ok":
        raise QueueUnavailable()
    record = JobRecord(
        rq_id=uuid.uuid4().hex, kind=kind, func=func, args=list(args), round_id=round_id, status=QUEUED,
        created_by_id=getattr(created_by, "id", created_by), owner=_state().owner if in_process() else "",
    )
    db.session.add(record)
    db.session.commit()
    try:
        _push(record, timeout=timeout, at=at)
    except Exception as exc:
        if not _is_connection_error(exc):
            raise
        db.session.delete(record)
        db.session.commit()
        raise QueueUnavailable() from exc
    return record


def _is_connection_error(exc: Exception) -> bool:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return isinstance(exc, (RedisConnectionError, RedisTimeoutError, OSError))


def _push(record: JobRecord, timeout: int | None = None, at: datetime | None = None) -> None:
    """Put the record's job on the rq queue (again), with timeout, retries and failure callback."""
    from rq import Callback, Retry

    queue = get_queue()
    options = dict(
        job_id=record.rq_id,
        job_timeout=int(timeout or _setting("JOBS_TIMEOUT", DEFAULT_TIMEOUT)),
        result_ttl=RESULT_TTL,
        failure_ttl=FAILURE_TTL,
        retry=Retry(max=len(retry_intervals()) or 1, interval=retry_intervals() or [0]),
        on_failure=Callback(_on_failure),
        meta={"record_id": record.id, "progress": record.progress, "step": record.step},
        description=f"{record.kind} #{record.id}",
    )
    if at is not None:
        queue.enqueue_at(at, record.func, *record.args, **options)
    else:
        queue.enqueue(record.func, *record.args, **options)
    if in_process():
        ensure_worker()
        _state().wake.set()


def retry(record: JobRecord, created_by=None) -> JobRecord:
    """'Try again': a new job (and record) with the same function and arguments."""
    return enqueue(record.func, *record.args, kind=record.kind, round_id=record.round_id,
                   created_by=created_by if created_by is not None else record.created_by_id)


def get_record(record_id: int) -> JobRecord | None:
    return db.session.get(JobRecord, record_id)


def history(round_id: int, kind: str | None = None, limit: int = 50) -> list[JobRecord]:
    """The jobs of a round, newest first."""
    query = select(JobRecord).where(JobRecord.round_id == round_id)
    if kind:
        query = query.where(JobRecord.kind == kind)
    return list(db.session.scalars(query.order_by(JobRecord.created_at.desc(), JobRecord.id.desc()).limit(limit)))


def active_job(round_id: int, kind: str) -> JobRecord | None:
    """The newest queued or running job of this kind for a round, if any."""
    return db.session.scalar(
        select(JobRecord).where(JobRecord.round_id == round_id, JobRecord.kind == kind,
                                JobRecord.status.in_(ACTIVE))
        .order_by(JobRecord.created_at.desc(), JobRecord.id.desc()).limit(1))


# --- inside a job -----------------------------------------------------------------------------------

def current_job():
    from rq import get_current_job

    return get_current_job()


def current_record() -> JobRecord | None:
    job = current_job()
    if job is None:
        return None
    return db.session.scalar(select(JobRecord).where(JobRecord.rq_id == job.id))


@contextmanager
def _job_app_context():
    """Jobs run inside an app context: the worker's own, or one made here for a bare rq worker."""
    if has_app_context():
        yield
        return
    from . import create_app

    with create_app().app_context():
        yield


def task(func):
    """Decorator for job functions: marks the record started (one more attempt), and finished when
    the function returns. An exception rolls back, is recorded by the failure callback, and is raised
    again for rq to retry. The function may call `finish()` itself to commit its result together with
    the record's final state."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        with _job_app_context():
            _mark_started()
            try:
                result = func(*args, **kwargs)
            except BaseException:
                db.session.rollback()
                raise
            record = current_record()
            if record is not None and record.status != FINISHED:
                finish(result if isinstance(result, int) else None)
                db.session.commit()
            return result

    return wrapper


def _mark_started() -> None:
    job = current_job()
    if job is None:  # called directly (tests, the CLI without a queue): nothing to record
        return
    now = utcnow()
    db.session.execute(
        update(JobRecord).where(JobRecord.rq_id == job.id)
        .values(status=STARTED, progress=0, step="start", attempts=JobRecord.attempts + 1, started_at=now,
                finished_at=None, updated_at=now, worker=process_id(), error="", error_detail=""))
    db.session.commit()
    job.meta.update(progress=0, step="start")
    job.save_meta()


def progress(percent: int, step: str) -> None:
    """Report progress from inside a job: rq job meta and the database row (its own short
    transaction, so the job's own session is left alone)."""
    percent = max(0, min(100, int(percent)))
    job = current_job()
    if job is not None:
        job.meta.update(progress=percent, step=step)
        job.save_meta()
        with db.engine.begin() as conn:
            conn.execute(update(JobRecord).where(JobRecord.rq_id == job.id)
                         .values(progress=percent, step=step, updated_at=utcnow()))
        delay = step_delay()
        if delay:
            time.sleep(delay)


def finish(result_id: int | None = None) -> None:
    """Mark the running job's record finished in the current session; the caller commits, together
    with what the job made, so that a result is never shown as complete before it is written."""
    record = current_record()
    if record is None:
        return
    record.status, record.progress, record.step = FINISHED, 100, "done"
    record.result_id = result_id if result_id is not None else record.result_id
    record.finished_at = record.updated_at = utcnow()
    job = current_job()
    job.meta.update(progress=100, step="done")
    job.save_meta()


def plain_error(exc_type, exc_value) -> str:
    """An exception as a sentence for staff (Dutch msgid; translated when shown)."""
    from rq.exceptions import AbandonedJobError
    from rq.timeouts import JobTimeoutException

    if exc_type is not None and issubclass(exc_type, JobTimeoutException):
        return N_("De taak duurde te lang en is afgebroken.")
    if exc_type is not None and issubclass(exc_type, AbandonedJobError):
        return N_("De verwerking stopte onverwacht: de worker die de taak uitvoerde, is gestopt.")
    message = getattr(exc_value, "plain_message", None)
    if message:
        return str(message)
    return N_("Er ging iets mis bij het uitvoeren van de taak.")


def _on_failure(job, connection, exc_type, exc_value, traceback) -> None:
    """rq failure callback, for every failed attempt (also one a dead worker left behind): record
    the error; the status is 'queued' again when rq will retry, else 'failed'."""
    will_retry = bool(job.retries_left and job.retries_left > 0)
    detail = f"{exc_type.__name__}: {exc_value}" if exc_type is not None else ""
    with _job_app_context():
        db.session.rollback()
        now = utcnow()
        values = dict(error=plain_error(exc_type, exc_value), error_detail=detail[:2000], updated_at=now,
                      status=QUEUED if will_retry else FAILED)
        if not will_retry:
            values["finished_at"] = now
        db.session.execute(update(JobRecord).where(JobRecord.rq_id == job.id, JobRecord.status != FINISHED)
                           .values(**values))
        db.session.commit()


# --- reading the state ------------------------------------------------------------------------------

def refresh(record: JobRecord) -> JobRecord:
    """Bring an active record in line with rq when the job ended without the record hearing of it
    (a killed work-horse that rq gave up on, or a queue that lost the job). The caller commits."""
    if not record.is_active:
        return record
    try:
        from rq.exceptions import NoSuchJobError
        from rq.job import Job, JobStatus

        try:
            job = Job.fetch(record.rq_id, connection=connection())
            status = job.get_status()
        except NoSuchJobError:
            job, status = None, None
    except Exception as exc:  # Redis down: the record stays as it is, the page says so
        if _is_connection_error(exc):
            return record
        raise
    if job is None:
        if in_process():
            # The process that held this in-memory queue is gone: another takes the job over.
            recover_lost_jobs()
            db.session.refresh(record)
        elif record.updated_at < utcnow() - timedelta(minutes=5):
            _fail(record, N_("De taak is niet meer in de wachtrij te vinden."))
        return record
    if status == JobStatus.FAILED and record.status != FAILED:
        result = job.latest_result()
        _fail(record, N_("De verwerking stopte onverwacht: de worker die de taak uitvoerde, is gestopt."),
              (result.exc_string if result is not None else "")[-2000:])
    return record


def _fail(record: JobRecord, message: str, detail: str = "") -> None:
    record.status, record.error, record.error_detail = FAILED, message, detail
    record.finished_at = record.updated_at = utcnow()


def job_meta(record: JobRecord) -> dict:
    """The job's meta in rq (progress and step), or {} when it cannot be read."""
    try:
        from rq.job import Job

        job = Job.fetch(record.rq_id, connection=connection())
        return dict(job.get_meta(refresh=True))
    except Exception:  # gone or Redis down: the database row is the fallback
        return {}


def scheduled_retry_at(record: JobRecord) -> datetime | None:
    """When rq will try a waiting job again (naive UTC), if it is scheduled for a retry."""
    try:
        from rq.registry import ScheduledJobRegistry

        registry = ScheduledJobRegistry(queue_name(), connection=connection())
        when = registry.get_scheduled_time(record.rq_id)
        return when.replace(tzinfo=None) if when else None
    except Exception:  # not scheduled, or Redis down
        return None


# --- workers ----------------------------------------------------------------------------------------

def _worker_classes():
    """The worker classes, made on first use so that importing this module never imports rq."""
    global _CLASSES
    if _CLASSES is not None:
        return _CLASSES
    from rq import SimpleWorker, Worker
    from rq.executions import Execution
    from rq.scheduler import RQScheduler
    from rq.timeouts import TimerDeathPenalty

    class ReapingMixin:
        """Retries the jobs of provably dead workers at every maintenance round."""

        def run_maintenance_tasks(self):
            for queue in self.queues:
                try:
                    reap_dead_workers(queue, Execution)
                    release_stale_scheduler_lock(queue.name, queue.connection)
                except Exception:  # clean-up must never stop the worker
                    log.exception("reaping dead workers of queue %s failed", queue.name)
            if has_app_context():
                try:
                    requeue_vanished_jobs()
                    schedule_recurring()
                except Exception:
                    log.exception("requeueing vanished jobs failed")
                finally:
                    db.session.remove()
            super().run_maintenance_tasks()

    class ForkingWorker(ReapingMixin, Worker):
        """The worker of `flask worker`: each job in a forked work-horse, which must not share the
        parent's database connections."""

        def main_work_horse(self, job, queue):
            if has_app_context():
                db.engine.dispose(close=False)
            super().main_work_horse(job, queue)

    class InProcessWorker(ReapingMixin, SimpleWorker):
        """Runs jobs in a thread of the web app: no signal handlers (not allowed outside the main
        thread), a timer instead of SIGALRM for timeouts, an app context per job, and the
        scheduler's work (due retries) done in the same loop, since an in-memory Redis cannot be
        shared with a scheduler process."""

        death_penalty_class = TimerDeathPenalty
        poll_seconds = 0.5

        def __init__(self, *args, app=None, wake=None, **kwargs):
            super().__init__(*args, **kwargs)
            self.app = app
            self.wake = wake
            self.scheduler = None

        def _install_signal_handlers(self):
            pass

        def subscribe(self):
            pass  # no pubsub thread: nobody sends commands to an in-process worker

        def unsubscribe(self):
            pass

        def enqueue_due_jobs(self):
            scheduler = RQScheduler(self.queues, connection=self.connection)
            scheduler.prepare_registries([queue.name for queue in self.queues])
            scheduler.enqueue_scheduled_jobs()

        def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):
            while True:
                self.enqueue_due_jobs()
                result = super().dequeue_job_and_maintain_ttl(None, max_idle_time)
                if result is not None or timeout is None or self._stop_requested:
                    return result
                self.wake.wait(self.poll_seconds)
                self.wake.clear()

        def perform_job(self, job, queue, execution):
            with self.app.app_context():
                return super().perform_job(job, queue, execution)

    _CLASSES = {"forking": ForkingWorker, "in_process": InProcessWorker}
    return _CLASSES


_CLASSES = None


def _pid_alive(pid: int) -> bool:
    """Whether a process of this machine runs (a zombie, killed but not yet reaped, does not)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:  # no /proc (not Linux): trust kill(0)
        return True


def reap_dead_workers(queue, execution_class=None) -> list[str]:
    """Expire the StartedJobRegistry entries of workers that are provably dead, then let rq's own
    abandoned-job clean-up retry them (or fail them when no retries are left).

    Dead means: the worker's Redis key has expired, or it ran on this machine and neither its process
    nor the process that ran the job (a forked work-horse outlives a killed parent) is alive."""
    if execution_class is None:
        from rq.executions import Execution as execution_class
    registry = queue.started_job_registry
    conn = queue.connection
    expired = []
    hostname = socket.gethostname()
    for job_id, execution_id in registry.get_job_and_execution_ids(cleanup=False):
        try:
            execution = execution_class.fetch(execution_id, job_id, connection=conn)
            worker_name = execution.worker_name
        except Exception:  # the execution's hash expired with its worker
            worker_name = ""
        data = {k.decode(): v.decode() for k, v in conn.hgetall(f"rq:worker:{worker_name}").items()} \
            if worker_name else {}
        if data and "death" not in data:
            if data.get("hostname") != hostname or _pid_alive(int(data.get("pid") or 0)):
                continue
            runner = _job_runner_pid(job_id)
            if runner and _pid_alive(runner):
                continue
        conn.zadd(registry.key, {f"{job_id}:{execution_id}": 0}, xx=True)
        expired.append(job_id)
    if expired:
        log.warning("jobs left behind by dead workers, retried or failed: %s", ", ".join(expired))
        registry.cleanup()
    return expired


def release_stale_scheduler_lock(name: str, conn) -> bool:
    """Free a queue's scheduler lock held by a scheduler process of this machine that is gone, so
    that a live worker takes over scheduling (retries) now instead of when the lock expires."""
    from rq.scheduler import SCHEDULER_KEY_TEMPLATE, RQScheduler
    from rq.scripts import release_lock

    lock_key = RQScheduler.get_locking_key(name)
    owner = conn.get(lock_key)
    if not owner:
        return False
    owner = owner.decode() if isinstance(owner, bytes) else owner
    data = {k.decode(): v.decode() for k, v in conn.hgetall(SCHEDULER_KEY_TEMPLATE % owner).items()}
    pid = int(data.get("pid") or 0)
    if data.get("hostname") != socket.gethostname() or not pid or _pid_alive(pid):
        return False
    if release_lock(conn, lock_key, owner):
        log.warning("freed the scheduler lock of queue %s held by dead scheduler %s", name, owner)
        return True
    return False


def _job_runner_pid(rq_id: str) -> int | None:
    """The pid that ran the job's last attempt on this machine, from its record."""
    if not has_app_context():
        return None
    worker = db.session.scalar(select(JobRecord.worker).where(JobRecord.rq_id == rq_id)) or ""
    db.session.rollback()
    host, _, pid = worker.rpartition(":")
    return int(pid) if host == socket.gethostname() and pid.isdigit() else None


def run_worker(burst: bool = False, queues: list[str] | None = None, with_scheduler: bool = True) -> bool:
    """`flask worker`: an rq worker on Redis with the scheduler on (retries, nightly refresh).
    Needs REDIS_URL and an app context."""
    if in_process():
        raise QueueUnavailable()
    worker_class = _worker_classes()["forking"]
    conn = connection()
    names = queues or [queue_name()]
    from rq import Queue

    worker = worker_class([Queue(name, connection=conn) for name in names], connection=conn,
                          maintenance_interval=int(_setting("JOBS_MAINTENANCE_INTERVAL", 60)),
                          worker_ttl=int(_setting("JOBS_WORKER_TTL", 120)))
    for name in names:
        release_stale_scheduler_lock(name, conn)
    _preload()
    schedule_recurring()
    return worker.work(burst=burst, with_scheduler=with_scheduler, logging_level="INFO")


def _preload() -> None:
    """Load slow models once in the worker, so that forked work-horses share them."""
    for hook in current_app.extensions.get("jobs_preload", []):
        try:
            hook()
        except Exception:  # a model that cannot load is reported by the job that needs it
            log.exception("preloading for jobs failed")


def ensure_worker() -> None:
    """Start this app's in-process worker thread if it is not running (in-process mode only)."""
    if not in_process() or not current_app.config.get("JOBS_WORKER_THREAD", True):
        return
    state = _state()
    with state.lock:
        if state.thread is not None and state.thread.is_alive():
            return
        app = current_app._get_current_object()
        state.thread = threading.Thread(target=_thread_main, args=(app, state), name="participatie-jobs",
                                        daemon=True)
        state.thread.start()


def _thread_main(app, state: _InProcessState) -> None:
    from fakeredis import FakeStrictRedis

    worker_class = _worker_classes()["in_process"]
    conn = FakeStrictRedis(server=state.server)
    with app.app_context():
        from rq import Queue

        worker = worker_class([Queue(queue_name(), connection=conn)], connection=conn, app=app, wake=state.wake,
                              name=f"in-process-{uuid.uuid4().hex[:8]}")
        state.worker = worker
        try:
            recover_lost_jobs()
            schedule_recurring()
        finally:
            # No transaction may stay open while the thread waits for work (it would hold locks).
            db.session.remove()
        worker.work(burst=False, logging_level="WARNING")


def stop_worker(app=None) -> None:
    """Stop this app's in-process worker thread after its current job (tests, shutdown)."""
    app = app or current_app._get_current_object()
    state = app.extensions.get("jobs")
    if state is None or state.thread is None:
        return
    if state.worker is not None:
        state.worker._stop_requested = True
    state.wake.set()
    state.thread.join(timeout=30)


def run_pending(app=None) -> int:
    """Run every queued (and due) job now in this thread, then return how many ran. For tests and
    for the in-process mode without the thread (JOBS_WORKER_THREAD = False)."""
    app = app or current_app._get_current_object()
    with app.app_context():
        from rq import Queue

        worker_class = _worker_classes()["in_process"]
        conn = connection()
        worker = worker_class([Queue(queue_name(), connection=conn)], connection=conn, app=app,
                              wake=threading.Event(), name=f"burst-{uuid.uuid4().hex[:8]}")
        count = 0
        while worker.work(burst=True, logging_level="WARNING", max_jobs=1):
            count += 1
        return count


def recover_lost_jobs() -> int:
    """In-process mode: take over the active jobs of in-memory queues whose process is gone
    (restarted or killed), and queue them here again. Returns how many were taken over."""
    if not in_process():
        return 0
    me = _state().owner
    taken = 0
    records = db.session.scalars(select(JobRecord).where(JobRecord.status.in_(ACTIVE), JobRecord.owner != me))
    for record in list(records):
        if not _owner_gone(record):
            continue
        claimed = db.session.execute(
            update(JobRecord).where(JobRecord.id == record.id, JobRecord.owner == record.owner)
            .values(owner=me, status=QUEUED, updated_at=utcnow())).rowcount
        db.session.commit()
        if claimed:
            db.session.refresh(record)
            _push(record)
            taken += 1
    db.session.commit()
    return taken


def requeue_vanished_jobs(min_age: timedelta = timedelta(seconds=60)) -> int:
    """Redis mode: queue again the jobs that the database still calls queued but Redis no longer
    knows, because Redis restarted without its data. A short-lived Redis key per job makes sure
    that of several workers doing this at once, only one pushes it. Returns how many were queued."""
    if in_process():
        return 0
    from rq.job import Job

    conn = connection()
    records = db.session.scalars(select(JobRecord).where(
        JobRecord.status == QUEUED, JobRecord.created_at < utcnow() - min_age)).all()
    pushed = 0
    for record in records:
        if Job.exists(record.rq_id, connection=conn):
            continue
        if not conn.set(f"participatie:requeue:{record.rq_id}", 1, nx=True, ex=300):
            continue
        _push(record)
        pushed += 1
    db.session.commit()
    return pushed


def _owner_gone(record: JobRecord) -> bool:
    host, _, rest = (record.owner or "").partition(":")
    pid = rest.partition(":")[0]
    if not host:
        return False  # a Redis job: rq looks after it
    if host == socket.gethostname() and pid.isdigit():
        return not _pid_alive(int(pid))
    return record.updated_at < utcnow() - timedelta(seconds=DEFAULT_TIMEOUT * 2)


# --- recurring jobs ---------------------------------------------------------------------------------

# (key, function, hour in Europe/Amsterdam): registered by domains with `recurring()`.
_RECURRING: list[tuple[str, str, int]] = []


def recurring(key: str, func: str, hour: int) -> None:
    """Register a job that runs every night at `hour`:00 Europe/Amsterdam. The worker schedules the
    next run at start-up and the job schedules the one after (`schedule_next`); a fixed rq job id per
    night means that several workers never schedule the same night twice."""
    if (key, func, hour) not in _RECURRING:
        _RECURRING.append((key, func, hour))


def next_run(hour: int, now: datetime | None = None) -> datetime:
    """The next `hour`:00 in Europe/Amsterdam after `now` (aware UTC)."""
    from datetime import timezone
    from zoneinfo import ZoneInfo

    amsterdam = ZoneInfo("Europe/Amsterdam")
    local = (now or datetime.now(timezone.utc)).astimezone(amsterdam)
    candidate = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if candidate <= local:
        candidate = (candidate + timedelta(days=1)).replace(hour=hour)
    return candidate.astimezone(timezone.utc)


def schedule_recurring(now: datetime | None = None) -> list[str]:
    """Make sure the next night's run of every recurring job is scheduled; returns their rq ids."""
    from rq.job import Job

    ids = []
    conn = connection()
    for key, func, hour in _RECURRING:
        when = next_run(hour, now)
        job_id = f"recurring-{key}-{when:%Y%m%d}"
        try:
            if Job.exists(job_id, connection=conn):
                ids.append(job_id)
                continue
            get_queue().enqueue_at(when, func, job_id=job_id, result_ttl=RESULT_TTL, failure_ttl=FAILURE_TTL,
                                   job_timeout=int(_setting("JOBS_TIMEOUT", DEFAULT_TIMEOUT)) * 4,
                                   description=f"{key} (nachtelijk)")
        except Exception as exc:
            if _is_connection_error(exc):
                log.warning("cannot schedule recurring job %s: queue unavailable", key)
                continue
            raise
        ids.append(job_id)
    return ids
