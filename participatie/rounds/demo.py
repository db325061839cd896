"""Demo rounds and bulk contributions.

`load_demo_rounds()` adds the round "kansenkaart-zonnevelden" (an opportunity-zones layer over
Provincie Utrecht in two versions, a few hundred contributions, replies and votes) to the demo project
"Kansenkaart zonnevelden", and a round on cycle routes to "Groene fietsroutes" when that project exists.
`generate_contributions()` writes realistic published contributions with votes and replies in bulk,
for benchmarks (`flask generate-contributions`). Both are deterministic for a given seed.
"""
import logging
import math
import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import numpy as np
import shapely
from shapely.geometry import Point, Polygon, shape
from sqlalchemy import select

from ..accounts.models import User, UserRole, utcnow
from ..contributions.models import (
    OBJECTION,
    PENDING,
    PLACE_MAP,
    PUBLISHED,
    SUPPORT,
    Contribution,
    Reply,
    Vote,
)
from ..extensions import db
from ..permissions import Role
from ..projects.models import Project
from . import geo
from . import services as rounds
from .models import Round
from .places import MUNICIPALITIES

log = logging.getLogger(__name__)

ZONNEVELDEN_PROJECT = "kansenkaart-zonnevelden"
ZONNEVELDEN_ROUND = "kansenkaart-zonnevelden"
FIETSROUTES_PROJECT = "groene-fietsroutes"
FIETSROUTES_ROUND = "groene-fietsroutes"
GENERATED_EMAIL = "gegenereerd-{n:05d}@example.invalid"
# Accounts made for demo input and benchmarks cannot log in: no password hash matches this.
UNUSABLE_PASSWORD = "!"

# --- texts ------------------------------------------------------------------------------------------

