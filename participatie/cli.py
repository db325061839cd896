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
