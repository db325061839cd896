"""Large exports as jobs (issue 7): over EXPORT_JOB_THRESHOLD rows a CSV, GeoJSON or XLSX export is
written by a job to a file with a random name under the instance folder, with a progress page and a
download link that only the analyst who started it (or an admin) can use, until it expires. The
files are read back and compared with the database, and with the streamed export of the same round."""
import csv
import io
import json
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from participatie import jobs
from participatie.accounts.models import utcnow
from participatie.audit.models import AuditEntry
from participatie.contributions.models import STATUSES
from participatie.exports import services
from participatie.extensions import db
from participatie.permissions import Role

from .conftest import make_dataset
from .test_exports import expected_rows

THRESHOLD = 3


@pytest.fixture
def app(make_app, tmp_path):
    """Queued jobs run only when a test says so (jobs.run_pending), also when REDIS_URL is set."""
    app = make_app(JOBS_WORKER_THREAD=False, REDIS_URL=None, JOBS_RETRY_INTERVALS=[0],
                   EXPORT_JOB_THRESHOLD=THRESHOLD, EXPORT_DIR=str(tmp_path / "exports"))
    with app.app_context():
        yield app


@pytest.fixture
def dataset(app):
    return make_dataset(None)


@pytest.fixture
def analyst(login_as):
    return login_as(Role.POLICY_ANALYST)


def start(client, round_, fmt, **data):
    response = client.post(f"/beheer/export/{round_.slug}", data={"format": fmt, **data})
    assert response.status_code == 303, response.status_code
    match = re.fullmatch(r"/beheer/export/taken/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def finished(app, client, job_id):
    """Run the queued job, then fetch the download."""
    assert jobs.run_pending(app) == 1
    state = client.get(f"/beheer/export/taken/{job_id}/status").get_json()
    assert state["finished"] and state["progress"] == 100 and state["download_url"]
    response = client.get(state["download_url"])
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    return response


def test_a_large_csv_export_is_a_job_with_progress_and_a_download(app, client, dataset, analyst):
    job_id = start(client, dataset.round, "csv")
    record = jobs.get_record(job_id)
    assert record.kind == "export" and record.status == jobs.QUEUED and record.created_by_id == analyst.id
    page = client.get(f"/beheer/export/taken/{job_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r'<progress id="job-progress" max="100" value="0">0%</progress>', html)
    assert "In de wachtrij" in html and "Ververs" in html and "Download het bestand" in html
    assert 'id="job-done" hidden' in html, "no download link before the file is there"
    assert client.get(f"/beheer/export/taken/{job_id}/bestand").status_code == 404

    response = finished(app, client, job_id)
    assert response.mimetype == "text/csv"
    assert re.search(r'filename="?export-ronde-inbreng-\d{8}-\d{4}\.csv', response.headers["Content-Disposition"])
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    expected = expected_rows(dataset.round)
    assert [int(r["id"]) for r in rows] == sorted(expected)
    for row in rows:
        want = expected[int(row["id"])]
        assert (row["theme"], row["participant"], int(row["support"])) == (
            want["theme"], want["participant"], want["support"])

    record = jobs.get_record(job_id)
    assert record.status == jobs.FINISHED and record.result_id == len(expected)
    page = client.get(f"/beheer/export/taken/{job_id}").get_data(as_text=True)
    assert 'value="100"' in page and f"/beheer/export/taken/{job_id}/bestand" in page
    assert "Ververs" not in page

    # The file has a random name in the export folder; nothing of the user's choosing.
    files = [p.name for p in services.export_dir().iterdir()]
    assert len(files) == 1 and re.fullmatch(r"[0-9a-f]{32}\.csv", files[0])

    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["export.csv", "export.download"]
    assert entries[0].actor_id == analyst.id and entries[0].details["rows"] == len(expected)
    assert entries[0].details["job"] == job_id and entries[1].details["job"] == job_id


def test_the_job_writes_the_same_bytes_as_the_streamed_download(app, client, dataset, analyst):
    """One writer for both paths: the job's file equals the small export's stream."""
    job_id = start(client, dataset.round, "csv", include_all="y", delimiter="semicolon")
    from_job = finished(app, client, job_id).get_data()
    app.config["EXPORT_JOB_THRESHOLD"] = 10_000
    streamed = client.post(f"/beheer/export/{dataset.round.slug}",
                           data={"format": "csv", "include_all": "y", "delimiter": "semicolon"})
    assert streamed.is_streamed
    assert from_job == streamed.get_data()
    rows = list(csv.DictReader(io.StringIO(from_job.decode("utf-8-sig")), delimiter=";"))
    assert sorted(int(r["id"]) for r in rows) == sorted(expected_rows(dataset.round, STATUSES))


def test_a_large_geojson_export_matches_the_database(app, client, dataset, analyst):
    job_id = start(client, dataset.round, "geojson")
    response = finished(app, client, job_id)
    assert response.mimetype == "application/geo+json"
    data = json.loads(response.get_data())
    assert data["type"] == "FeatureCollection"
    expected = expected_rows(dataset.round)
    assert [f["id"] for f in data["features"]] == sorted(expected)
    for feature in data["features"]:
        assert feature["properties"]["text"] == expected[feature["id"]]["text"]


def test_a_large_xlsx_export_matches_the_database(app, client, dataset, analyst):
    job_id = start(client, dataset.round, "xlsx")
    response = finished(app, client, job_id)
    workbook = load_workbook(io.BytesIO(response.get_data()))
    assert workbook.sheetnames == ["contributions", "replies", "votes per zone", "sessions", "summary", "figures"]
    sheet = workbook["contributions"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, [c.value for c in row])) for row in sheet.iter_rows(min_row=2)]
    expected = expected_rows(dataset.round)
    assert [r["id"] for r in rows] == sorted(expected)
    assert all(r["text"] == expected[r["id"]]["text"] for r in rows)
    summary = {r[0]: r[1] for r in workbook["summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["contributions"] == len(expected)


def test_progress_is_reported_while_the_file_is_written(app, dataset, monkeypatch):
    reports = []
    monkeypatch.setattr(jobs, "progress", lambda percent, step: reports.append((percent, step)))
    monkeypatch.setattr(services, "BATCH", 2)
    original = services.iter_contribution_batches
    monkeypatch.setattr(services, "iter_contribution_batches",
                        lambda round_, secret, include_all=False, batch=2: original(round_, secret, include_all, batch))
    token = "ab" * 16
    rows = services.build_file(dataset.round.id, "csv", True, ",", token)
    assert rows == len(expected_rows(dataset.round, STATUSES)) == 8
    writes = [p for p, step in reports if step == "write"]
    assert len(writes) == 4 and writes == sorted(writes) and writes[-1] == 97
    assert reports[0] == (1, "count") and reports[-1] == (98, "save")
    assert services.file_path("csv", token).is_file()
    assert not list(services.export_dir().glob("*.part"))


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.STAKEHOLDER, Role.FACILITATOR, Role.MODERATOR])
def test_below_policy_analyst_cannot_see_or_download_a_job(app, client, dataset, login_as, auth, make_user, role):
    analyst = make_user(email="analist@example.org", roles=(Role.POLICY_ANALYST,))
    auth.login(analyst.email)
    job_id = start(client, dataset.round, "csv")
    jobs.run_pending(app)
    auth.logout()
    login_as(role)
    for path in ("", "/status", "/bestand"):
        assert client.get(f"/beheer/export/taken/{job_id}{path}").status_code == 403