_OBSERVATIONS = {
    "landschap": [
        "Vanaf de dijk bij {plaats} kijk je nu nog kilometers ver over open polders.",
        "Dit is een van de laatste plekken rond {plaats} waar het landschap echt open is.",
        "Het slagenlandschap rond {plaats} met de lange smalle kavels is kenmerkend voor deze streek.",
        "Een zonneveld langs de snelweg valt hier veel minder op dan midden in de polder.",
        "De houtwallen en bomenrijen hier geven het gebied zijn karakter.",
        "Vanaf het fietspad zie je hier de Utrechtse Heuvelrug liggen; dat uitzicht is veel waard.",
        "Tussen {plaats} en de rivier ligt een prachtig stuk uiterwaard.",
        "Hier staan al hoogspanningsmasten en een bedrijventerrein, het landschap is al aangetast.",
    ],
    "cultuurhistorie": [
        "Hier ligt een deel van de Nieuwe Hollandse Waterlinie; dat verdient bescherming.",
        "De oude verkaveling rond {plaats} stamt nog uit de middeleeuwen.",
        "Langs deze weg staan monumentale boerderijen met de typische Utrechtse dwarshuizen.",
        "In de grond zitten hier mogelijk resten van de Romeinse Limes.",
        "Het fort en de inundatievlakte horen bij elkaar; een zonneveld ertussen verstoort dat beeld.",
        "De kaden en wetering hier zijn eeuwenoud en nog goed te herkennen.",
        "Bij {plaats} ligt een oude buitenplaats met een zichtas die je hier goed ziet.",
    ],
    "natuur": [
        "In deze weilanden broeden elk voorjaar grutto's en kieviten.",
        "Hier foerageren in de winter ganzen en zwanen.",
        "De sloten hier zijn rijk aan waterplanten en libellen.",
        "Dit stuk grenst aan het Natuurnetwerk Nederland.",
        "Ik zie hier bij {plaats} regelmatig reeën en hazen oversteken.",
        "Langs deze bosrand jagen 's avonds vleermuizen.",
        "Deze akker is nu vrij kaal; een zonneveld met bloemrijke randen kan de natuur hier juist helpen.",
    ],
    "landbouw": [
        "Dit is goede landbouwgrond; het zou zonde zijn die kwijt te raken.",
        "Als melkveehouder bij {plaats} heb ik deze percelen nodig voor het voer van mijn koeien.",
        "Door de bodemdaling wordt boeren op het veen hier steeds lastiger.",
        "De grondprijzen stijgen al; zonnevelden maken grond nog duurder voor jonge boeren.",
        "Op dit perceel staat vaak water; voor akkerbouw is het minder geschikt.",
        "Hier liggen veel fruitboomgaarden, die horen bij het gebied rond {plaats}.",
    ],
    "veiligheid": [
        "Op deze weg rijden auto's hard en is er geen vrij fietspad.",
        "De oversteek bij {plaats} is gevaarlijk, vooral voor schoolkinderen.",
        "Hier is het 's avonds erg donker op het fietspad.",
        "Bij deze rotonde gaat het vaak bijna mis met afslaande vrachtwagens.",
    ],
    "groen": [
        "Deze route loopt langs een mooie laan met oude eiken.",
        "Een fietspad door de uiterwaarden bij {plaats} zou prachtig zijn.",
        "Hier mis ik bomen langs het fietspad; in de zomer is het erg heet.",
        "Langs deze wetering kan een groene fietsverbinding komen.",
    ],
    "recreatie": [
        "In het weekend fietsen hier veel mensen naar de Heuvelrug.",
        "Een knooppunt met een bankje en een kaart zou hier welkom zijn.",
        "Vanaf {plaats} is er geen goede route naar de plassen.",
        "Deze route wordt veel gebruikt door wielrenners en gezinnen tegelijk.",
    ],
    "woon-werk": [
        "Ik fiets dagelijks van {plaats} naar Utrecht; deze route is het snelst.",
        "Een snelfietsroute hier zou veel automobilisten op de fiets krijgen.",
        "Het fietspad houdt hier ineens op, dan moet je over de provinciale weg.",
        "Bij het station van {plaats} is te weinig ruimte om de fiets te stallen.",
    ],
}
_SUGGESTIONS = {
    "landschap": [
        "Zorg voor een brede haag of bomenrij rondom, dan zie je de panelen nauwelijks.",
        "Houd de zichtlijnen naar de kerktoren vrij.",
        "Kies hier liever voor kleinere velden die passen bij de maat van de percelen.",
        "Leg zonnevelden eerst langs snelwegen en bedrijventerreinen.",
    ],
    "cultuurhistorie": [
        "Betrek de historische vereniging van {plaats} bij het ontwerp.",
        "Laat eerst archeologisch onderzoek doen voordat hier iets gebouwd wordt.",
        "Houd de kavelsloten en kaden intact.",
        "Sluit dit gebied uit op de kansenkaart.",
    ],
    "natuur": [
        "Laat ruimte tussen de panelenrijen zodat er bloemen en kruiden kunnen groeien.",
        "Maak openingen in het hek zodat dieren erdoor kunnen.",
        "Combineer het zonneveld met een natuurvriendelijke oever.",
        "Geen zonnevelden in weidevogelgebied, maar wel op daken van bedrijfshallen.",
    ],
    "landbouw": [
        "Leg panelen eerst op staldaken voordat er landbouwgrond af gaat.",
        "Laat schapen tussen de panelen grazen, dan blijft het ook landbouwgrond.",
        "Geef boeren zelf de kans om mee te doen en mee te verdienen.",
        "Maak afspraken over het terugbrengen van de grond na 25 jaar.",
    ],
    "veiligheid": [
        "Maak hier een vrijliggend fietspad.",
        "Een fietstunnel of -brug zou dit veel veiliger maken.",
        "Zet hier verlichting die dieren niet stoort.",
    ],
    "groen": [
        "Plant bomen langs de route en maak de bermen bloemrijk.",
        "Laat de route aansluiten op de wandelpaden in het bos.",
    ],
    "recreatie": [
        "Zet hier een rustpunt met water en een oplaadpunt voor e-bikes.",
        "Maak de route onderdeel van het knooppuntennetwerk.",
    ],
    "woon-werk": [
        "Maak de route breder, zodat snelle en langzame fietsers elkaar kunnen passeren.",
        "Geef fietsers hier voorrang op de kruising.",
    ],
}
_GENERIC_OBSERVATIONS = [
    "Ik kom hier bijna elke dag langs.",
    "Deze plek bij {plaats} is belangrijk voor veel mensen uit de buurt.",
    "Hier zie ik kansen, maar ook zorgen.",
]
_GENERIC_SUGGESTIONS = [
    "Graag hoor ik wat de provincie hiermee doet.",
    "Betrek de bewoners van {plaats} op tijd bij de plannen.",
]
_CLOSINGS = [
    "", "", "", "Ik denk graag mee in een vervolgbijeenkomst.", "Graag hoor ik wat de provincie hiermee doet.",
    "Ik woon hier al dertig jaar en ken het gebied goed.", "Namens een aantal buren.",
]
REPLY_TEXTS = [
    "Helemaal mee eens.",
    "Goed punt, dat speelt bij ons in de buurt ook.",
    "Dat zie ik anders: juist hier kan een zonneveld goed passen als het netjes wordt ingepast.",
    "Weet iemand of hier al onderzoek naar is gedaan?",
    "Ik fiets hier vaak langs en herken dit.",
    "Mooi voorstel. Dan wel met afspraken over onderhoud.",
    "Zou een kleiner veld hier een oplossing zijn?",
    "Eens, en vergeet de bewoners van de boerderijen aan de weg niet.",
]
FIRST_NAMES = [
    "Anouk", "Bas", "Carla", "Daan", "Els", "Fatima", "Gert", "Hanneke", "Ilse", "Jeroen", "Kees", "Lotte",
    "Mohamed", "Nadia", "Otto", "Priya", "Ruud", "Sanne", "Tom", "Umut", "Vera", "Wim", "Yara", "Zeynep",
]


