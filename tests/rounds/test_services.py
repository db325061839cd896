"""Round services: Europe/Amsterdam times, opening and closing by the clock, settings checks, layer
versions and zones."""
from datetime import datetime, timedelta

import pytest
import shapely
from sqlalchemy import func, select

from participatie.extensions import db
from participatie.rounds import services as rounds
from participatie.rounds.errors import ValidationError
from participatie.rounds.layers import LayerError
from participatie.rounds.models import DEFAULT_THEMES, LayerVersion, Zone

from .conftest import AREA, zones_layer


def test_times_are_entered_in_amsterdam_and_stored_in_utc(make_round):
    winter = make_round(starts=datetime(2026, 12, 1, 9, 0), ends=datetime(2027, 7, 1, 9, 0))
    assert winter.starts_at == datetime(2026, 12, 1, 8, 0)  # CET = UTC+1
    assert winter.ends_at == datetime(2027, 7, 1, 7, 0)  # CEST = UTC+2
    assert rounds.utc_to_local(winter.ends_at).hour == 9


def test_round_opens_and_closes_by_itself(make_round):
    round_ = make_round(starts=datetime(2026, 12, 1, 9, 0), ends=datetime(2026, 12, 15, 17, 0))
    opens, closes = datetime(2026, 12, 1, 8, 0), datetime(2026, 12, 15, 16, 0)
    assert rounds.round_state(round_, opens - timedelta(seconds=1)) == rounds.UPCOMING
    assert rounds.round_state(round_, opens) == rounds.OPEN
    assert rounds.is_open(round_, closes - timedelta(seconds=1))
    assert rounds.round_state(round_, closes) == rounds.CLOSED
    assert not rounds.is_open(round_, closes)


def test_status_text_shows_local_time(app, make_round):
    round_ = make_round(starts=datetime(2026, 12, 1, 9, 0), ends=datetime(2026, 12, 15, 17, 0))
    with app.test_request_context():
        assert "1 december 2026 om 09:00" in rounds.status_text(round_, datetime(2026, 11, 1))
        assert "15 december 2026 om 17:00" in rounds.status_text(round_, datetime(2026, 12, 5))
        assert "gesloten" in rounds.status_text(round_, datetime(2027, 1, 1))


def test_defaults(open_round, project):
    assert open_round.themes == list(DEFAULT_THEMES)
    assert open_round.allowed_geometries == ["point", "line", "area"]
    assert open_round.moderation == "post" and open_round.votes_enabled
    assert rounds.round_area(open_round) == AREA  # the project's area
    lat, lon, zoom = rounds.map_view(open_round)
    assert (lat, lon, zoom) == (pytest.approx(52.1), pytest.approx(5.15), 10)


def test_round_settings_are_checked(project, make_round):
    make_round(slug="bestaat")
    with pytest.raises(ValidationError) as info:
        rounds.create_round(
            project, slug="Bestaat", title=" ", starts_at=datetime(2026, 12, 2), ends_at=datetime(2026, 12, 1),
            themes=[" "], allowed_geometries=["point", "circle"], moderation="sometimes", zoom=30,
            center_lat=10.0, center_lon=10.0,
        )
    assert set(info.value.errors) == {"slug", "title", "ends_at", "themes", "allowed_geometries", "moderation",
                                      "zoom", "center"}
    assert db.session.scalar(select(func.count()).select_from(rounds.Round)) == 1


def test_round_area_must_be_an_area(project):
    with pytest.raises(ValidationError) as info:
        rounds.create_round(project, slug="lijn", title="Lijn", starts_at=datetime(2026, 12, 1),
                            ends_at=datetime(2026, 12, 2), area={"type": "LineString",
                                                                 "coordinates": [[5.1, 52.1], [5.2, 52.1]]})
    assert "area" in info.value.errors


def test_update_round(open_round):
    rounds.update_round(open_round, themes=["natuur", "Natuur", "water"], moderation="pre")
    assert open_round.themes == ["natuur", "water"] and open_round.is_pre_moderated


def test_layer_versions_are_numbered_and_kept(open_round, make_user):
    staff = make_user()
    layer = rounds.add_layer(open_round, "Kansenkaart")
    first = rounds.upload_layer_version(layer, zones_layer(("A", "B")), staff, note="Eerste")
    second = rounds.upload_layer_version(layer, zones_layer(("A", "B", "C"), category="mogelijk"), staff)
    db.session.commit()
    assert (first.number, second.number) == (1, 2)
    assert [v.number for v in rounds.layer_versions(layer)] == [2, 1]
    old = rounds.get_layer_version(layer, 1)
    assert old.note == "Eerste" and len(old.geojson["features"]) == 2 and old.created_by_id == staff.id
    views = rounds.current_layers(open_round)
    assert [(v.layer.id, v.version.number) for v in views] == [(layer.id, 2)]
    assert [z.key for z in rounds.current_zones(open_round)] == ["A", "B", "C"]
    assert rounds.layer_categories(second) == [("mogelijk", 3)]


def test_unpublished_version_is_not_current(layer, open_round):
    draft = rounds.upload_layer_version(layer, zones_layer(("A", "B", "C", "D")), publish=False)
    db.session.commit()
    assert rounds.current_layers(open_round)[0].version.number == 1
    rounds.set_version_published(draft, True)
    assert rounds.current_layers(open_round)[0].version.number == 2


def test_broken_upload_stores_nothing(layer):
    collection = zones_layer(("X", "Y"))
    collection["features"][1]["geometry"]["coordinates"] = [[["a", "b"]]]
    with pytest.raises(LayerError) as info:
        rounds.upload_layer_version(layer, collection)
    assert info.value.number == 2
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(LayerVersion)) == 1
    assert db.session.scalar(select(func.count()).select_from(Zone)) == 3


def test_zone_at_and_places(layer, open_round):
    zone = rounds.zone_at(open_round, shapely.Point(5.07, 52.07))
    assert zone is not None and zone.key == "A"
    assert rounds.zone_at(open_round, shapely.Point(5.29, 52.19)) is None
    names = [p.name for p in rounds.place_choices(open_round)]
    assert "Utrecht" in names and "Amersfoort" not in names  # Amersfoort lies outside the test area
    zones, places = rounds.search_places(open_round, "utr")
    assert [p.name for p in places] == ["Utrecht"] and zones == []
    assert [z.key for z in rounds.search_places(open_round, "zone b")[0]] == ["B"]


def test_layer_feature_collection_with_counts(layer, open_round):
    version = rounds.current_layers(open_round)[0].version
    collection = rounds.layer_feature_collection(version, {"A": (2, 1)})
    props = {f["id"]: f["properties"] for f in collection["features"]}
    assert props["A"]["_support"] == 2 and props["B"]["_objection"] == 0
    assert "_support" not in version.geojson["features"][0]["properties"]  # stored data untouched


def test_rounds_of_draft_projects_are_for_staff_only(open_round, project, make_user):
    from participatie.permissions import Role

    assert rounds.visible_round(open_round.slug, None) is open_round
    project.status = "draft"
    assert rounds.visible_round(open_round.slug, None) is None
    assert rounds.visible_round(open_round.slug, make_user()) is None
    assert rounds.visible_round(open_round.slug, make_user(roles=(Role.FACILITATOR,))) is open_round
    assert rounds.visible_round("bestaat-niet", None) is None
    assert rounds.rounds_of_project(project) == [open_round]
