"""Starting a summary, its job and progress (in-process queue), reuse, narrative, publishing,
who may see what, and the pages behind every figure."""
import re

import pytest

from participatie import jobs
from participatie.extensions import db
from participatie.permissions import Role
from participatie.summaries import services
from participatie.summaries.models import Summary

from .conftest import FAST, FULL


def start_and_run(client, app, slug="toets", theme=""):
    """Start a summary through the page and run the queued job; returns the job record."""
    response = client.post(f"/beheer/samenvattingen/ronde/{slug}/starten", data={"theme": theme})
    assert response.status_code == 302, response.data[:400]
    job_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    jobs.run_pending(app)
    db.session.expire_all()
    return db.session.get(jobs.JobRecord, job_id)


def test_start_watch_and_finish(app, client, auth, analyst, toets):
    auth.login(analyst.email)
    response = client.post("/beheer/samenvattingen/ronde/toets/starten", data={"theme": ""})
    job_url = response.headers["Location"]
    page = client.get(job_url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="0"' in html and "In de wachtrij" in html
    assert "Ververs" in html and "<noscript>" in html and "<script>" not in html.replace("<script src", "")
    status = client.get(job_url + "/status").get_json()
    assert (status["status"], status["progress"], status["finished"]) == ("queued", 0, False)

    assert jobs.run_pending(app) == 1
    status = client.get(job_url + "/status").get_json()
    assert (status["status"], status["progress"], status["finished"]) == ("finished", 100, True)
    record = db.session.get(jobs.JobRecord, status["id"])
    assert record.attempts == 1 and record.created_by_id == analyst.id and record.round_id == toets.round.id
    summary = db.session.get(Summary, record.result_id)
    assert status["summary_url"] == f"/rondes/toets/samenvattingen/{summary.id}"
    assert summary.is_draft and summary.contribution_count == 10 and summary.job_id == record.id

    page = client.get(status["summary_url"]).get_data(as_text=True)
    assert "Concept." in page and "Publiceren" in page
    assert re.search(r"Bijdragen</dt><dd><a href=\"[^\"]*groep=all\">10<", page)


def test_progress_moves_from_0_to_100_with_the_worker_thread(make_app, toets_factory):
    app = make_app(REDIS_URL=None, JOBS_STEP_DELAY=0.05, SUMMARY_PARAMETERS=FAST)
    with app.app_context():
        round_ = toets_factory().round
        record = services.start(round_, None)
        seen = [record.progress]
        import time

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            db.session.expire_all()
            record = db.session.get(jobs.JobRecord, record.id)
            seen.append(record.progress)
            if not record.is_active:
                break
            time.sleep(0.02)
        assert jobs._state().thread.daemon
        jobs.stop_worker(app)
        assert not jobs._state().thread.is_alive()
        assert record.status == jobs.FINISHED, record.error_detail
        assert seen[0] == 0 and seen[-1] == 100
        assert seen == sorted(seen)
        assert len(set(seen)) >= 4, seen  # steps in between were reported


def test_the_same_input_reuses_the_draft(app, client, auth, analyst, toets):
    auth.login(analyst.email)
    first = start_and_run(client, app)
    second = start_and_run(client, app)
    assert second.result_id == first.result_id
    assert db.session.scalar(db.select(db.func.count(Summary.id))) == 1
    assert second.status == "finished"


def test_new_input_makes_a_new_draft_and_keeps_the_narrative(app, client, auth, analyst, toets):
    auth.login(analyst.email)
    first = db.session.get(Summary, start_and_run(client, app).result_id)
    services.save_narrative(first, "<p>Onze lezing</p>")
    toets.c[11].status = "published"
    db.session.commit()
    second = db.session.get(Summary, start_and_run(client, app).result_id)
    db.session.refresh(first)
    assert second.id != first.id and second.contribution_count == 11
    assert first.status == "superseded" and second.narrative_html == "<p>Onze lezing</p>"


def test_double_start_gives_the_waiting_job(app, client, auth, analyst, toets):
    auth.login(analyst.email)
    one = client.post("/beheer/samenvattingen/ronde/toets/starten", data={"theme": ""}).headers["Location"]
    two = client.post("/beheer/samenvattingen/ronde/toets/starten", data={"theme": ""}).headers["Location"]
    other = client.post("/beheer/samenvattingen/ronde/toets/starten", data={"theme": "natuur"}).headers["Location"]
    assert one == two != other


def test_unknown_theme_is_refused(app, client, auth, analyst, toets):
    auth.login(analyst.email)
    response = client.post("/beheer/samenvattingen/ronde/toets/starten", data={"theme": "ruimtevaart"})
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count(jobs.JobRecord.id))) == 0


