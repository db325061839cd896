"""Creating, changing and deleting contributions, and every kind of bad input from issue 3:
each gets a clear message on its field, and nothing is stored half-way."""
import io
import json
from datetime import timedelta

import pytest
from PIL import ExifTags, Image
from sqlalchemy import func, select

from participatie.accounts.models import utcnow
from participatie.contributions import services as contributions
from participatie.contributions.models import (
    PENDING,
    PLACE_MAP,
    PLACE_MUNICIPALITY,
    PLACE_ZONE,
    PUBLISHED,
    Contribution,
    ContributionPhoto,
    Vote,
)
from participatie.extensions import db
from participatie.rounds.errors import Refused, ValidationError

from rounds.conftest import INSIDE, utc

LINE = {"type": "LineString", "coordinates": [[5.10, 52.08], [5.12, 52.09], [5.14, 52.08]]}
AREA = {"type": "Polygon", "coordinates": [[[5.10, 52.08], [5.12, 52.08], [5.12, 52.10], [5.10, 52.10],
                                            [5.10, 52.08]]]}


def create(round_, author, **kwargs):
    kwargs.setdefault("theme", "natuur")
    kwargs.setdefault("text", "Hier broeden grutto's.")
    if not {"geometry", "zone_id", "place"} & set(kwargs):
        kwargs["geometry"] = INSIDE
    return contributions.create_contribution(round_, author, **kwargs)


def invalid(round_, author, **kwargs) -> dict:
    """The field errors of a refused contribution; checks that nothing was stored."""
    with pytest.raises(ValidationError) as info:
        create(round_, author, **kwargs)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Contribution)) == 0
    assert info.value.status == 400
    return info.value.errors


def message(app, errors, field) -> str:
    with app.test_request_context():
        return str(errors[field])


def jpeg_with_gps(size=(3000, 2000)) -> bytes:
    image = Image.new("RGB", size, (40, 120, 60))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 5.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (5.0, 7.0, 12.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"thuisadres Dorpsstraat 1")
    return out.getvalue()


# --- good input -------------------------------------------------------------------------------------

def test_point_in_post_moderated_round_is_published(open_round, layer, resident):
    contribution = create(open_round, resident, geometry={"type": "Point", "coordinates": [5.07, 52.07]})
    db.session.commit()
    assert contribution.status == PUBLISHED and contribution.author_id == resident.id
    assert contribution.geometry_type == "point" and contribution.place_source == PLACE_MAP
    assert (contribution.min_lon, contribution.min_lat, contribution.max_lon, contribution.max_lat) == (
        5.07, 52.07, 5.07, 52.07)
    assert contribution.zone.key == "A" and contribution.place_label == "Zone A"


def test_line_and_area_as_json_text(open_round, resident):
    line = create(open_round, resident, geometry=json.dumps(LINE))
    area = create(open_round, resident, geometry={"type": "Feature", "properties": {}, "geometry": AREA})
    assert line.geometry_type == "line" and area.geometry_type == "area"
    assert (area.min_lon, area.min_lat, area.max_lon, area.max_lat) == (5.10, 52.08, 5.12, 52.10)
    assert area.place_label == "Utrecht"  # the nearest municipality, when no zone is there


def test_pre_moderated_round_keeps_it_pending(make_round, resident):
    round_ = make_round(moderation="pre")
    assert create(round_, resident).status == PENDING


def test_zone_from_the_list(open_round, layer, resident):
    zone = [z for z in layer.versions[0].zones if z.key == "B"][0]
    contribution = create(open_round, resident, zone_id=str(zone.id))
    assert contribution.zone_id == zone.id and contribution.place_source == PLACE_ZONE
    assert contribution.place_label == "Zone B" and contribution.geometry["type"] == "Point"


def test_municipality_from_the_list(open_round, resident):
    contribution = create(open_round, resident, place="utrecht")
    assert contribution.place_source == PLACE_MUNICIPALITY and contribution.place_label == "Utrecht"
    assert contribution.geometry == {"type": "Point", "coordinates": [5.121, 52.09]}


def test_html_is_stored_as_typed(open_round, resident):
    text = '<script>alert("x")</script> <b>vet</b> & "quotes"'
    assert create(open_round, resident, text=f"  {text}\r\n ").text == text


def test_control_characters_are_removed(open_round, resident):
    assert create(open_round, resident, text="Regel 1\r\nRegel\x00 2\x07").text == "Regel 1\nRegel 2"


# --- bad input --------------------------------------------------------------------------------------

