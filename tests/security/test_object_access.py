"""Object access beyond the role gate: nobody reads or acts on a pending, hidden or rejected contribution
by guessing its id, except its author (reading) and moderators; an id from another round is a 404 in
this round; `next` never leads to another site."""
import pytest

from participatie.contributions import services as contributions
from participatie.contributions.models import HIDDEN, PENDING, REJECTED, SUPPORT
from participatie.extensions import db
from participatie.permissions import Role

from rounds.conftest import INSIDE

SECRET = "Niet openbare inbreng over de weidevogels"


@pytest.fixture
def items(make_round, make_user):
    """A round with a pending, a hidden and a rejected contribution by one author; and a second round."""
    round_, other_round = make_round(), make_round()
    author = make_user()
    made = {}
    for status in (PENDING, HIDDEN, REJECTED):
        item = contributions.create_contribution(round_, author, theme="natuur", text=f"{SECRET} ({status})",
                                                 geometry=INSIDE)
        item.status = status
        made[status] = item.id
    published = contributions.create_contribution(other_round, author, theme="natuur", text="Openbaar elders",
                                                  geometry=INSIDE)
    db.session.commit()
    return {"round": round_.slug, "other": other_round.slug, "author": author, "ids": made,
            "elsewhere": published.id}


@pytest.mark.parametrize("who", [None, Role.RESIDENT, Role.STAKEHOLDER, Role.FACILITATOR])
def test_not_published_items_are_404_for_everyone_but_author_and_moderators(client, auth, make_user, items, who):
    if who is not None:
        auth.login(make_user(roles=(who,)).email)
    for status, id_ in items["ids"].items():
        base = f"/rondes/{items['round']}/inbreng/{id_}"
        assert client.get(base).status_code == 404, status
        assert client.get(base + "/foto").status_code == 404, status
        if who is not None:
            assert client.get(base + "/bewerken").status_code == 404, status
            assert client.post(base + "/bewerken", data={"text": "overgenomen"}).status_code == 404, status
            assert client.post(base + "/verwijderen").status_code == 404, status
            assert client.post(base + "/antwoord", data={"text": "hallo"}).status_code == 404, status
            assert client.post(base + "/stem", data={"waarde": SUPPORT}).status_code == 404, status
    listing = client.get(f"/rondes/{items['round']}/inbreng").get_data(as_text=True)
    assert SECRET not in listing
    features = client.get(f"/rondes/{items['round']}/inbreng.geojson", query_string={"bbox": "4,51,6,53"}).get_json()
    assert not {f["id"] for f in features["features"]} & set(items["ids"].values())


def test_the_author_and_moderators_do_see_them(client, auth, make_user, items):
    auth.login(items["author"].email)
    for id_ in items["ids"].values():
        assert client.get(f"/rondes/{items['round']}/inbreng/{id_}").status_code == 200
    auth.logout()
    auth.login(make_user(roles=(Role.MODERATOR,)).email)
    for id_ in items["ids"].values():
        assert client.get(f"/rondes/{items['round']}/inbreng/{id_}").status_code == 200


def test_an_id_from_another_round_is_404_here(client, auth, items):
    auth.login(items["author"].email)
    assert client.get(f"/rondes/{items['other']}/inbreng/{items['elsewhere']}").status_code == 200
    assert client.get(f"/rondes/{items['round']}/inbreng/{items['elsewhere']}").status_code == 404
    assert client.get(f"/rondes/{items['other']}/inbreng/{items['ids'][PENDING]}").status_code == 404


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "\\\\evil.example",
                                    "javascript:alert(1)"])
def test_next_never_leads_to_another_site(client, make_user, target):
    response = client.get("/taal/en", query_string={"next": target})
    assert response.status_code == 302 and response.location.startswith("/") and not response.location.startswith("//")
    user = make_user()
    response = client.post("/account/inloggen", query_string={"next": target},
                           data={"email": user.email, "password": "correct-horse-battery-9"})
    assert response.status_code == 302
    assert response.location.startswith("/") and not response.location.startswith(("//", "/\\"))
