"""Plan-layer validation (rounds.layers.parse_layer): good files, broken ones with the feature number,
RD New input converted to WGS84, and the size limits."""
import json

import pytest
import shapely
from shapely.geometry import shape

from participatie.rounds import layers
from participatie.rounds.layers import LayerError, parse_layer

from .conftest import square, zones_layer


def parse_error(data, **kwargs) -> LayerError:
    with pytest.raises(LayerError) as info:
        parse_layer(data, **kwargs)
    return info.value


def test_good_feature_collection(app):
    parsed = parse_layer(json.dumps(zones_layer(("UT-1", "UT-2"))).encode())
    assert [f.key for f in parsed.features] == ["UT-1", "UT-2"]
    assert parsed.key_property == "code"
    assert [f.name for f in parsed.features] == ["Zone UT-1", "Zone UT-2"]
    assert [f.category for f in parsed.features] == ["kansrijk", "kansrijk"]
    assert parsed.source_crs == layers.WGS84 and not parsed.converted
    assert parsed.bbox == pytest.approx((5.05, 52.05, 5.14, 52.09))
    feature = parsed.feature_collection["features"][0]
    assert feature["id"] == "UT-1" and feature["properties"]["naam"] == "Zone UT-1"
    # RFC 7946: outer rings counter-clockwise.
    assert shapely.LinearRing(feature["geometry"]["coordinates"][0]).is_ccw


def test_clockwise_ring_is_turned_counter_clockwise(app):
    ring = [[5.1, 52.1], [5.1, 52.11], [5.11, 52.11], [5.11, 52.1], [5.1, 52.1]]  # clockwise
    parsed = parse_layer({"type": "Polygon", "coordinates": [ring]})
    assert shapely.LinearRing(parsed.features[0].geometry["coordinates"][0]).is_ccw


def test_single_feature_and_bare_geometry(app):
    feature = square(5.1, 52.1, naam="Polder")
    assert parse_layer(feature).features[0].name == "Polder"
    bare = parse_layer({"type": "LineString", "coordinates": [[5.1, 52.1], [5.2, 52.1]]})
    assert bare.features[0].key == "nr-1" and bare.key_property == layers.NUMBER_KEY


def test_feature_id_member_is_the_preferred_key(app):
    collection = zones_layer(("A", "B"))
    collection["features"][0]["id"] = 17
    collection["features"][1]["id"] = "x-2"
    assert [f.key for f in parse_layer(collection).features] == ["17", "x-2"]


def test_duplicate_codes_fall_back_to_the_next_key(app):
    collection = zones_layer(("A", "A"))
    collection["features"][1]["properties"]["naam"] = "Zone B"
    parsed = parse_layer(collection)
    assert parsed.key_property == "naam"
    assert [f.key for f in parsed.features] == ["Zone A", "Zone B"]


def test_invalid_geometry_reports_feature_number_and_reason(app):
    bowtie = {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [
        [[5.10, 52.10], [5.12, 52.12], [5.12, 52.10], [5.10, 52.12], [5.10, 52.10]]]}}
    collection = zones_layer(("A", "B"))
    collection["features"].append(bowtie)
    error = parse_error(collection)
    assert error.code == "invalid" and error.number == 3
    with app.test_request_context():
        message = str(error)
    assert message.startswith("Object 3:") and "snijdt zichzelf" in message
    assert "5.11" in message  # where it goes wrong


def test_rd_new_is_recognised_and_converted(app):
    # The Dom tower in Utrecht: RD (136 700, 455 900) is about 5.121 E, 52.090 N.
    parsed = parse_layer({"type": "Point", "coordinates": [136700, 455900]})
    assert parsed.source_crs == layers.RD_NEW and parsed.converted
    lon, lat = parsed.features[0].geometry["coordinates"]
    assert lon == pytest.approx(5.121, abs=0.002)
    assert lat == pytest.approx(52.090, abs=0.002)