def test_outside_the_netherlands(app, open_round, resident):
    errors = invalid(open_round, resident, geometry={"type": "Point", "coordinates": [4.35, 50.85]})  # Brussels
    assert "buiten Nederland" in message(app, errors, "geometry")


def test_outside_the_round_area(app, open_round, resident):
    errors = invalid(open_round, resident, geometry={"type": "Point", "coordinates": [5.387, 52.156]})  # Amersfoort
    assert "buiten het gebied" in message(app, errors, "geometry")


def test_area_partly_outside_the_round_area(open_round, resident):
    big = {"type": "Polygon", "coordinates": [[[5.25, 52.15], [5.40, 52.15], [5.40, 52.25], [5.25, 52.15]]]}
    assert "geometry" in invalid(open_round, resident, geometry=big)


def test_self_intersecting_area(app, open_round, resident):
    bowtie = {"type": "Polygon", "coordinates": [[[5.10, 52.08], [5.12, 52.10], [5.12, 52.08], [5.10, 52.10],
                                                  [5.10, 52.08]]]}
    errors = invalid(open_round, resident, geometry=bowtie)
    assert "snijdt zichzelf" in message(app, errors, "geometry")


@pytest.mark.parametrize("coordinates", [[[5.10, 52.08]], [[5.10, 52.08], [5.10, 52.08]]])
def test_line_of_one_point(app, open_round, resident, coordinates):
    errors = invalid(open_round, resident, geometry={"type": "LineString", "coordinates": coordinates})
    assert "twee verschillende punten" in message(app, errors, "geometry")


@pytest.mark.parametrize("geometry", [
    {"type": "Point", "coordinates": ["5.12", "52.09"]},
    {"type": "Point", "coordinates": "5.12,52.09"},
    {"type": "LineString", "coordinates": [["5.1", 52.0], [5.2, 52.1]]},
    '{"type": "Point", "coordinates": ["5.12", "52.09"]}',
])
def test_coordinates_as_strings(app, open_round, resident, geometry):
    errors = invalid(open_round, resident, geometry=geometry)
    assert "geen getallen" in message(app, errors, "geometry")


@pytest.mark.parametrize("geometry", [
    "niet-json", {"type": "MultiPoint", "coordinates": [[5.1, 52.1]]}, {"type": "Point"},
    {"type": "Point", "coordinates": [float("nan"), 52.1]}, [5.1, 52.1],
])
def test_broken_geometry(open_round, resident, geometry):
    assert "geometry" in invalid(open_round, resident, geometry=geometry)


def test_geometry_kind_not_allowed_in_round(app, make_round, resident):
    round_ = make_round(allowed_geometries=["point"])
    errors = invalid(round_, resident, geometry=AREA)
    assert "geen een vlak" in message(app, errors, "geometry")


def test_huge_geometry(open_round, resident):
    ring = [[5.10 + i * 1e-6, 52.08] for i in range(2000)] + [[5.10, 52.09], [5.10, 52.08]]
    assert "geometry" in invalid(open_round, resident, geometry={"type": "Polygon", "coordinates": [ring]})


def test_no_place(app, open_round, resident):
    errors = invalid(open_round, resident, geometry=None)
    assert "Kies een plek" in message(app, errors, "geometry")


def test_zone_of_another_round(make_round, layer, resident):
    other = make_round()
    zone = layer.versions[0].zones[0]
    assert "zone" in invalid(other, resident, zone_id=zone.id)


def test_municipality_outside_the_area(open_round, resident):
    assert "place" in invalid(open_round, resident, place="amersfoort")
    db.session.rollback()
    assert "place" in invalid(open_round, resident, place="atlantis")


def test_five_megabyte_text(app, open_round, resident):
    errors = invalid(open_round, resident, text="a" * (5 * 1024 * 1024))
    assert "5242880 tekens" in message(app, errors, "text").replace(".", "").replace(" ", " ")


@pytest.mark.parametrize("text", ["", "   ", "\n\t \r\n", None])
def test_only_whitespace(open_round, resident, text):
    assert "text" in invalid(open_round, resident, text=text)


def test_theme_not_in_round(open_round, resident):
    assert "theme" in invalid(open_round, resident, theme="verkeer")


def test_all_problems_at_once(open_round, resident):
    errors = invalid(open_round, resident, theme="", text=" ", geometry={"type": "Point", "coordinates": [0, 0]},
                     photo=b"%PDF-1.7 not a photo")
    assert set(errors) == {"theme", "text", "geometry", "photo"}


