"""The demo data has the four theme sessions and the integral session of the solar-field round."""
from participatie import demo
from participatie.extensions import db
from participatie.maptable import services
from participatie.maptable.models import MapTableSession
from participatie.rounds import services as rounds


def test_demo_sessions(app):
    demo.load()
    round_ = rounds.get_round("kansenkaart-zonnevelden")
    sessions = services.sessions_of_round(round_)
    assert [s.theme for s in sessions] == ["landschap", "cultuurhistorie", "natuur", "landbouw", "integraal"]
    for s in sessions:
        assert {o.name for o in s.organisations} == {
            "LTO Noord", "Staatsbosbeheer", "Rijksdienst voor het Cultureel Erfgoed", "Het Utrechts Landschap"}
        assert services.feed(s)["items"], s.title
    assert [s.status for s in sessions] == ["afgerond"] * 4 + ["live"]
    assert services.session_by_code("KAART4").is_integral
    assert services.conflicts(round_)
    view = services.integral_view(round_)
    assert {i["session"] for i in view.items} >= {"Themasessie landschap", "Themasessie landbouw"}
    # Loading again adds nothing.
    before = db.session.query(MapTableSession).count()
    demo.load()
    assert db.session.query(MapTableSession).count() == before == 5