def contribution_text(rng: random.Random, theme: str, place: str) -> str:
    """A plausible Dutch contribution for a theme, mentioning the place."""
    place = place or "het dorp"
    observations = _OBSERVATIONS.get(theme, _GENERIC_OBSERVATIONS)
    suggestions = _SUGGESTIONS.get(theme, _GENERIC_SUGGESTIONS)
    parts = [rng.choice(observations), rng.choice(suggestions), rng.choice(_CLOSINGS)]
    return " ".join(p for p in parts if p).format(plaats=place)


# --- places -----------------------------------------------------------------------------------------

def _sample_points(rng: np.random.Generator, area, count: int) -> np.ndarray:
    """`count` random (lon, lat) points inside `area` (rejection sampling, vectorised)."""
    min_lon, min_lat, max_lon, max_lat = area.bounds
    shapely.prepare(area)
    found = []
    total = 0
    while total < count:
        n = max(1000, int((count - total) * 2.5))
        xs = rng.uniform(min_lon, max_lon, n)
        ys = rng.uniform(min_lat, max_lat, n)
        inside = shapely.contains_xy(area, xs, ys)
        chunk = np.column_stack([xs[inside], ys[inside]])
        found.append(chunk)
        total += len(chunk)
    return np.round(np.concatenate(found)[:count], geo.DECIMALS)


def _small_shape(rng: random.Random, lon: float, lat: float, kind: str):
    """A short line or small area (a few hundred metres) around a point."""
    scale = rng.uniform(0.002, 0.012)
    if kind == "line":
        points, angle = [], rng.uniform(0, math.pi)
        for i in range(rng.randint(2, 4)):
            d = (i - 1) * scale
            points.append((round(lon + d * math.cos(angle) / 0.615, 7), round(lat + d * math.sin(angle), 7)))
            angle += rng.uniform(-0.6, 0.6)
        return shapely.LineString(points)
    corners = rng.randint(4, 6)
    start = rng.uniform(0, math.pi)
    ring = [
        (round(lon + scale * rng.uniform(0.6, 1.0) * math.cos(start + 2 * math.pi * i / corners) / 0.615, 7),
         round(lat + scale * rng.uniform(0.6, 1.0) * math.sin(start + 2 * math.pi * i / corners), 7))
        for i in range(corners)
    ]
    return Polygon(ring)  # star-shaped around its centre, so never self-intersecting