def test_visitor_is_sent_to_log_in(app, client, dataset, login_as, auth):
    login_as(Role.POLICY_ANALYST)
    job_id = start(client, dataset.round, "csv")
    jobs.run_pending(app)
    auth.logout()
    response = client.get(f"/beheer/export/taken/{job_id}/bestand")
    assert response.status_code in (302, 401)
    assert response.status_code == 401 or "/account/inloggen" in response.headers["Location"]


def test_only_the_analyst_who_started_it_or_an_admin_downloads_the_file(app, client, dataset, auth, make_user):
    first = make_user(email="eerste@example.org", roles=(Role.POLICY_ANALYST,))
    other = make_user(email="tweede@example.org", roles=(Role.POLICY_ANALYST,))
    admin = make_user(email="admin.export@example.org", roles=(Role.ADMIN,))
    auth.login(first.email)
    job_id = start(client, dataset.round, "csv")
    jobs.run_pending(app)
    auth.logout()
    auth.login(other.email)
    for path in ("", "/status", "/bestand"):
        assert client.get(f"/beheer/export/taken/{job_id}{path}").status_code == 404
    auth.logout()
    auth.login(admin.email)
    assert client.get(f"/beheer/export/taken/{job_id}/bestand").status_code == 200


def test_a_job_of_another_kind_or_an_unknown_job_is_not_found(app, client, dataset, analyst):
    other = jobs.enqueue("participatie.summaries.tasks.summarise_round", dataset.round.id, None, kind="summary",
                         round_id=dataset.round.id, created_by=analyst)
    assert client.get(f"/beheer/export/taken/{other.id}/bestand").status_code == 404
    assert client.get("/beheer/export/taken/999999").status_code == 404


