"""The leak scanner of tests/conftest.py (tests/security/leaks.py) finds what it must, and only that:
a page route made for this test shows secrets to different viewers."""
from flask import Response, jsonify, stream_with_context

from participatie.contributions import services as contributions
from participatie.contributions.models import HIDDEN
from participatie.extensions import db
from participatie.permissions import PUBLIC, Role, allow

from rounds.conftest import INSIDE

from . import leaks

SECRET = "Deze verborgen tekst mag niemand anders zien"


def test_the_scanner_catches_hidden_text_and_e_mail_addresses(make_app):
    app = make_app()
    shown = {}

    @allow(PUBLIC)
    def page():
        return f"<p>{shown['text']}</p>"

    @allow(PUBLIC)
    def api():
        return jsonify(text=shown["text"])

    @allow(PUBLIC)
    def csv():
        return Response(stream_with_context(iter(["id,tekst\n", f"1,{shown['text']}\n"])), mimetype="text/csv")

    app.add_url_rule("/test-lek", view_func=page)
    app.add_url_rule("/test-lek.json", view_func=api)
    app.add_url_rule("/test-lek.csv", view_func=csv)
    with app.app_context():
        from participatie.accounts.services import create_user
        from participatie.projects.models import Project
        from participatie.rounds import services as rounds

        from rounds.conftest import AREA, utc

        author = create_user(email="auteur@example.org", password="correct-horse-battery-9", display_name="Auteur",
                             roles=(Role.RESIDENT,), confirmed=True)
        create_user(email="ander@example.org", password="correct-horse-battery-9", display_name="Ander",
                            roles=(Role.RESIDENT,), confirmed=True)
        create_user(email="mod@example.org", password="correct-horse-battery-9", display_name="Mod",
                                roles=(Role.MODERATOR,), confirmed=True)
        project = Project(slug="p", title="P", status="published", area=AREA)
        db.session.add(project)
        round_ = rounds.create_round(project, slug="r", title="R", starts_at=utc(days=-1), ends_at=utc(days=9))
        made = contributions.create_contribution(round_, author, theme="natuur", text=SECRET, geometry=INSIDE)
        made.status = HIDDEN
        db.session.commit()

    def visit(path, who=None, **query):
        client = app.test_client()
        if who:
            client.post("/account/inloggen", data={"email": who, "password": "correct-horse-battery-9"})
        response = client.get(path, query_string=query)
        response.get_data()
        response.close()
        return leaks.reset()

    leaks.reset()
    shown["text"] = SECRET
    for path in ("/test-lek", "/test-lek.json", "/test-lek.csv"):
        found = visit(path)
        assert len(found) == 1 and "contribution.text" in found[0] and path in found[0], (path, found)
    assert visit("/test-lek", "ander@example.org")  # another resident
    assert not visit("/test-lek", "auteur@example.org")  # the author sees their own
    assert not visit("/test-lek", "mod@example.org")  # staff see it on purpose
    assert not visit("/test-lek", q=SECRET)  # what the request sent, shown again, is no leak

    shown["text"] = "Mail ons: Auteur@Example.org"
    found = visit("/test-lek")
    assert len(found) == 1 and "auteur@example.org" in found[0]
    assert not visit("/test-lek", "auteur@example.org")  # one's own address
    assert visit("/test-lek", "ander@example.org")