def test_failure_is_shown_in_plain_words_and_can_be_tried_again(app, client, auth, analyst, toets, monkeypatch):
    auth.login(analyst.email)

    def broken(*args, **kwargs):
        raise RuntimeError("kapotte schijf")

    monkeypatch.setattr(services, "compute", broken)
    record = start_and_run(client, app)
    # One retry (JOBS_RETRY_INTERVALS = [0]) ran in the same burst, then it failed for good.
    assert (record.status, record.attempts) == ("failed", 2)
    assert record.error == "Er ging iets mis bij het uitvoeren van de taak."
    assert "RuntimeError: kapotte schijf" in record.error_detail
    assert db.session.scalar(db.select(db.func.count(Summary.id))) == 0
    page = client.get(f"/beheer/samenvattingen/taken/{record.id}").get_data(as_text=True)
    assert "Het maken van de samenvatting is mislukt" in page and "Probeer opnieuw" in page
    assert "kapotte schijf" in page  # under "Technische details"
    assert client.get(f"/beheer/samenvattingen/taken/{record.id}/status").get_json()["failed"] is True

    monkeypatch.undo()
    response = client.post(f"/beheer/samenvattingen/taken/{record.id}/opnieuw")
    new_id = int(response.headers["Location"].split("/")[-1])
    assert new_id != record.id
    jobs.run_pending(app)
    assert db.session.get(jobs.JobRecord, new_id).status == "finished"


def test_a_job_that_takes_too_long_is_stopped(app, toets, monkeypatch):
    import time

    app.config["JOBS_TIMEOUT"] = 1
    app.config["JOBS_RETRY_INTERVALS"] = [0]

    def slow(*args, **kwargs):
        for _ in range(300):
            time.sleep(0.01)

    monkeypatch.setattr(services, "compute", slow)
    record = services.start(toets.round, None)
    jobs.run_pending(app)
    db.session.expire_all()
    record = db.session.get(jobs.JobRecord, record.id)
    assert record.status == "failed" and record.error == "De taak duurde te lang en is afgebroken."


def test_queue_unavailable_is_said_and_input_still_works(make_app, toets_factory, make_user):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0", SUMMARY_PARAMETERS=FAST)
    with app.app_context():
        round_ = toets_factory().round
        analyst = make_user(roles=(Role.POLICY_ANALYST,))
        resident = make_user()
        client = app.test_client()
        client.post("/account/inloggen", data={"email": analyst.email, "password": "correct-horse-battery-9"})
        response = client.post(f"/beheer/samenvattingen/ronde/{round_.slug}/starten", data={"theme": ""})
        assert response.status_code == 503
        assert "De wachtrij is niet bereikbaar" in response.get_data(as_text=True)
        assert db.session.scalar(db.select(db.func.count(jobs.JobRecord.id))) == 0
        client.post("/account/uitloggen")
        client.post("/account/inloggen", data={"email": resident.email, "password": "correct-horse-battery-9"})
        response = client.post(f"/rondes/{round_.slug}/inbreng/nieuw", data={
            "theme": "natuur", "text": "Het werkt ook zonder wachtrij.",
            "geometry": '{"type": "Point", "coordinates": [5.12, 52.09]}'})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        assert client.get("/healthz").get_json()["status"] == "degraded"


@pytest.mark.parametrize("role, status", [(None, 302), (Role.RESIDENT, 403), (Role.FACILITATOR, 403),
                                          (Role.MODERATOR, 200), (Role.POLICY_ANALYST, 200), (Role.ADMIN, 200)])
def test_who_may_run_summaries(client, login_as, toets, role, status):
    if role:
        login_as(role)
    assert client.get("/beheer/samenvattingen").status_code == status
    assert client.get("/beheer/samenvattingen/ronde/toets").status_code == status


def test_narrative_is_cleaned_and_publishing_fixes_the_version(app, client, auth, analyst, toets):
    auth.login(analyst.email)
    summary_id = start_and_run(client, app).result_id
    url = f"/rondes/toets/samenvattingen/{summary_id}"
    response = client.post(url + "/tekst", data={"narrative": "<p>Veel <strong>steun</strong></p><script>x()</script>"})
    assert response.status_code == 302
    assert db.session.get(Summary, summary_id).narrative_html == "<p>Veel <strong>steun</strong></p>"
    assert client.post(url + "/publiceren", data={}).status_code == 400
    response = client.post(url + "/publiceren", data={"visibility": "team"})
    assert response.status_code == 302
    summary = db.session.get(Summary, summary_id)
    assert (summary.status, summary.visibility, summary.version) == ("published", "team", 1)
    # A published version is fixed.
    assert client.post(url + "/tekst", data={"narrative": "anders"}).status_code == 302
    assert db.session.get(Summary, summary_id).narrative_html == "<p>Veel <strong>steun</strong></p>"
    assert client.post(url + "/publiceren", data={"visibility": "public"}).status_code == 302
    assert db.session.get(Summary, summary_id).visibility == "team"
    # For the team only: visitors are sent to log in, the round page has no link.
    auth.logout()
    assert client.get(url).status_code == 302
    assert "Samenvatting</a>" not in client.get("/rondes/toets").get_data(as_text=True)


