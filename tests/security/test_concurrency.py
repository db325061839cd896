"""Concurrency: many people voting on one contribution at the same moment, and one form sent many
times at once. Every request runs in its own thread with its own app context (so its own database
connection), as under gunicorn with threads or several workers. Runs on SQLite and PostgreSQL."""
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from participatie.contributions import services as contributions
from participatie.contributions.models import SUPPORT, Contribution, Vote
from participatie.extensions import db

from rounds.conftest import INSIDE

VOTERS = 40
THREADS = 50  # 40 people, 10 of them voting from two tabs at once
SUBMISSIONS = 20


def form_key(html: str) -> str | None:
    """The value of the form's hidden submission_key field."""
    tag = re.search(r'<input[^>]*name="submission_key"[^>]*>', html)
    value = re.search(r'value="([^"]+)"', tag.group(0)) if tag else None
    return value.group(1) if value else None


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def run_together(count: int, work):
    """Run work(i) in `count` threads that start at the same moment (a barrier); return results in order."""
    barrier = threading.Barrier(count, timeout=60)

    def start(i):
        barrier.wait()
        return work(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(start, range(count)))


@pytest.fixture
def contribution(open_round, make_user):
    made = contributions.create_contribution(open_round, make_user(), theme="natuur", text="Weidevogels",
                                             geometry=INSIDE)
    db.session.commit()
    return made


def test_fifty_simultaneous_votes_count_each_voter_once(app, open_round, contribution, make_user, auth, client):
    cookies = []
    for _ in range(VOTERS):
        auth.login(make_user().email)
        cookies.append(session_cookie(client))
        auth.logout()
        client.delete_cookie("session")
    url = f"/rondes/{open_round.slug}/inbreng/{contribution.id}/stem"

    def vote(i):
        voter = app.test_client()
        voter.set_cookie("session", cookies[i % VOTERS])
        return voter.post(url, data={"waarde": SUPPORT}).status_code

    statuses = run_together(THREADS, vote)
    assert statuses == [302] * THREADS, statuses
    db.session.expire_all()
    counted = db.session.scalar(select(func.count()).select_from(Vote).where(Vote.contribution_id == contribution.id))
    voters = db.session.scalar(select(func.count(func.distinct(Vote.user_id))).where(
        Vote.contribution_id == contribution.id))
    assert counted == voters == VOTERS
    detail = contributions.contribution_detail(open_round, contribution.id)
    assert (detail.row.counts.support, detail.row.counts.objection) == (VOTERS, 0)


def test_twenty_parallel_submissions_of_one_form_make_one_contribution(app, open_round, login_as, client):
    author = login_as()
    form_page = client.get(f"/rondes/{open_round.slug}/inbreng/nieuw")
    assert form_page.status_code == 200
    key = form_key(form_page.get_data(as_text=True))
    assert key, "the contribution form carries a hidden submission key"
    cookie = session_cookie(client)
    text = "Twintig keer verstuurd, één keer bedoeld"
    form = {"submission_key": key, "theme": "natuur", "text": text,
            "geometry": '{"type": "Point", "coordinates": [5.12, 52.09]}'}

    def submit(_i):
        sender = app.test_client()
        sender.set_cookie("session", cookie)
        response = sender.post(f"/rondes/{open_round.slug}/inbreng/nieuw", data=form)
        return response.status_code, response.headers.get("Location")

    results = run_together(SUBMISSIONS, submit)
    assert {status for status, _ in results} == {302}, results
    db.session.expire_all()
    made = db.session.scalars(select(Contribution).where(Contribution.author_id == author.id)).all()
    assert len(made) == 1
    assert made[0].text == text
    assert {location for _, location in results} == {f"/rondes/{open_round.slug}/inbreng/{made[0].id}"}


def test_the_same_key_again_returns_the_first_contribution(open_round, make_user):
    author, other = make_user(), make_user()
    key = contributions.new_submission_key()
    first = contributions.create_contribution(open_round, author, theme="natuur", text="Eén", geometry=INSIDE,
                                              submission_key=key)
    db.session.commit()
    again = contributions.create_contribution(open_round, author, theme="natuur", text="Eén", geometry=INSIDE,
                                              submission_key=key)
    assert again.id == first.id
    # Someone else sending that key (copied, guessed) gets a contribution of their own, not the author's.
    theirs = contributions.create_contribution(open_round, other, theme="natuur", text="Twee", geometry=INSIDE,
                                               submission_key=key)
    db.session.commit()
    assert theirs.id != first.id and theirs.author_id == other.id and theirs.submission_key is None
    # Without a key, or with a malformed one, every submission is its own contribution.
    plain = [contributions.create_contribution(open_round, author, theme="natuur", text="Drie", geometry=INSIDE,
                                               submission_key=value).id for value in (None, "kort", "<x>" * 10)]
    assert len(set(plain)) == 3


def test_each_shown_form_has_its_own_key(open_round, login_as, client):
    login_as()
    keys = {form_key(client.get(f"/rondes/{open_round.slug}/inbreng/nieuw").get_data(as_text=True)) for _ in range(3)}
    assert len(keys) == 3 and None not in keys
