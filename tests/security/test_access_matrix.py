"""The access matrix: every route of app.url_map × every role (visitor, resident, stakeholder,
facilitator, moderator, policy analyst, admin) against the one declared table in access_table.py.

- a route without an entry fails, naming the endpoint to add;
- the table must say the same as the view's own `@allow(...)` (permissions.access_of), so the two
  cannot drift apart;
- a visitor asking a protected page is sent to the login page (GET) or refused with 401 (POST);
- a logged-in person below the route's role gets 403;
- a person with the role (or a higher one) gets past the gate: never 401/403, and one of the
  statuses the table declares (so never a 500).
"""
import pytest

from participatie.contributions import services as contributions
from participatie.extensions import db
from participatie.permissions import PUBLIC, Role, access_of, has_role
from participatie.rounds.models import Round

from .access_table import ACCESS, DEFAULT_VALUES
from .access_world import APP_CONFIG, WORLD_POINT, build_world

VISITOR = "visitor"
ROLES = [VISITOR, *Role]
METHODS = ("GET", "POST")


@pytest.fixture
def app(make_app):
    app = make_app(**APP_CONFIG)
    with app.app_context():
        yield app


def routes(app):
    """(rule, method) for every route we serve, static files aside."""
    return [(rule, method) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
            for method in METHODS if method in rule.methods]


def test_every_route_has_an_entry_in_the_access_table(app):
    missing = sorted({rule.endpoint for rule, _ in routes(app)} - ACCESS.keys())
    assert not missing, (
        "These endpoints have no entry in tests/security/access_table.py ACCESS; add one line each, "
        "e.g. \"endpoint\": Entry(PUBLIC | Role.X, get=(200,), post=(400,)):\n  " + "\n  ".join(missing))


def test_the_table_says_what_the_views_declare(app):
    served = {rule.endpoint for rule, _ in routes(app)}
    stale = sorted(ACCESS.keys() - served)
    assert not stale, f"access_table.py names endpoints that no longer exist: {stale}"
    drift = [f"{endpoint}: table {ACCESS[endpoint].who!r}, view @allow({access_of(endpoint)!r})"
             for endpoint in sorted(served & ACCESS.keys()) if ACCESS[endpoint].who != access_of(endpoint)]
    assert not drift, "the table and the views' @allow declarations differ:\n  " + "\n  ".join(drift)


def test_every_view_declares_who_may_use_it(app):
    undeclared = sorted(e for e in app.view_functions if e != "static" and access_of(e) is None)
    assert not undeclared, f"views without @allow(...) (refused for everyone): {undeclared}"


def _path(rule, world: dict) -> str:
    values = {}
    entry = ACCESS[rule.endpoint]
    for name in rule.arguments:
        key = entry.values.get(name, DEFAULT_VALUES.get(name))
        assert key is not None, f"{rule.endpoint}: no value for <{name}>; add it to DEFAULT_VALUES or the entry"
        values[name] = world[key]
    built = rule.build(values, append_unknown=False)
    assert built is not None, f"{rule.endpoint}: cannot build {rule.rule} from {values}"
    return built[1]


def _expected(entry, role, method) -> tuple:
    """The statuses this role may get, and why (for the failure message)."""
    if entry.who == PUBLIC or (role != VISITOR and has_role(_Holder(role), entry.who)):
        return tuple(entry.statuses(method)), "allowed"
    if role == VISITOR:
        return ((302,) if method == "GET" else (401,)), "visitor: to the login page / 401"
    return (403,), "role too low"


def own_contribution(world, user) -> int:
    """A contribution of the logged-in person, for the routes only its author may use."""
    round_ = db.session.get(Round, world["round_id"])
    made = contributions.create_contribution(round_, user, theme=round_.themes[0], text="Mijn eigen inbreng",
                                             geometry={"type": "Point", "coordinates": WORLD_POINT})
    db.session.commit()
    return made.id


class _Holder:
    """Just enough of a user for has_role(): logged in, active, holding one role."""

    is_authenticated = True
    is_active = True

    def __init__(self, role):
        self.role_set = {role}


def _ordered(pairs):
    """GETs first, then POSTs, then routes that end the session (logout)."""
    return sorted(pairs, key=lambda p: (ACCESS[p[0].endpoint].last, p[1] != "GET", p[0].rule))


@pytest.mark.parametrize("role", ROLES, ids=[r if r == VISITOR else r.value for r in ROLES])
def test_access_matrix(app, client, auth, make_user, role):
    world = build_world(app)
    user = None
    if role != VISITOR:
        user = make_user(roles=(role,))
        assert auth.login(user.email).status_code == 302
        world["own_contribution_id"] = own_contribution(world, user)
    else:
        world["own_contribution_id"] = world["contribution_id"]
    pairs = [(rule, method) for rule, method in routes(app) if rule.endpoint in ACCESS]
    wrong = []
    for rule, method in _ordered(pairs):
        entry = ACCESS[rule.endpoint]
        path = _path(rule, world)
        try:
            response = client.open(path, method=method, data={} if method == "POST" else None)
        except Exception as exc:  # TESTING propagates errors: report them with the rest
            wrong.append(f"{method} {path} [{rule.endpoint}]: raised {exc!r}"[:400])
            continue
        expected, why = _expected(entry, role, method)
        response.get_data()  # read streamed bodies (CSV exports) to the end, inside this request
        response.close()
        status = response.status_code
        problem = None
        if status not in expected:
            problem = f"got {status}, expected {expected} ({why})"
        elif why == "allowed" and status in (401, 403):
            problem = f"got {status} although the role is allowed"
        elif why.startswith("visitor") and status == 302 and "/account/inloggen" not in response.location:
            problem = f"redirected to {response.location}, not to the login page"
        if problem:
            wrong.append(f"{method} {path} [{rule.endpoint}]: {problem}")
        if entry.last and user is not None:
            assert auth.login(user.email).status_code == 302
    name = role if role == VISITOR else role.value
    assert not wrong, f"{len(wrong)} routes answer {name} differently from tests/security/access_table.py:\n  " \
        + "\n  ".join(wrong)