def _nearest_names(points: np.ndarray) -> list[str]:
    lons = np.array([p.lon for p in MUNICIPALITIES])
    lats = np.array([p.lat for p in MUNICIPALITIES])
    dx = (points[:, 0:1] - lons[None, :]) * 0.615
    dy = points[:, 1:2] - lats[None, :]
    distance = np.hypot(dx, dy)
    nearest = distance.argmin(axis=1)
    names = [MUNICIPALITIES[i].name for i in nearest]
    return [name if distance[row, idx] < 0.15 else "" for row, (idx, name) in enumerate(zip(nearest, names))]


def _insert_returning_ids(model, rows: list[dict]) -> list[int]:
    """Insert many rows with Core and return their new ids in the order of `rows`. (The ORM's bulk
    path is far slower, and with RETURNING SQLAlchemy sends a thousand rows per statement, also on
    PostgreSQL, where a plain executemany would send them one by one.)"""
    table = model.__table__
    return list(db.session.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True), rows)
                .scalars())


# --- accounts for generated input -------------------------------------------------------------------

def generated_users(count: int) -> list[int]:
    """Ids of `count` resident accounts for generated input, made (in bulk) when missing.
    They cannot log in (unusable password) and use the reserved .invalid mail domain."""
    pattern = GENERATED_EMAIL.replace("{n:05d}", "%")
    existing = dict(db.session.execute(select(User.email, User.id).where(User.email.like(pattern))).all())
    missing = [n for n in range(1, count + 1) if GENERATED_EMAIL.format(n=n) not in existing]
    if missing:
        now = utcnow()
        rows = [{
            "email": GENERATED_EMAIL.format(n=n), "password_hash": UNUSABLE_PASSWORD, "confirmed_at": now,
            "active": True, "session_version": 1, "created_at": now,
            "display_name": f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {chr(65 + n * 7 % 26)}.",
        } for n in missing]
        ids = _insert_returning_ids(User, rows)
        db.session.execute(UserRole.__table__.insert(), [{"user_id": i, "role": Role.RESIDENT.value} for i in ids])
        existing.update(zip((row["email"] for row in rows), ids))
    wanted = [GENERATED_EMAIL.format(n=n) for n in range(1, count + 1)]
    return [existing[email] for email in wanted]


# --- bulk contributions -----------------------------------------------------------------------------

@dataclass
class Generated:
    contributions: int
    votes: int
    replies: int


