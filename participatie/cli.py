"""Command-line interface: `flask --app wsgi <command>`."""
import click
from flask import Flask


def init_app(app: Flask) -> None:
    @app.cli.command("demo-data")
    @click.option("--if-empty", is_flag=True, help="Only load when the database has no projects yet.")
    def demo_data(if_empty: bool):
        """Load the demo projects, documents and one account per role."""
        from . import demo

        if if_empty and not demo.database_is_empty():
            click.echo("Database has data; demo data not loaded.")
            return
        demo.load()
        click.echo("Demo data loaded.")

    @app.cli.command("generate-contributions")
    @click.option("--round", "slug", required=True, help="Slug of the round to fill.")
    @click.option("--count", type=click.IntRange(1, 1_000_000), required=True, help="How many contributions.")
    @click.option("--seed", type=int, default=2026, show_default=True, help="Random seed (same seed, same data).")
    def generate_contributions(slug: str, count: int, seed: int):
        """Add COUNT published contributions with votes and replies to a round (benchmark data)."""
        from .extensions import db
        from .rounds import demo as round_demo
        from .rounds.services import get_round

        round_ = get_round(slug)
        if round_ is None:
            raise click.ClickException(f"No round with slug {slug!r}.")
        made = round_demo.generate_contributions(round_, count, seed=seed)
        db.session.commit()
        click.echo(f"{made.contributions} contributions, {made.votes} votes and {made.replies} replies "
                   f"added to round {slug}.")

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Stop when the queue is empty (for tests and one-off runs).")
    @click.option("--queue", "queues", multiple=True, help="Queue to listen on (default: participatie).")
    def worker(burst: bool, queues: tuple):
        """Run an RQ worker for the background jobs (REDIS_URL), with the scheduler for retries and
        the nightly refresh of draft summaries."""
        from . import jobs

        if jobs.in_process():
            raise click.ClickException("REDIS_URL is not set: jobs run inside the web app, no worker is needed.")
        if jobs.queue_status() != "ok":
            raise click.ClickException("Redis at REDIS_URL cannot be reached.")
        jobs.run_worker(burst=burst, queues=list(queues) or None)

    @app.cli.command("summarise")
    @click.option("--round", "slug", required=True, help="Slug of the round to summarise.")
    @click.option("--theme", default=None, help="Only this theme (default: all themes).")
    @click.option("--wait", is_flag=True, help="Wait for the job to end and print its final status.")
    @click.option("--timeout", type=int, default=3600, show_default=True, help="Seconds to wait at most.")
    def summarise(slug: str, theme: str | None, wait: bool, timeout: int):
        """Queue a summary job for a round and print its id."""
        import time

        from . import jobs
        from .extensions import db
        from .rounds.errors import ServiceError
        from .rounds.services import get_round
        from .summaries import services as summaries

        round_ = get_round(slug)
        if round_ is None:
            raise click.ClickException(f"No round with slug {slug!r}.")
        try:
            record = summaries.start(round_, None, theme)
        except jobs.QueueUnavailable:
            raise click.ClickException("The job queue is not available (Redis cannot be reached).") from None
        except ServiceError as error:
            raise click.ClickException(str(error)) from None
        click.echo(record.id)
        if not wait:
            return
        deadline = time.monotonic() + timeout
        while True:
            db.session.expire_all()
            record = jobs.refresh(db.session.get(jobs.JobRecord, record.id))
            db.session.commit()
            if not record.is_active or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        click.echo(f"{record.status} {record.progress}%" + (f" summary {record.result_id}" if record.result_id else "")
                   + (f": {record.error}" if record.error else ""))
        if record.status != jobs.FINISHED:
            raise SystemExit(1)
