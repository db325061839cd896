"""The leak scanner: every response the test suite makes (Flask test client and live server) is checked,
while it is made, for what its viewer must not see.

Scanned: responses to visitors and to logged-in people without a staff role, with a text body (HTML,
JSON, GeoJSON, CSV, XML, SVG, plain text; streamed ones when they finish). They must not contain
  - the e-mail address of any account other than the viewer's own;
  - the text of a contribution or reply that is not published (pending, hidden, rejected), the text a
    moderator redacted away (original_text), contact details of paper input, or a flag's note,
    unless the viewer wrote it.
Staff (facilitator and up) are not scanned: their pages show such things on purpose, by role.
What the request itself sent (a form shown again with its input) is no leak.

`install(app)` adds the after_request hook (tests/conftest.py's make_app does it for every test app);
`LEAKS` collects problems and the autouse fixture in tests/conftest.py fails the test that made them.
"""
import html
import json
import threading

from flask import request
from sqlalchemy import create_engine, select

LEAKS: list[str] = []
_LOCK = threading.Lock()
MIN_PROBE = 12  # shorter texts ("Ja", "Test") occur anywhere; they prove nothing
PROBE_LENGTH = 40
TEXT_TYPES = ("text/", "application/json", "application/geo+json", "application/xml", "image/svg+xml",
              "application/javascript", "application/schema+json", "application/vnd.oai.openapi")
# (table, text column, owner column, condition on the row) — used when the table and column exist.
SECRETS = [
    ("contribution", "text", "author_id", lambda t: t.c.status != "published"),
    ("reply", "text", "author_id", lambda t: t.c.status != "published"),
    ("contribution", "original_text", "author_id", lambda t: t.c.original_text.is_not(None)),
    ("reply", "original_text", "author_id", lambda t: t.c.original_text.is_not(None)),
    ("contribution", "contact_name", None, lambda t: t.c.contact_name.is_not(None)),
    ("contribution", "contact_details", None, lambda t: t.c.contact_details.is_not(None)),
    ("flag", "note", "user_id", lambda t: t.c.note != ""),
]
PUBLIC_TEXTS = [("contribution", "text"), ("reply", "text")]


def reset() -> list[str]:
    """Empty the list of problems; returns what it held."""
    with _LOCK:
        found = list(LEAKS)
        LEAKS.clear()
    return found


def install(app) -> None:
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql://", "postgresql+psycopg://", 1),
                           pool_size=2, max_overflow=-1, pool_pre_ping=True)
    app.extensions["leak_scanner_engine"] = engine

    @app.after_request
    def scan_for_leaks(response):
        try:
            _scan(app, engine, response)
        except Exception as exc:  # a broken scanner must not pass silently
            _report(f"{request.method} {request.full_path}: the leak scanner failed: {exc!r}")
        return response


def dispose(app) -> None:
    engine = app.extensions.pop("leak_scanner_engine", None)
    if engine is not None:
        engine.dispose()


def _report(message: str) -> None:
    with _LOCK:
        LEAKS.append(message)


def _probe(text: str | None) -> str | None:
    """The first line of a text, whitespace collapsed, cut to PROBE_LENGTH; None when too short to tell."""
    if not text:
        return None
    first = " ".join(text.strip().split("\n")[0].split())[:PROBE_LENGTH]
    return first if len(first) >= MIN_PROBE else None


def _viewer():
    """(user id or None, is staff) of the current request."""
    from flask_login import current_user

    from participatie.permissions import is_staff

    if not current_user.is_authenticated:
        return None, False
    return current_user.id, is_staff(current_user)


def _scan(app, engine, response) -> None:
    if request.endpoint in (None, "static") or response.direct_passthrough:
        return
    mimetype = response.mimetype or ""
    if not mimetype.startswith(TEXT_TYPES):
        return
    viewer_id, staff = _viewer()
    if staff:
        return
    tables = app.extensions["sqlalchemy"].metadata.tables if "sqlalchemy" in app.extensions else {}
    secrets = _secrets(engine, tables, viewer_id)
    if not secrets:
        return
    sent = " ".join(v for values in request.values.listvalues() for v in values).lower()
    secrets = [(kind, probe) for kind, probe in secrets if probe.lower() not in sent]
    where = f"{request.method} {request.full_path.rstrip('?')} (viewer {viewer_id or 'visitor'})"
    if response.is_streamed:
        response.response = _watch(response.response, lambda body: _check(body, mimetype, secrets, where))
    else:
        _check(response.get_data(as_text=True), mimetype, secrets, where)


def _secrets(engine, tables, viewer_id) -> list[tuple[str, str]]:
    """(what, probe) for everything this viewer must not see, as the database holds it now."""
    found = []
    with engine.connect() as conn:
        user = tables.get("user")
        if user is not None:
            for id_, email in conn.execute(select(user.c.id, user.c.email)):
                if id_ != viewer_id and email and "@" in email:
                    found.append(("e-mail address", email.lower()))
        public = set()
        for name, column in PUBLIC_TEXTS:
            table = tables.get(name)
            if table is not None and "status" in table.c:
                public.update(_probe(t) for t, in conn.execute(
                    select(table.c[column]).where(table.c.status == "published")))
        for name, column, owner, condition in SECRETS:
            table = tables.get(name)
            if table is None or column not in table.c:
                continue
            columns = [table.c[column]] + ([table.c[owner]] if owner else [])
            for row in conn.execute(select(*columns).where(condition(table))):
                probe = _probe(row[0])
                if probe and probe not in public and not (owner and viewer_id is not None and row[1] == viewer_id):
                    found.append((f"{name}.{column}", probe))
    return found


def _check(body: str, mimetype: str, secrets, where: str) -> None:
    if "json" in mimetype:
        try:
            body = json.dumps(json.loads(body), ensure_ascii=False)
        except ValueError:
            pass
    text = html.unescape(body)
    lowered = text.lower()
    for kind, probe in secrets:
        haystack = lowered if kind == "e-mail address" else text
        at = haystack.find(probe)
        if at >= 0:
            snippet = " ".join(text[max(0, at - 80): at + len(probe) + 80].split())
            _report(f"{where} shows {kind} {probe!r}: …{snippet}…")


def _watch(chunks, check):
    """Pass a streamed body through, and check it once it has been sent."""
    seen = []
    try:
        for chunk in chunks:
            seen.append(chunk.decode("utf-8", "replace") if isinstance(chunk, bytes) else chunk)
            yield chunk
        check("".join(seen))
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
