"""Demo data: accounts per role, organisations, projects with phases and documents, searchable;
the `--if-empty` guard and loading twice."""
from participatie import demo
from participatie.accounts.models import Organisation, User
from participatie.accounts.services import find_user_by_email, verify_password
from participatie.extensions import db
from participatie.permissions import Role
from participatie.projects import search, services
from participatie.projects.models import Document, Phase, Project
from participatie.rounds.models import Round


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_load_creates_accounts_organisations_and_projects(app):
    assert demo.database_is_empty()
    demo.load()
    assert not demo.database_is_empty()

    for email, _name, role, _org in demo.ACCOUNTS:
        user = find_user_by_email(email)
        assert user.is_confirmed and user.role_set == {role}
        assert verify_password(user, "demo-participatie-2026")
    assert find_user_by_email("stakeholder@example.nl").organisation.name == "LTO Noord"
    names = {o.name for o in db.session.scalars(db.select(Organisation))}
    assert {"LTO Noord", "Staatsbosbeheer", "Rijksdienst voor het Cultureel Erfgoed",
            "Het Utrechts Landschap"} <= names

    solar = services.project_by_slug("kansenkaart-zonnevelden")
    assert solar.is_published and solar.title == "Kansenkaart zonnevelden"
    assert solar.themes == ["landschap", "cultuurhistorie", "natuur", "landbouw"]
    assert 1200 < services.area_km2(solar.area) < 2000
    timeline = services.timeline(solar)
    assert timeline.current is not None and timeline.next is not None
    kinds = {d.media_type: d for d in solar.documents}
    assert set(kinds) >= {"application/pdf", "text/plain"}
    pdf = kinds["application/pdf"]
    assert pdf.extract_notice is None and "zonnevelden" in pdf.text

    cycle = services.project_by_slug("groene-fietsroutes")
    assert cycle.is_published and cycle.phases and cycle.documents
    drafts = db.session.scalars(db.select(Project).filter_by(status="draft")).all()
    assert len(drafts) == 1

    # The design's contract: the solar-field project carries the round of the same slug.
    round_ = db.session.scalar(db.select(Round).filter_by(slug="kansenkaart-zonnevelden"))
    assert round_ is not None and round_.project_id == solar.id


def test_demo_pdf_is_found_by_searching_zonneveld(app):
    demo.load()
    results = search.search("zonneveld").results
    titles = [r.title.striptags() for r in results]
    assert "Toelichting kansenkaart zonnevelden" in titles
    assert all(r.project.is_published for r in results)


def test_loading_twice_adds_nothing(app):
    demo.load()
    before = [count(m) for m in (User, Organisation, Project, Phase, Document)]
    demo.load()
    assert [count(m) for m in (User, Organisation, Project, Phase, Document)] == before
    assert before[2] == 3


def test_cli_if_empty_guard(app, runner):
    first = runner.invoke(args=["demo-data", "--if-empty"])
    assert first.exit_code == 0 and "Demo data loaded" in first.output
    projects = count(Project)
    second = runner.invoke(args=["demo-data", "--if-empty"])
    assert second.exit_code == 0 and "not loaded" in second.output
    assert count(Project) == projects


def test_cli_if_empty_loads_when_only_users_exist(app, runner, make_user):
    make_user(email="beheer@example.nl", roles=(Role.ADMIN,))  # an account made before the demo
    result = runner.invoke(args=["demo-data", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert count(Project) == 3
    for email, *_ in demo.ACCOUNTS:
        assert db.session.scalar(db.select(db.func.count()).select_from(User).filter_by(email=email)) == 1
