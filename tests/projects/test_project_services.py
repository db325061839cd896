"""Projects: areas, themes, slugs, cleaned descriptions and the phase timeline."""
import json
from datetime import date, timedelta

import pytest

from participatie import demo
from participatie.extensions import db
from participatie.projects import services
from participatie.projects.models import Project

TODAY = date(2026, 11, 24)
SQUARE = {"type": "Polygon", "coordinates": [[[5.0, 52.0], [5.1, 52.0], [5.1, 52.1], [5.0, 52.1], [5.0, 52.0]]]}


def test_parse_area_accepts_a_geometry_or_a_feature():
    assert services.parse_area(json.dumps(SQUARE)) == SQUARE
    feature = {"type": "Feature", "properties": {"naam": "x"}, "geometry": SQUARE}
    assert services.parse_area(json.dumps(feature)) == SQUARE
    assert services.parse_area({"type": "Point", "coordinates": [5.1, 52.1]}) == {
        "type": "Point", "coordinates": [5.1, 52.1]}
    assert services.parse_area("  ") is None
    assert services.parse_area(None) is None


@pytest.mark.parametrize(
    "value, code",
    [
        ("{niet: json", "json"),
        ("[1, 2]", "type"),
        ('{"type": "FeatureCollection", "features": []}', "type"),
        ('{"type": "Feature", "geometry": null}', "type"),
        ('{"type": "Polygon", "coordinates": [[[5, 52], [5.1]]]}', "geometry"),
        ('{"type": "Polygon", "coordinates": []}', "geometry"),
        ('{"type": "Blob", "coordinates": [1, 2]}', "geometry"),
        # A bow tie: the edges cross, so it is not a valid polygon.
        ('{"type": "Polygon", "coordinates": [[[5, 52], [5.1, 52.1], [5.1, 52], [5, 52.1], [5, 52]]]}', "invalid"),
        # RD New metres instead of degrees.
        ('{"type": "Point", "coordinates": [136000, 455000]}', "range"),
    ],
)
def test_parse_area_refuses_bad_geojson(value, code):
    with pytest.raises(services.AreaError) as error:
        services.parse_area(value)
    assert error.value.code == code


def test_area_km2_of_the_demo_province_is_about_right():
    # Provincie Utrecht covers about 1,500 km²; the demo outline is a simplification.
    assert 1200 < services.area_km2(demo.UTRECHT_AREA) < 2000
    assert services.area_km2({"type": "Point", "coordinates": [5.1, 52.1]}) is None
    assert services.area_km2(None) is None


def test_parse_themes():
    assert services.parse_themes(" Landschap, natuur ,, natuur,  Land  bouw ") == ["landschap", "natuur", "land bouw"]
    assert services.parse_themes("") == []


def test_slugs():
    assert services.slugify("Groene fietsroutes: één plan!") == "groene-fietsroutes-een-plan"
    assert services.slugify("???") == "project"


def test_create_project_cleans_html_and_makes_a_unique_slug(app):
    first = services.create_project(title="Zon op het dak", description='<p onclick="x()">Hoi<script>alert(1)</script></p>')
    second = services.create_project(title="Zon op het dak")
    db.session.commit()
    assert (first.slug, second.slug) == ("zon-op-het-dak", "zon-op-het-dak-2")
    assert "script" not in first.description_html and "onclick" not in first.description_html
    assert "Hoi" in first.description_html
    assert first.status == "draft"


def test_unknown_status_is_refused(app):
    with pytest.raises(ValueError):
        services.create_project(title="X", status="geheim")


def test_drafts_are_visible_to_admins_only(app, make_user, make_project):
    from participatie.permissions import Role

    draft = make_project(status="draft")
    assert not services.can_view_project(None, draft)
    assert not services.can_view_project(make_user(roles=(Role.POLICY_ANALYST,)), draft)
    assert services.can_view_project(make_user(roles=(Role.ADMIN,)), draft)
    assert draft not in services.published_projects()


def _project_with_phases(app, phases) -> Project:
    project = services.create_project(title="Tijdlijn")
    for title, start, end in phases:
        services.add_phase(project, title, TODAY + timedelta(days=start),
                           TODAY + timedelta(days=end) if end is not None else None)
    db.session.commit()
    return project


def test_timeline_says_what_is_done_now_next_and_later(app):
    project = _project_with_phases(app, [
        ("Start", -60, -31), ("Inbreng", -30, 0), ("Verwerken", 1, 30), ("Besluit", 31, 60)])
    timeline = services.timeline(project, TODAY)
    assert [(p.title, state) for p, state in timeline.items] == [
        ("Start", "done"), ("Inbreng", "current"), ("Verwerken", "next"), ("Besluit", "later")]
    assert timeline.current.title == "Inbreng" and timeline.next.title == "Verwerken"
    assert not timeline.finished


def test_timeline_open_ended_phase_runs_until_the_next_starts(app):
    project = _project_with_phases(app, [("Concept", -90, None), ("Open", -10, None), ("Later", 5, None)])
    states = [state for _, state in services.timeline(project, TODAY).items]
    assert states == ["done", "current", "next"]


def test_timeline_between_phases_and_after_the_last(app):
    project = _project_with_phases(app, [("Eerste", -30, -10), ("Tweede", 10, 20)])
    between = services.timeline(project, TODAY)
    assert between.current is None and between.next.title == "Tweede"
    after = services.timeline(project, TODAY + timedelta(days=30))
    assert after.finished and [s for _, s in after.items] == ["done", "done"]


def test_phase_cannot_end_before_it_starts(app):
    project = services.create_project(title="X")
    with pytest.raises(ValueError):
        services.add_phase(project, "Fout", TODAY, TODAY - timedelta(days=1))
    phase = services.add_phase(project, "Goed", TODAY, TODAY)
    services.update_phase(phase, "Nog goed", TODAY, None, "Uitleg")
    assert (phase.title, phase.ends_on, phase.description) == ("Nog goed", None, "Uitleg")
    services.delete_phase(phase)
    db.session.commit()
    assert project.phases == []