def generate_contributions(round_: Round, count: int, seed: int = 2026, authors: list[int] | None = None,
                           voters: list[int] | None = None, now: datetime | None = None, status: str = PUBLISHED,
                           reply_share: float = 0.2, vote_weights=(35, 20, 15, 10, 8, 5, 4, 3)) -> Generated:
    """Write `count` realistic contributions with votes and replies into a round, in bulk.

    Places lie inside the round's area (drawn kinds as the round allows), themes are the round's,
    texts are Dutch, times spread over the round so far. `authors` and `voters` (who also reply) are
    user ids (default: generated accounts). Returns how much was written; the caller commits."""
    now = now or utcnow()
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    area = geo.area_shape(rounds.round_area(round_)) or shape(geo.utrecht_outline())
    voters = voters or generated_users(max(20, min(400, count // 10 + 20)))
    authors = authors or voters
    zones = [(z.id, shape(z.geometry)) for z in rounds.current_zones(round_)]
    points = _sample_points(nprng, area, count)
    names = _nearest_names(points)
    zone_ids: list = [None] * count
    for zone_id, zone_shape in zones:
        shapely.prepare(zone_shape)
        inside = shapely.contains_xy(zone_shape, points[:, 0], points[:, 1])
        for i in np.flatnonzero(inside):
            if zone_ids[i] is None:
                zone_ids[i] = zone_id
    kinds = [k for k in ("point", "line", "area") if k in round_.allowed_geometries] or ["point"]
    kind_weights = {"point": 80, "line": 12, "area": 8}
    start = max(round_.starts_at, now - timedelta(days=60))
    end = min(now, round_.ends_at)
    span = max(60.0, (end - start).total_seconds())

    rows = []
    for i in range(count):
        lon, lat = float(points[i, 0]), float(points[i, 1])
        kind = rng.choices(kinds, [kind_weights[k] for k in kinds])[0]
        geom = Point(lon, lat) if kind == "point" else _small_shape(rng, lon, lat, kind)
        if kind != "point" and not (geom.is_valid and area.covers(geom)):
            kind, geom = ("point", Point(lon, lat)) if "point" in kinds else (kind, geom)
        theme = rng.choice(round_.themes)
        created = start + timedelta(seconds=rng.uniform(0, span))
        min_lon, min_lat, max_lon, max_lat = geo.bbox(geom)
        rows.append({
            "round_id": round_.id, "author_id": rng.choice(authors), "theme": theme,
            "text": contribution_text(rng, theme, names[i]), "geometry": geo.to_geojson(geom),
            "geometry_type": kind, "min_lon": min_lon, "min_lat": min_lat, "max_lon": max_lon, "max_lat": max_lat,
            "place_source": PLACE_MAP, "zone_id": zone_ids[i], "place_label": names[i], "status": status,
            "channel": "web", "has_photo": False, "created_at": created, "updated_at": created,
        })
    ids = _insert_returning_ids(Contribution, rows)

    votes, replies = [], []
    for contribution_id, row in zip(ids, rows):
        k = rng.choices(range(len(vote_weights)), vote_weights)[0]
        for voter in rng.sample(voters, min(k, len(voters))):
            when = row["created_at"] + timedelta(minutes=rng.randint(5, 5000))
            when = min(when, now)
            votes.append({"round_id": round_.id, "user_id": voter, "contribution_id": contribution_id,
                          "value": SUPPORT if rng.random() < 0.7 else OBJECTION, "created_at": when,
                          "updated_at": when})
        if status == PUBLISHED and rng.random() < reply_share:
            for _ in range(rng.randint(1, 3)):
                when = min(row["created_at"] + timedelta(minutes=rng.randint(10, 8000)), now)
                replies.append({"contribution_id": contribution_id, "author_id": rng.choice(voters),
                                "text": rng.choice(REPLY_TEXTS), "status": PUBLISHED, "created_at": when,
                                "updated_at": when})
    if votes:
        _insert_returning_ids(Vote, votes)
    if replies:
        _insert_returning_ids(Reply, replies)
    return Generated(len(ids), len(votes), len(replies))


# --- the opportunity-zones layer --------------------------------------------------------------------

_MOTORWAYS = [
    [(4.80, 52.07), (4.88, 52.08), (5.00, 52.08), (5.09, 52.07), (5.17, 52.07), (5.30, 52.06), (5.42, 52.05),
     (5.56, 52.04), (5.63, 52.03)],  # A12
    [(4.96, 52.28), (4.99, 52.20), (5.03, 52.14), (5.07, 52.10), (5.09, 52.04), (5.10, 51.98), (5.12, 51.90)],  # A2
    [(5.25, 52.27), (5.20, 52.18), (5.17, 52.11), (5.15, 52.05), (5.10, 51.99), (5.09, 51.88)],  # A27
    [(5.13, 52.09), (5.25, 52.10), (5.36, 52.15), (5.45, 52.18)],  # A28
    [(5.20, 52.25), (5.30, 52.21), (5.40, 52.19), (5.47, 52.20)],  # A1
]
_HEUVELRUG = [(5.18, 52.15), (5.35, 52.05), (5.56, 51.96)]
_TOWNS = [((5.121, 52.090), 0.045), ((5.387, 52.156), 0.035), ((5.083, 52.029), 0.02), ((5.233, 52.089), 0.02),
          ((5.556, 52.027), 0.02)]
_REASONS = {
    "kansrijk": "Langs snelweg of bedrijventerrein; past bij bestaande bebouwing en infrastructuur.",
    "mogelijk": "Mogelijk onder voorwaarden: goede landschappelijke inpassing en afspraken met agrariërs.",
    "uitgesloten": "Uitgesloten: stedelijk gebied, Natuurnetwerk of Nationaal Park Utrechtse Heuvelrug.",
}


def _category(rng: random.Random, centre: Point) -> str:
    if shapely.LineString(_HEUVELRUG).distance(centre) < 0.035 or any(
            centre.distance(Point(xy)) < radius for xy, radius in _TOWNS):
        return "uitgesloten"
    if any(shapely.LineString(road).distance(centre) < 0.03 for road in _MOTORWAYS):
        return "kansrijk"
    if centre.x < 4.98:
        return "mogelijk"  # Groene Hart: peat meadows, only small fields
    return "kansrijk" if rng.random() < 0.35 else "mogelijk"


def _direction(dx: float, dy: float) -> str:
    if abs(dx) * 0.615 > abs(dy):
        return "Oost" if dx > 0 else "West"
    return "Noord" if dy > 0 else "Zuid"


def _zone_seeds(area, count: int, rng: random.Random) -> list[tuple[float, float, str]]:
    """Seed points for the zones: every municipality centre in the area, then random points that keep
    some distance from the others, each named after its nearest municipality and direction."""
    seeds = [(p.lon, p.lat, p.name) for p in MUNICIPALITIES if area.contains(Point(p.lon, p.lat))]
    min_lon, min_lat, max_lon, max_lat = area.bounds
    spacing = math.sqrt(area.area / count) * 0.6
    attempts = 0
    while len(seeds) < count and attempts < 10_000:
        attempts += 1
        x, y = rng.uniform(min_lon, max_lon), rng.uniform(min_lat, max_lat)
        if not area.contains(Point(x, y)) or any(math.hypot((x - sx) * 0.615, y - sy) < spacing * 0.615
                                                   for sx, sy, _ in seeds):
            continue
        place = min(MUNICIPALITIES, key=lambda p: math.hypot((p.lon - x) * 0.615, p.lat - y))
        seeds.append((x, y, f"{place.name} {_direction(x - place.lon, y - place.lat)}"))
    return seeds


def opportunity_zones(area, count: int = 34, seed: int = 7) -> dict:
    """A FeatureCollection of non-overlapping zones covering the area: Voronoi cells around
    municipality centres and extra points, clipped to the area, each with `code`, `naam`, `categorie`
    (kansrijk / mogelijk / uitgesloten) and `toelichting`."""
    rng = random.Random(seed)
    seeds = _zone_seeds(area, count, rng)
    cells = shapely.voronoi_polygons(shapely.MultiPoint([(x, y) for x, y, _ in seeds]), extend_to=area.envelope)
    features, used = [], {}
    for x, y, name in sorted(seeds, key=lambda s: (-round(s[1], 2), s[0])):  # north to south, west to east
        cell = next(c for c in cells.geoms if c.contains(Point(x, y)))
        piece = cell.intersection(area)
        if piece.geom_type == "MultiPolygon":
            piece = max(piece.geoms, key=lambda g: g.area)
        if piece.is_empty or piece.geom_type != "Polygon":
            continue
        piece = shapely.transform(piece, lambda c: np.round(c, 6))
        if not piece.is_valid:
            piece = piece.buffer(0)
        used[name] = used.get(name, 0) + 1
        label = name if used[name] == 1 else f"{name} {used[name]}"
        category = _category(rng, Point(x, y))
        code = f"UT-{len(features) + 1:02d}"
        features.append({
            "type": "Feature", "id": code,
            "properties": {"code": code, "naam": label, "categorie": category, "toelichting": _REASONS[category]},
            "geometry": geo.to_geojson(piece),
        })
    return {"type": "FeatureCollection", "features": features}


def _revised(collection: dict, changes: dict) -> dict:
    """A copy of a FeatureCollection with some zones' category changed (for version 2)."""
    features = []
    for feature in collection["features"]:
        properties = dict(feature["properties"])
        if properties["code"] in changes:
            properties["categorie"] = changes[properties["code"]]
            properties["toelichting"] = _REASONS[properties["categorie"]] + " Aangepast na de integrale sessie."
        features.append({**feature, "properties": properties})
    return {**collection, "features": features}


# --- the cycle-routes layer -------------------------------------------------------------------------

_ROUTES = [
    ("R1", "Utrecht Centraal – Utrecht Science Park", "bestaand",
     [(5.115, 52.086), (5.14, 52.084), (5.16, 52.085), (5.175, 52.085)]),
    ("R2", "Utrecht Science Park – Zeist", "verbeteren",
     [(5.175, 52.085), (5.20, 52.086), (5.215, 52.088), (5.233, 52.089)]),
    ("R3", "Zeist – Soesterberg – Amersfoort", "nieuw",
     [(5.233, 52.089), (5.26, 52.10), (5.29, 52.118), (5.33, 52.13), (5.36, 52.142), (5.387, 52.156)]),
    ("R4", "Ommetje Kromme Rijn", "nieuw",
     [(5.16, 52.075), (5.19, 52.07), (5.22, 52.075)]),
]


def _routes_layer() -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": code,
         "properties": {"code": code, "naam": name, "status": status},
         "geometry": {"type": "LineString", "coordinates": [list(p) for p in points]}}
        for code, name, status, points in _ROUTES
    ]}


