"""Policy exports read back (csv, openpyxl, json + shapely, zip, pypdf) and compared with the database."""
import csv
import hashlib
import hmac
import io
import json
import zipfile
from datetime import datetime, timezone

import pytest
import shapely
from openpyxl import load_workbook
from pypdf import PdfReader
from pyproj import Transformer
from sqlalchemy import func, select

from participatie.audit.models import AuditEntry
from participatie.contributions.models import PUBLISHED, Contribution, Reply, Vote
from participatie.exports import services
from participatie.extensions import db
from participatie.permissions import Role
from participatie.rounds.models import LayerVersion, Zone

from .conftest import FORMULA_TEXT

SECRET = "test-secret-key"
TO_RD = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)


def pseudonym(round_id, user_id) -> str:
    if user_id is None:
        return ""
    return hmac.new(SECRET.encode(), f"{round_id}:{user_id}".encode(), hashlib.sha256).hexdigest()[:16]


def expected_rows(round_, statuses=(PUBLISHED,)) -> dict:
    """What every contribution row must say, straight from the tables."""
    out = {}
    for c in db.session.scalars(select(Contribution).where(Contribution.round_id == round_.id,
                                                           Contribution.status.in_(statuses))):
        votes = dict(db.session.execute(select(Vote.value, func.count()).where(Vote.contribution_id == c.id)
                                        .group_by(Vote.value)).all())
        replies = db.session.scalar(select(func.count()).select_from(Reply).where(
            Reply.contribution_id == c.id, Reply.status == PUBLISHED))
        out[c.id] = {
            "contribution": c, "theme": c.theme, "channel": c.channel, "status": c.status, "text": c.text,
            "organisation": c.author.organisation.name if c.author and c.author.organisation else "",
            "zone": c.zone.name if c.zone else "", "zone_key": c.zone.key if c.zone else "",
            "support": votes.get("support", 0), "objection": votes.get("objection", 0), "replies": replies,
            "participant": pseudonym(round_.id, c.author_id),
        }
    return out


def export(client, round_, fmt, **data):
    return client.post(f"/beheer/export/{round_.slug}", data={"format": fmt, **data})


@pytest.fixture
def analyst(login_as):
    return login_as(Role.POLICY_ANALYST)


def read_csv(response, delimiter=","):
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, so that Excel shows Dutch characters"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=delimiter))


def test_csv_rows_match_the_database(client, dataset, analyst):
    response = export(client, dataset.round, "csv")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    expected = expected_rows(dataset.round)
    assert [int(r["id"]) for r in rows] == sorted(expected)
    assert list(rows[0]) == services.CONTRIBUTION_COLUMNS
    for row in rows:
        want = expected[int(row["id"])]
        c = want["contribution"]
        for name in ("theme", "channel", "status", "organisation", "zone", "zone_key", "participant"):
            assert row[name] == want[name], (name, row)
        for name in ("support", "objection", "replies"):
            assert int(row[name]) == want[name], (name, row)
        assert row["round"] == dataset.round.slug
        text = row["text"]
        assert text == ("'" + want["text"] if want["text"].startswith("=") else want["text"])
        created = datetime.fromisoformat(row["created_at"])
        assert created.utcoffset() is not None, "times carry their offset (Europe/Amsterdam)"
        assert created.astimezone(timezone.utc).replace(tzinfo=None) == c.created_at.replace(microsecond=0)
        if c.geometry is None:
            assert row["geometry_wkt"] == row["lon"] == row["rd_x"] == ""
            continue
        shape = shapely.geometry.shape(c.geometry)
        assert shapely.from_wkt(row["geometry_wkt"]).equals_exact(shape, 1e-7)
        centroid = shape.centroid
        assert float(row["lon"]) == pytest.approx(centroid.x, abs=1e-7)
        assert float(row["lat"]) == pytest.approx(centroid.y, abs=1e-7)
        x, y = TO_RD.transform(centroid.x, centroid.y)
        assert float(row["rd_x"]) == pytest.approx(x, abs=0.01)
        assert float(row["rd_y"]) == pytest.approx(y, abs=0.01)
        assert 0 < float(row["rd_x"]) < 300_000 and 300_000 < float(row["rd_y"]) < 625_000