def test_closed_and_upcoming_rounds_refuse(make_round, resident):
    closed = make_round(starts=utc(days=-10), ends=utc(days=-1))
    upcoming = make_round(starts=utc(days=1), ends=utc(days=10))
    with pytest.raises(Refused) as info:
        create(closed, resident)
    assert info.value.code == "closed" and info.value.status == 403
    with pytest.raises(Refused) as info:
        create(upcoming, resident)
    assert info.value.code == "not_open"


def test_visitor_must_log_in(open_round):
    from flask_login import AnonymousUserMixin

    with pytest.raises(Refused) as info:
        create(open_round, AnonymousUserMixin())
    assert info.value.code == "login"


def test_paper_input_without_author_or_place(open_round):
    contribution = create(open_round, None, channel="paper", geometry=None)
    assert contribution.author_id is None and contribution.geometry is None and contribution.channel == "paper"


# --- photos -----------------------------------------------------------------------------------------

def test_pdf_as_photo_is_refused(app, open_round, resident):
    errors = invalid(open_round, resident, photo=b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF")
    assert "geen foto" in message(app, errors, "photo")


def test_broken_jpeg_is_refused(open_round, resident):
    assert "photo" in invalid(open_round, resident, photo=b"\xff\xd8\xff\xe0" + b"\x00" * 100)


def test_photo_is_resized_and_stripped_of_exif_and_gps(open_round, resident):
    original = jpeg_with_gps()
    assert b"Exif" in original and b"Dorpsstraat" in original
    contribution = create(open_round, resident, photo=original)
    db.session.commit()
    photo = db.session.get(ContributionPhoto, contribution.id)
    assert contribution.has_photo and photo.media_type == "image/jpeg"
    assert (photo.width, photo.height) == (1600, 1067)
    image = Image.open(io.BytesIO(photo.data))
    assert image.size == (1600, 1067) and len(image.getexif()) == 0
    assert b"Exif" not in photo.data and b"Dorpsstraat" not in photo.data and b"TestCam" not in photo.data


def test_png_stays_png(open_round, resident):
    out = io.BytesIO()
    Image.new("RGBA", (100, 50), (0, 0, 255, 128)).save(out, "PNG")
    contribution = create(open_round, resident, photo=out.getvalue())
    assert contribution.photo.media_type == "image/png"
    assert Image.open(io.BytesIO(contribution.photo.data)).mode == "RGBA"


# --- changing and deleting --------------------------------------------------------------------------

def test_author_edits_within_thirty_minutes(open_round, resident, make_user):
    contribution = create(open_round, resident)
    db.session.commit()
    later = contribution.created_at + timedelta(minutes=29)
    assert contributions.can_edit(contribution, resident, later)
    contributions.update_contribution(contribution, resident, theme="landschap", text="Nieuwe tekst", now=later)
    assert (contribution.theme, contribution.text) == ("landschap", "Nieuwe tekst")
    assert contribution.geometry == INSIDE  # place unchanged without a new one

    too_late = contribution.created_at + timedelta(minutes=31)
    assert not contributions.can_edit(contribution, resident, too_late)
    with pytest.raises(Refused) as info:
        contributions.update_contribution(contribution, resident, theme="natuur", text="x", now=too_late)
    assert info.value.code == "too_late"
    with pytest.raises(Refused) as info:
        contributions.update_contribution(contribution, make_user(), theme="natuur", text="x", now=later)
    assert info.value.code == "not_author"


def test_invalid_edit_keeps_the_old_text(open_round, resident):
    contribution = create(open_round, resident)
    with pytest.raises(ValidationError):
        contributions.update_contribution(contribution, resident, theme="natuur", text="  ")
    assert contribution.text == "Hier broeden grutto's."


def test_edit_in_pre_moderated_round_goes_back_to_moderation(make_round, resident):
    round_ = make_round(moderation="pre")
    contribution = create(round_, resident)
    contribution.status = PUBLISHED  # approved by a moderator
    contributions.update_contribution(contribution, resident, theme="natuur", text="Aangepast")
    assert contribution.status == PENDING


def test_author_deletes_with_votes_and_photo(open_round, resident, make_user):
    contribution = create(open_round, resident, photo=jpeg_with_gps((200, 100)))
    contributions.cast_vote(open_round, make_user(), "support", contribution_id=contribution.id)
    db.session.commit()
    with pytest.raises(Refused):
        contributions.delete_contribution(contribution, resident, now=utcnow() + timedelta(hours=1))
    contributions.delete_contribution(contribution, resident)
    db.session.commit()
    for model in (Contribution, ContributionPhoto, Vote):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0