# --- loading ----------------------------------------------------------------------------------------

def _project(slug: str, title: str) -> Project | None:
    return db.session.scalar(select(Project).where(Project.slug == slug)) or db.session.scalar(
        select(Project).where(Project.title == title))


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _demo_residents() -> list[int]:
    """The demo resident (if demo.py made one) and eight more residents who cannot log in."""
    names = ["Anouk uit Houten", "Henk V.", "Fatima B.", "Jeroen de Boer", "Sanne", "Mohamed E.",
             "Els van Dijk", "Pieter Stam"]
    ids = []
    resident = _user("bewoner@example.nl")
    if resident:
        ids.append(resident.id)
    for n, name in enumerate(names, start=1):
        email = f"inwoner{n}@example.nl"
        user = _user(email)
        if user is None:
            user = User(email=email, password_hash=UNUSABLE_PASSWORD, display_name=name, confirmed_at=utcnow())
            user.roles = [UserRole(role=Role.RESIDENT.value)]
            db.session.add(user)
            db.session.flush()
        ids.append(user.id)
    return ids


def _local(day: datetime, hour: int) -> datetime:
    """That day at `hour`:00 in Europe/Amsterdam, as naive local time (what staff would type)."""
    return datetime.combine(day.date(), time(hour, 0))


def _zone_votes(round_: Round, voters: list[int], rng: random.Random, per_voter: int) -> None:
    zones = rounds.current_zones(round_)
    rows = []
    for voter in voters:
        for zone in rng.sample(zones, min(per_voter, len(zones))):
            value = SUPPORT if (zone.category == "kansrijk") == (rng.random() < 0.7) else OBJECTION
            rows.append({"round_id": round_.id, "user_id": voter, "layer_id": zone.layer_id, "zone_key": zone.key,
                         "value": value})
    if rows:
        db.session.execute(Vote.__table__.insert(), rows)


