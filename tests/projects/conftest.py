"""Helpers for the projects tests: a project factory and an admin client."""
import pytest

from participatie.extensions import db
from participatie.projects import services
from participatie.projects.models import PUBLISHED


@pytest.fixture
def make_project(app):
    """Factory: a committed project (published unless told otherwise), indexed for search."""
    counter = iter(range(1, 10_000))

    def factory(title=None, status=PUBLISHED, **fields):
        n = next(counter)
        project = services.create_project(
            title=title or f"Project {n}",
            slug=fields.pop("slug", f"project-{n}"),
            status=status,
            **fields,
        )
        db.session.commit()
        return project

    return factory


@pytest.fixture
def make_document(app):
    """Factory: a committed TXT document with `text` in a project."""

    def factory(project, text="Een tekst.", title="Document", filename="document.txt", description=""):
        document = services.add_document(project, title, filename, text.encode(), description)
        db.session.commit()
        return document

    return factory
