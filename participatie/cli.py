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