def load_zonnevelden_round(now: datetime | None = None) -> Round | None:
    """The round "kansenkaart-zonnevelden" with its layer (two versions), input and votes."""
    now = now or utcnow()
    if rounds.get_round(ZONNEVELDEN_ROUND):
        return None
    project = _project(ZONNEVELDEN_PROJECT, "Kansenkaart zonnevelden")
    if project is None:
        log.warning("demo: project %s not found; round %s not made", ZONNEVELDEN_PROJECT, ZONNEVELDEN_ROUND)
        return None
    local_now = rounds.utc_to_local(now).replace(tzinfo=None)
    round_ = rounds.create_round(
        project,
        slug=ZONNEVELDEN_ROUND,
        title="Kansenkaart zonnevelden: waar wel, waar niet?",
        question=("Waar in de provincie Utrecht ziet u kansen voor zonnevelden, en waar juist niet? "
                  "Bekijk de zones op de kaart en vertel wat u belangrijk vindt voor het landschap, de "
                  "cultuurhistorie, de natuur en de landbouw."),
        instructions=("Klik op de kaart of teken een lijn of vlak, kies een thema en schrijf uw reactie. "
                      "U kunt ook een zone of gemeente uit de lijst kiezen. Steun of maak bezwaar tegen "
                      "zones en tegen de inbreng van anderen. Uw inbreng is direct voor iedereen te zien; "
                      "een moderator kijkt achteraf mee."),
        starts_at=_local(local_now - timedelta(days=21), 9),
        ends_at=_local(local_now + timedelta(days=35), 17),
        moderation="post",
        votes_enabled=True,
        area=None if project.area else geo.utrecht_outline(),
        zoom=10,
    )
    area = geo.area_shape(rounds.round_area(round_)) or shape(geo.utrecht_outline())
    staff = _user("beheer@example.nl")
    layer = rounds.add_layer(round_, "Kansenkaart zonnevelden (concept)", style_property="categorie",
                             description="Zones waar zonnevelden kansrijk, mogelijk of uitgesloten zijn.")
    first = opportunity_zones(area)
    rounds.upload_layer_version(layer, first, staff, note="Eerste concept na de themasessies aan de kaarttafel.",
                                filename="kansenkaart-concept-1.geojson")
    codes = [f["properties"]["code"] for f in first["features"]]
    rng = random.Random(11)
    changes = {code: rng.choice(["kansrijk", "mogelijk", "uitgesloten"]) for code in rng.sample(codes, 4)}
    rounds.upload_layer_version(layer, _revised(first, changes), staff,
                                note="Aangepast na de integrale sessie met LTO, Staatsbosbeheer, RCE en "
                                     "Het Utrechts Landschap.", filename="kansenkaart-concept-2.geojson")
    residents = _demo_residents()
    generate_contributions(round_, 320, seed=2026, now=now, authors=residents, voters=residents)
    _zone_votes(round_, residents, random.Random(5), per_voter=8)
    db.session.flush()
    return round_