def test_csv_special_cases(client, dataset, analyst):
    rows = {int(r["id"]): r for r in read_csv(export(client, dataset.round, "csv"))}
    line = rows[dataset.ids["line"]]
    assert line["text"] == "'" + FORMULA_TEXT, "a formula-looking text must not run in Excel"
    assert line["organisation"] == "LTO Noord"
    assert rows[dataset.ids["point"]]["text"].endswith("één ooievaar.")
    assert rows[dataset.ids["point"]]["support"] == "2" and rows[dataset.ids["point"]]["objection"] == "1"
    assert rows[dataset.ids["point"]]["replies"] == "1", "hidden replies are not counted"
    assert rows[dataset.ids["phone"]]["participant"] == "" and rows[dataset.ids["phone"]]["channel"] == "phone"
    assert rows[dataset.ids["area"]]["text"] == "Hier graag geen panelen.\nWel bloemen."


def test_csv_all_statuses_and_semicolons(client, dataset, analyst):
    rows = read_csv(export(client, dataset.round, "csv", include_all="y", delimiter="semicolon"), delimiter=";")
    assert {r["status"] for r in rows} == {"published", "hidden", "pending", "rejected"}
    assert sorted(int(r["id"]) for r in rows) == sorted(
        expected_rows(dataset.round, ("published", "hidden", "pending", "rejected")))


def test_pseudonym_is_stable_in_a_round_and_differs_across_rounds(client, dataset, analyst):
    rows = read_csv(export(client, dataset.round, "csv", include_all="y"))
    anna = dataset.users["r1"]
    mine = {r["participant"] for r in rows if int(r["id"]) in (dataset.ids["point"], dataset.ids["hidden"])}
    assert mine == {pseudonym(dataset.round.id, anna.id)}
    other = read_csv(export(client, dataset.other_round, "csv"))
    assert other[0]["participant"] == pseudonym(dataset.other_round.id, anna.id)
    assert other[0]["participant"] not in mine
    assert len({r["participant"] for r in rows if r["participant"]}) == 3  # Anna, Bert, LTO


def test_batches_give_the_same_rows(app, dataset):
    one = [r.id for batch in services.iter_contribution_batches(dataset.round, SECRET, True, batch=3) for r in batch]
    batches = list(services.iter_contribution_batches(dataset.round, SECRET, True, batch=3))
    assert len(batches) == 3 and all(len(b) <= 3 for b in batches)
    assert one == sorted(expected_rows(dataset.round, ("published", "hidden", "pending", "rejected")))


def test_geojson_matches_the_database(client, dataset, analyst):
    response = export(client, dataset.round, "geojson")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "application/geo+json"
    data = json.loads(response.get_data())
    assert data["type"] == "FeatureCollection" and "crs" not in data
    expected = expected_rows(dataset.round)
    assert [f["id"] for f in data["features"]] == sorted(expected)
    for feature in data["features"]:
        want = expected[feature["id"]]
        c = want["contribution"]
        assert feature["type"] == "Feature"
        if c.geometry is None:
            assert feature["geometry"] is None
        else:
            assert shapely.geometry.shape(feature["geometry"]).equals_exact(shapely.geometry.shape(c.geometry), 1e-9)
            assert all(-180 <= x <= 180 and -90 <= y <= 90
                       for x, y in shapely.get_coordinates(shapely.geometry.shape(feature["geometry"])))
        props = feature["properties"]
        assert props["text"] == want["text"], "GeoJSON keeps the text exactly"
        for name in ("theme", "channel", "organisation", "zone", "support", "objection", "replies", "participant"):
            assert props[name] == want[name]
        assert "geometry_wkt" not in props