def test_declared_rd_crs_is_converted(app):
    collection = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}},
        "features": [{"type": "Feature", "properties": {"code": "D"}, "geometry": {"type": "Polygon", "coordinates": [
            [[136000, 455000], [137000, 455000], [137000, 456000], [136000, 456000], [136000, 455000]]]}}],
    }
    parsed = parse_layer(collection)
    assert parsed.converted
    geom = shape(parsed.features[0].geometry)
    assert geom.is_valid and geom.contains(shapely.Point(5.121, 52.090))


def test_unsupported_crs_is_refused(app):
    collection = zones_layer(("A",))
    collection["crs"] = {"type": "name", "properties": {"name": "EPSG:3857"}}
    assert parse_error(collection).code == "crs"


def test_mixed_coordinate_systems_are_refused(app):
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [5.1, 52.1]}},
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [136700, 455900]}},
    ]}
    error = parse_error(collection)
    assert error.code == "crs_unknown" and error.number == 2


def test_strings_as_coordinates(app):
    collection = zones_layer(("A",))
    collection["features"].append(
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": ["5.1", "52.1"]}})
    error = parse_error(collection)
    assert error.code == "not_numbers" and error.number == 2


@pytest.mark.parametrize("geometry, code", [
    ({"type": "LineString", "coordinates": [[5.1, 52.1]]}, "line_points"),
    ({"type": "LineString", "coordinates": [[5.1, 52.1], [5.1, 52.1]]}, "line_points"),
    ({"type": "Polygon", "coordinates": [[[5.1, 52.1], [5.2, 52.1], [5.2, 52.2], [5.1, 52.2]]]}, "ring_open"),
    ({"type": "Polygon", "coordinates": [[[5.1, 52.1], [5.2, 52.1], [5.1, 52.1]]]}, "ring_points"),
    ({"type": "Point", "coordinates": [5.1]}, "position"),
    ({"type": "Point", "coordinates": [True, 52.1]}, "not_numbers"),
    ({"type": "Point", "coordinates": []}, "empty"),
    ({"type": "Circle", "coordinates": [5.1, 52.1]}, "geometry_type"),
    ({"type": "Point", "coordinates": [52.1, 5.1]}, "outside_nl"),  # latitude and longitude swapped
    ({"type": "Point", "coordinates": [500.0, 52.1]}, "crs_unknown"),
])
def test_broken_geometries(app, geometry, code):
    collection = zones_layer(("A",))
    collection["features"].append({"type": "Feature", "properties": {}, "geometry": geometry})
    error = parse_error(collection)
    assert (error.code, error.number) == (code, 2)


def test_feature_without_geometry(app):
    error = parse_error({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
                                                                    "geometry": None}]})
    assert (error.code, error.number) == ("no_geometry", 1)


@pytest.mark.parametrize("data, code", [
    (b"", "empty"),
    (b"{\"type\": \"FeatureCollection\", \"features\": []}", "empty"),
    (b"{\"type\": ", "json"),
    (b"\xff\xfe\x00", "encoding"),
    (b"[1, 2]", "not_geojson"),
    (b"{\"type\": \"Topology\"}", "not_geojson"),
])
def test_unusable_files(app, data, code):
    assert parse_error(data).code == code


def test_json_error_says_where(app):
    error = parse_error(b'{\n  "type": "FeatureCollection",\n  "features": [,]\n}')
    with app.test_request_context():
        assert "regel 3" in str(error)


def test_oversize_file(app):
    data = b" " * (layers.MAX_LAYER_BYTES + 1)
    assert parse_error(data).code == "too_large"


def test_too_many_features(app):
    point = {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [5.1, 52.1]}}
    assert parse_error({"type": "FeatureCollection", "features": [point] * 6}, max_features=5).code == "too_many"
    assert len(parse_layer({"type": "FeatureCollection", "features": [point] * 5}, max_features=5).features) == 5


def test_coordinates_are_rounded_to_seven_decimals(app):
    parsed = parse_layer({"type": "Point", "coordinates": [5.123456789123, 52.0987654321, 3.0]})
    assert parsed.features[0].geometry["coordinates"] == [5.1234568, 52.0987654]