def test_public_summary_is_on_the_round_page_for_everyone(app, client, auth, analyst, toets):
    app.config["SUMMARY_PARAMETERS"] = FULL
    auth.login(analyst.email)
    summary_id = start_and_run(client, app).result_id
    client.post(f"/rondes/toets/samenvattingen/{summary_id}/publiceren", data={"visibility": "public"})
    auth.logout()
    round_page = client.get("/rondes/toets").get_data(as_text=True)
    assert f'href="/rondes/toets/samenvattingen/{summary_id}">Samenvatting</a>' in round_page
    assert client.get("/rondes/toets/samenvatting").headers["Location"].endswith(f"/samenvattingen/{summary_id}")
    page = client.get(f"/rondes/toets/samenvattingen/{summary_id}").get_data(as_text=True)
    assert "Versie 1" in page and "Publiceren</h2>" not in page and "fietspad" in page
    chart = client.get(f"/rondes/toets/samenvattingen/{summary_id}/grafieken/per-thema.svg")
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
    assert "style-src 'unsafe-inline'" in chart.headers["Content-Security-Policy"]
    assert client.get("/samenvattingen/methode").status_code == 200


def test_every_figure_links_to_its_contributions(app, client, auth, analyst, toets):
    auth.login(analyst.email)
    summary_id = start_and_run(client, app).result_id
    base = f"/rondes/toets/samenvattingen/{summary_id}"
    page = client.get(base).get_data(as_text=True)
    links = set(re.findall(r'href="(/rondes/toets/samenvattingen/\d+/inbreng\?groep=[^"]+)"', page))
    assert any("groep=hotspot:1" in link for link in links)
    assert any("groep=keyword:fietspad" in link for link in links)
    assert any(f"groep=zone:{toets.zones['A'].id}" in link for link in links)
    for link in links:
        assert client.get(link.replace("&amp;", "&")).status_code == 200, link

    hotspot = client.get(base + "/inbreng?groep=hotspot:1").get_data(as_text=True)
    assert "Inbreng: Hotspot 1" in hotspot
    assert sorted(int(i) for i in re.findall(r'id="inbreng-(\d+)"', hotspot)) == toets.ids(1, 2, 3, 4, 5, 6)
    assert client.get(base + "/inbreng?groep=bestaat-niet").status_code == 404

    # Hidden later by a moderator: keeps its place in the list, but no longer shows its text.
    client.post(base + "/publiceren", data={"visibility": "public"})
    toets.c[2].status = "hidden"
    db.session.commit()
    auth.logout()
    hotspot = client.get(base + "/inbreng?groep=hotspot:1").get_data(as_text=True)
    assert f"Bijdrage {toets.c[2].id} is niet meer openbaar." in hotspot
    assert toets.c[2].text not in hotspot


def test_nightly_refresh_queues_drafts_of_open_rounds(app, toets):
    from participatie.summaries import tasks

    services.summarise(toets.round.id)
    queued = tasks.refresh_open_rounds()
    assert len(queued) == 1
    scheduled = jobs.schedule_recurring()
    # Other domains register nightly jobs too (retention, exports, notifications): find ours.
    assert any(job_id.startswith("recurring-summaries-refresh-") for job_id in scheduled)
    jobs.run_pending(app)
    assert db.session.get(jobs.JobRecord, queued[0]).status == "finished"


def test_a_job_of_a_process_that_died_is_taken_over(app, toets):
    record = jobs.JobRecord(rq_id="lost-job", kind=services.JOB_KIND, func=services.JOB_FUNCTION,
                            args=[toets.round.id, None], round_id=toets.round.id, status="started", attempts=1,
                            owner="nowhere-but-here:999999999:dead")
    import socket

    record.owner = f"{socket.gethostname()}:999999999:dead"
    db.session.add(record)
    db.session.commit()
    assert jobs.recover_lost_jobs() == 1
    jobs.run_pending(app)
    db.session.expire_all()
    record = db.session.get(jobs.JobRecord, record.id)
    assert record.status == "finished" and record.attempts == 2 and record.result_id