def test_xlsx_workbook(client, dataset, analyst):
    response = export(client, dataset.round, "xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.get_data()))
    assert workbook.sheetnames == ["contributions", "replies", "votes per zone", "sessions", "summary", "figures"]
    sheet = workbook["contributions"]
    header = [c.value for c in sheet[1]]
    assert header == services.CONTRIBUTION_COLUMNS
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:U{sheet.max_row}"
    expected = expected_rows(dataset.round)
    rows = [dict(zip(header, [c.value for c in row])) for row in sheet.iter_rows(min_row=2)]
    assert [r["id"] for r in rows] == sorted(expected)
    for row in rows:
        want = expected[row["id"]]
        assert row["text"] == want["text"] and row["support"] == want["support"]
        assert row["organisation"] == (want["organisation"] or None)
        assert isinstance(row["created_at"], datetime)
    line_cell = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == dataset.ids["line"])[14]
    assert line_cell.value == FORMULA_TEXT and line_cell.data_type == "s", "text, never a formula"

    replies = list(workbook["replies"].iter_rows(min_row=2, values_only=True))
    published_replies = db.session.scalars(select(Reply).join(Contribution).where(
        Contribution.round_id == dataset.round.id, Reply.status == PUBLISHED,
        Contribution.status == PUBLISHED).order_by(Reply.id)).all()
    assert [r[0] for r in replies] == [r.id for r in published_replies]
    assert replies[0][2] == pseudonym(dataset.round.id, published_replies[0].author_id)

    zone_rows = {r[2]: r for r in workbook["votes per zone"].iter_rows(min_row=2, values_only=True)}
    assert set(zone_rows) == {"A", "B", "C", "D"}, "the current (highest published) version"
    assert zone_rows["A"][1] == 2 and zone_rows["A"][5:] == (1, 1)
    assert zone_rows["B"][5:] == (0, 0)
    assert workbook["sessions"]["A1"].value
    summary = {r[0]: r[1:] for r in workbook["summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["contributions"][0] == len(expected) and summary["summary.version"][0] is None
    figures = {(r[0], r[1]): r[2] for r in workbook["figures"].iter_rows(min_row=2, values_only=True)}
    assert figures[("contributions", None)] == len(expected)
    assert figures[("theme", "natuur")] == 2


def test_layers_zip_has_every_version(client, dataset, analyst):
    response = export(client, dataset.round, "layers")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    versions = db.session.scalars(select(LayerVersion).where(LayerVersion.layer_id == dataset.layer.id)
                                  .order_by(LayerVersion.number)).all()
    assert len(archive.namelist()) == len(versions) == 3
    for version, name in zip(versions, sorted(archive.namelist())):
        data = json.loads(archive.read(name))
        assert data["type"] == "FeatureCollection" and data["version"] == version.number
        assert data["published"] == version.published
        zones = db.session.scalars(select(Zone).where(Zone.layer_version_id == version.id)
                                   .order_by(Zone.feature_index)).all()
        assert len(data["features"]) == len(zones)
        for feature, zone in zip(data["features"], zones):
            assert shapely.geometry.shape(feature["geometry"]).equals_exact(shapely.geometry.shape(zone.geometry), 1e-9)


def test_report_html_and_pdf(client, dataset, analyst):
    html = export(client, dataset.round, "report_html")
    assert html.status_code == 200 and html.mimetype == "text/html"
    page = html.get_data(as_text=True)
    assert "@media print" in page and "<svg" in page
    assert dataset.round.title in page
    published = len(expected_rows(dataset.round))
    assert f'<td class="number">{published}</td>' in page
    pdf = export(client, dataset.round, "report_pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.get_data().startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.get_data())).pages)
    assert "Exportronde" in text and "Kerncijfers" in text and "natuur" in text


def test_empty_round_gives_valid_empty_files(client, empty_round, analyst):
    rows = read_csv(export(client, empty_round, "csv"))
    assert rows == []
    data = json.loads(export(client, empty_round, "geojson").get_data())
    assert data == {"type": "FeatureCollection", "name": empty_round.slug, "features": []}
    workbook = load_workbook(io.BytesIO(export(client, empty_round, "xlsx").get_data()))
    assert all(workbook[name].max_row == 1 for name in ("contributions", "replies", "votes per zone"))
    archive = zipfile.ZipFile(io.BytesIO(export(client, empty_round, "layers").get_data()))
    assert archive.namelist() == []
    assert export(client, empty_round, "report_html").status_code == 200
    pdf = export(client, empty_round, "report_pdf").get_data()
    assert PdfReader(io.BytesIO(pdf)).pages


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.STAKEHOLDER, Role.FACILITATOR, Role.MODERATOR])
def test_below_policy_analyst_is_refused(client, dataset, login_as, role):
    login_as(role)
    assert client.get(f"/beheer/export/{dataset.round.slug}").status_code == 403
    assert export(client, dataset.round, "csv").status_code == 403
    assert client.get("/beheer/export").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_visitor_is_sent_to_login(client, dataset):
    response = client.get(f"/beheer/export/{dataset.round.slug}")
    assert response.status_code == 302 and "/account/inloggen" in response.headers["Location"]
    assert export(client, dataset.round, "csv").status_code == 401


def test_admin_may_export_and_pages_render(client, dataset, login_as):
    login_as(Role.ADMIN)
    index = client.get("/beheer/export")
    assert index.status_code == 200 and dataset.round.title in index.get_data(as_text=True)
    page = client.get(f"/beheer/export/{dataset.round.slug}")
    assert page.status_code == 200 and "participant" in page.get_data(as_text=True)
    assert export(client, dataset.round, "xlsx").status_code == 200
    assert client.get("/beheer/export/bestaat-niet").status_code == 404


def test_unknown_format_is_a_form_error(client, dataset, analyst):
    response = export(client, dataset.round, "xml")
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


@pytest.mark.parametrize("fmt, rows", [("csv", 5), ("geojson", 5), ("xlsx", 5), ("layers", 8), ("report_html", 5),
                                       ("report_pdf", 5)])
def test_every_export_is_audited(client, dataset, analyst, fmt, rows):
    assert export(client, dataset.round, fmt).status_code == 200
    entry = db.session.scalars(select(AuditEntry)).one()
    assert entry.actor_id == analyst.id
    assert entry.action == f"export.{fmt}"
    assert entry.round_id == dataset.round.id and entry.object_id == dataset.round.slug
    assert entry.details["rows"] == rows
    assert entry.details["roles"] == ["policy_analyst"]
    assert entry.created_at is not None


def test_open_data_downloads(client, dataset):
    response = client.get(f"/rondes/{dataset.round.slug}/open-data.csv")
    assert response.status_code == 200 and response.is_streamed
    rows = read_csv(response)
    assert list(rows[0]) == services.OPEN_DATA_COLUMNS
    assert "participant" not in rows[0] and "status" not in rows[0]
    assert sorted(int(r["id"]) for r in rows) == sorted(expected_rows(dataset.round))
    data = json.loads(client.get(f"/rondes/{dataset.round.slug}/open-data.geojson").get_data())
    assert data["license"] == "CC-BY-4.0"
    assert sorted(f["id"] for f in data["features"]) == sorted(expected_rows(dataset.round))
    assert all("participant" not in f["properties"] for f in data["features"])
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["export.open_data_csv", "export.open_data_geojson"]
    assert entries[0].actor_id is None and entries[0].details["rows"] == 5


def test_open_data_of_a_draft_project_is_not_there(client, app, make_user, login_as):
    from .conftest import make_dataset

    draft = make_dataset(make_user, slug="concept-ronde", project_slug="concept", status="draft")
    assert client.get(f"/rondes/{draft.round.slug}/open-data.csv").status_code == 404
    login_as(Role.ADMIN)
    assert client.get(f"/rondes/{draft.round.slug}/open-data.geojson").status_code == 404


def test_contact_export_is_for_admins_with_a_purpose(client, dataset, login_as):
    login_as(Role.POLICY_ANALYST)
    assert client.get("/beheer/contactexport").status_code == 403
    client.post("/account/uitloggen")
    admin = login_as(Role.ADMIN)
    assert client.get("/beheer/contactexport").status_code == 200
    missing = client.post("/beheer/contactexport", data={"round_id": dataset.round.id, "purpose": "", "confirm": "y"})
    assert missing.status_code == 400
    assert "Schrijf op waarvoor" in missing.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0
    purpose = "Deelnemers laten weten wat er met hun inbreng is gebeurd."
    response = client.post("/beheer/contactexport", data={"round_id": dataset.round.id, "purpose": purpose,
                                                          "confirm": "y"})
    assert response.status_code == 200
    rows = read_csv(response)
    assert {r["email"] for r in rows} == {"anna.export@example.org", "bert.export@example.org",
                                          "lto.export@example.org"}
    anna = next(r for r in rows if r["email"] == "anna.export@example.org")
    assert anna["participant"] == pseudonym(dataset.round.id, dataset.users["r1"].id)
    assert anna["contributions"] == "2"
    entry = db.session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.actor_id, entry.details["purpose"], entry.details["rows"]) == (
        "export.contacts", admin.id, purpose, 3)