def load_fietsroutes_round(now: datetime | None = None) -> Round | None:
    """A pre-moderated round on cycle routes in "Groene fietsroutes", when that project exists."""
    now = now or utcnow()
    if rounds.get_round(FIETSROUTES_ROUND):
        return None
    project = _project(FIETSROUTES_PROJECT, "Groene fietsroutes")
    if project is None:
        return None
    local_now = rounds.utc_to_local(now).replace(tzinfo=None)
    round_ = rounds.create_round(
        project,
        slug=FIETSROUTES_ROUND,
        title="Groene fietsroutes: waar mist u een goede verbinding?",
        question=("Waar fietst u graag, waar is het onveilig en waar mist u een groene fietsroute? "
                  "Teken de route of wijs de plek aan."),
        instructions="Teken een lijn voor een route of klik op een punt. Een moderator bekijkt uw inbreng "
                     "voordat die voor iedereen zichtbaar wordt.",
        starts_at=_local(local_now - timedelta(days=10), 9),
        ends_at=_local(local_now + timedelta(days=50), 17),
        themes=["veiligheid", "groen", "recreatie", "woon-werk"],
        allowed_geometries=["point", "line"],
        moderation="pre",
        votes_enabled=True,
        area=None if project.area else geo.utrecht_outline(),
    )
    layer = rounds.add_layer(round_, "Routes in het plan", style_property="status",
                             description="Bestaande, te verbeteren en nieuwe routes.")
    rounds.upload_layer_version(layer, _routes_layer(), _user("beheer@example.nl"),
                                note="Routes uit het concept-fietsplan.", filename="fietsroutes.geojson")
    residents = _demo_residents()
    generate_contributions(round_, 60, seed=31, now=now, authors=residents, voters=residents, reply_share=0.15)
    generate_contributions(round_, 5, seed=32, now=now, authors=residents, voters=residents, status=PENDING,
                           vote_weights=(1,))
    db.session.flush()
    return round_


def load_demo_rounds(now: datetime | None = None) -> list[Round]:
    """Create the demo rounds that are missing (idempotent). Call after the demo projects and accounts
    exist; the caller commits."""
    made = [load_zonnevelden_round(now), load_fietsroutes_round(now)]
    return [r for r in made if r is not None]
