"""Demo rounds and the generate-contributions command."""
import itertools

import pytest
import shapely
from shapely.geometry import shape
from sqlalchemy import func, select

from participatie.contributions import services as contributions
from participatie.contributions.models import PUBLISHED, Contribution, Reply, Vote
from participatie.extensions import db
from participatie.projects.models import Project
from participatie.rounds import demo, geo
from participatie.rounds import services as rounds


@pytest.fixture
def demo_projects(app):
    db.session.add_all([
        Project(slug="kansenkaart-zonnevelden", title="Kansenkaart zonnevelden", status="published"),
        Project(slug="groene-fietsroutes", title="Groene fietsroutes", status="published"),
    ])
    db.session.commit()


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_rounds(demo_projects):
    made = demo.load_demo_rounds()
    db.session.commit()
    assert [r.slug for r in made] == ["kansenkaart-zonnevelden", "groene-fietsroutes"]
    round_ = rounds.get_round("kansenkaart-zonnevelden")
    assert rounds.is_open(round_) and not round_.is_pre_moderated and round_.votes_enabled

    [view] = rounds.current_layers(round_)
    assert view.version.number == 2 and view.layer.style_property == "categorie"
    zones = rounds.current_zones(round_)
    assert 20 <= len(zones) <= 40
    assert {z.category for z in zones} == {"kansrijk", "mogelijk", "uitgesloten"}
    shapes = [shape(z.geometry) for z in zones]
    assert all(s.is_valid for s in shapes)
    assert all(a.intersection(b).area < 1e-9 for a, b in itertools.combinations(shapes, 2))
    province = geo.area_shape(rounds.round_area(round_), 1e-6)
    assert all(province.covers(s) for s in shapes)
    assert province.difference(shapely.unary_union(shapes)).area < 0.01 * province.area  # covers the province

    totals = contributions.round_totals(round_)
    assert 300 <= totals.total <= 400
    assert all(totals.by_theme[theme] > 30 for theme in ("landschap", "cultuurhistorie", "natuur", "landbouw"))
    assert count(Reply) > 30 and count(Vote, Vote.contribution_id.is_not(None)) > 100
    assert count(Vote, Vote.layer_id.is_not(None)) > 0
    fietsen = rounds.get_round("groene-fietsroutes")
    assert fietsen.is_pre_moderated and count(Contribution, Contribution.round_id == fietsen.id,
                                              Contribution.status != PUBLISHED) == 5

    assert demo.load_demo_rounds() == []  # idempotent


def test_demo_without_projects_makes_nothing(app):
    assert demo.load_demo_rounds() == []


def test_generated_input_is_deterministic(make_round):
    first, second = make_round(), make_round()
    demo.generate_contributions(first, 50, seed=5)
    demo.generate_contributions(second, 50, seed=5)

    def content(round_):
        return [(c.theme, c.text, c.geometry) for c in db.session.scalars(
            select(Contribution).where(Contribution.round_id == round_.id).order_by(Contribution.id))]

    assert content(first) == content(second)
    assert len({text for _theme, text, _geometry in content(first)}) > 30  # varied texts


def test_generate_contributions_command(runner, open_round):
    result = runner.invoke(args=["generate-contributions", "--round", open_round.slug, "--count", "300"])
    assert result.exit_code == 0, result.output
    assert "300 contributions" in result.output
    rows = db.session.scalars(select(Contribution).where(Contribution.round_id == open_round.id)).all()
    assert len(rows) == 300 and all(c.status == PUBLISHED for c in rows)
    area = rounds.round_area_shape(open_round)
    assert all(area.covers(shape(c.geometry)) for c in rows)
    assert {c.theme for c in rows} == set(open_round.themes)
    assert {c.geometry_type for c in rows} == {"point", "line", "area"}
    assert all(c.min_lon <= c.max_lon and c.min_lat <= c.max_lat for c in rows)
    assert count(Vote) > 150 and count(Reply) > 20
    # A second run adds more and reuses the generated accounts.
    users_before = count(demo.User)
    assert runner.invoke(args=["generate-contributions", "--round", open_round.slug, "--count", "10"]).exit_code == 0
    assert count(Contribution) == 310 and count(demo.User) == users_before


def test_generate_contributions_unknown_round(runner, app):
    result = runner.invoke(args=["generate-contributions", "--round", "bestaat-niet", "--count", "5"])
    assert result.exit_code != 0 and "bestaat-niet" in result.output