def test_xlsx_summary_sheet_has_the_round_figures_and_the_published_summary(app, client, dataset, analyst):
    """The summary sheet: every round figure as counted in the database with its method, then the
    newest published summary (version, totals, keywords); drafts and theme summaries are left out."""
    from participatie.summaries import services as summaries
    from participatie.summaries.models import Summary

    app.config["SUMMARY_PARAMETERS"] = {"topics": {"enabled": False}, "charts": {"enabled": False}}
    first = summaries.summarise(dataset.round.id)
    summaries.publish(first, "team", analyst)
    db.session.commit()
    draft = Summary(round_id=dataset.round.id, status="draft", input_hash="x" * 64, algorithm_version="9.9",
                    contribution_count=99, content={"totals": {"contributions": 99}})
    db.session.add(draft)
    db.session.commit()

    workbook = load_workbook(io.BytesIO(export(client, dataset.round, "xlsx").get_data()))
    sheet = workbook["summary"]
    assert [c.value for c in sheet[1]] == services.SUMMARY_COLUMNS
    assert sheet["A1"].font.bold and sheet.auto_filter.ref == f"A1:C{sheet.max_row}"
    rows = {r[0]: (r[1], r[2]) for r in sheet.iter_rows(min_row=2, values_only=True)}

    published = db.session.scalars(select(Contribution).where(Contribution.round_id == dataset.round.id,
                                                              Contribution.status == PUBLISHED)).all()
    published_ids = [c.id for c in published]
    votes = dict(db.session.execute(select(Vote.value, func.count()).where(
        Vote.contribution_id.in_(published_ids)).group_by(Vote.value)).all())
    assert rows["contributions"][0] == len(published) == 5
    assert rows["participants"][0] == len({c.author_id for c in published if c.author_id})
    assert rows["support"][0] == votes["support"] and rows["objection"][0] == votes["objection"]
    assert rows["replies"][0] == db.session.scalar(select(func.count()).select_from(Reply).where(
        Reply.contribution_id.in_(published_ids), Reply.status == PUBLISHED))
    assert rows["zone_support"][0] == 1 and rows["zone_objection"][0] == 1
    assert isinstance(rows["first_contribution"][0], datetime)
    assert all(method for _value, method in rows.values()), "every figure says how it was counted"

    summary = db.session.get(Summary, first.id)
    assert rows["summary.version"][0] == summary.version == 1
    assert rows["summary.visibility"][0] == "team"
    assert rows["summary.contributions"][0] == summary.contribution_count == 5
    for name, value in summary.content["totals"].items():
        assert rows[f"summary.totals.{name}"][0] == value
    keywords = summary.content["keywords"][:services.SUMMARY_KEYWORDS]
    assert [rows[f"summary.keyword.{i}"][0] for i in range(1, len(keywords) + 1)] == [k["term"] for k in keywords]
    assert 99 not in [value for value, _method in rows.values()], "a draft is not in the export"


def test_report_shows_published_responses_and_not_drafts(client, dataset, analyst):
    from participatie.responses import services as responses

    target = db.session.scalar(select(Contribution.id).where(Contribution.round_id == dataset.round.id,
                                                             Contribution.status == PUBLISHED).limit(1))
    published = responses.create_response(dataset.round, analyst, text="We verplaatsen het veld naar het oosten.",
                                          phase_label="na vaststelling", contribution_ids=[target])
    responses.publish_response(published, analyst)
    responses.create_response(dataset.round, analyst, text="Concept dat niemand mag zien.", contribution_ids=[target])
    db.session.commit()
    page = export(client, dataset.round, "report_html").get_data(as_text=True)
    assert "We verplaatsen het veld naar het oosten." in page
    assert f"Over inbreng {target} (na vaststelling)" in page
    assert "Concept dat niemand mag zien." not in page
    assert "Er zijn nog geen reacties" not in page
    pdf = export(client, dataset.round, "report_pdf").get_data()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "We verplaatsen het veld naar het oosten." in text and "Concept dat niemand" not in text