def test_the_download_only_serves_the_jobs_own_file(app, client, dataset, analyst):
    """A record whose token is not a plain random token (tampered) never reaches the file system."""
    job_id = start(client, dataset.round, "csv")
    jobs.run_pending(app)
    record = jobs.get_record(job_id)
    record.args = [dataset.round.id, "csv", False, ",", "../../secret_key"]
    db.session.commit()
    assert client.get(f"/beheer/export/taken/{job_id}/bestand").status_code == 404
    with pytest.raises(ValueError):
        services.file_path("csv", "../../secret_key")
    with pytest.raises(ValueError):
        services.file_path("pdf", "ab" * 16)


def test_files_expire_on_access_and_in_the_nightly_clean_up(app, client, dataset, analyst):
    first = start(client, dataset.round, "csv")
    jobs.run_pending(app)
    second = start(client, dataset.round, "xlsx")
    jobs.run_pending(app)
    stray = services.export_dir() / ("cd" * 16 + ".csv.part")
    stray.write_bytes(b"half")
    paths = {job_id: services.job_file(jobs.get_record(job_id)) for job_id in (first, second)}
    assert all(path is not None and path.is_file() for path in paths.values())

    # On access: a finished file older than EXPORT_FILE_HOURS is removed, and the page says so.
    record = jobs.get_record(first)
    record.finished_at = utcnow() - timedelta(hours=25)
    db.session.commit()
    assert client.get(f"/beheer/export/taken/{first}/bestand").status_code == 410
    assert not paths[first].exists() and jobs.get_record(first).step == services.EXPIRED
    page = client.get(f"/beheer/export/taken/{first}").get_data(as_text=True)
    assert "Dit bestand is verlopen en verwijderd" in page and "/bestand" not in page

    # Nightly: the other one once it is old enough, and stray parts of failed jobs.
    assert services.purge_expired() == 0
    assert paths[second].exists()
    import os
    old = (utcnow() - timedelta(hours=30)).timestamp()
    os.utime(stray, (old, old))
    assert services.purge_expired(now=utcnow() + timedelta(hours=25)) == 1
    assert not paths[second].exists() and not stray.exists()
    assert client.get(f"/beheer/export/taken/{second}/bestand").status_code == 410


def test_the_nightly_clean_up_is_a_recurring_job(app):
    from participatie.exports import tasks

    assert (services.PURGE_KEY, services.PURGE_FUNCTION, services.PURGE_HOUR) in jobs._RECURRING
    assert tasks.purge_expired() == 0


def test_a_failed_job_says_so_and_leaves_no_file(app, client, dataset, analyst, monkeypatch):
    def broken(round_, fmt, target, *args, **kwargs):
        target.write(b"half a file")
        raise services.ExportJobError("De ronde bestaat niet meer.")

    monkeypatch.setattr(services, "write_export", broken)
    job_id = start(client, dataset.round, "csv")
    jobs.run_pending(app)
    state = client.get(f"/beheer/export/taken/{job_id}/status").get_json()
    assert state["failed"] and state["error"] == "De ronde bestaat niet meer." and not state["download_url"]
    page = client.get(f"/beheer/export/taken/{job_id}").get_data(as_text=True)
    assert "Het maken van de export is mislukt" in page
    assert client.get(f"/beheer/export/taken/{job_id}/bestand").status_code == 404
    assert list(services.export_dir().iterdir()) == []


def test_small_exports_and_other_formats_stay_direct(app, client, dataset, analyst):
    app.config["EXPORT_JOB_THRESHOLD"] = 5  # the round has exactly 5 published contributions
    assert client.post(f"/beheer/export/{dataset.round.slug}", data={"format": "csv"}).status_code == 200
    app.config["EXPORT_JOB_THRESHOLD"] = 1
    for fmt in ("layers", "report_html"):
        assert client.post(f"/beheer/export/{dataset.round.slug}", data={"format": fmt}).status_code == 200
    assert not db.session.scalars(select(jobs.JobRecord)).all()


def test_no_email_address_in_job_files_pages_or_status(app, client, dataset, analyst):
    from participatie.accounts.models import User

    from .test_privacy import readable

    answers = {}
    for fmt in services.JOB_FORMATS:
        job_id = start(client, dataset.round, fmt, include_all="y")
        response = finished(app, client, job_id)
        answers[fmt] = readable(response.get_data(), response.mimetype)
        answers[f"{fmt} page"] = client.get(f"/beheer/export/taken/{job_id}").get_data(as_text=True)
        answers[f"{fmt} status"] = client.get(f"/beheer/export/taken/{job_id}/status").get_data(as_text=True)
    emails = list(db.session.scalars(select(User.email)))
    assert len(emails) >= 5
    for where, text in answers.items():
        for email in emails:
            assert email.lower() not in text.lower(), f"{email} in {where}"
