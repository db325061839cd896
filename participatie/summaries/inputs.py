"""Everything a summary reads, loaded in a few queries into plain arrays, and the hash of it.

Only published contributions and replies count. Contributions are in id order, so that the same
input always gives the same arrays (and so the same result). The hash covers every field the
computation reads, the parameters and the algorithm version: a repeated run on unchanged input finds
the earlier summary by it and reuses it.
"""
import hashlib
import json
from dataclasses import dataclass, field

import numpy as np
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ..accounts.models import Organisation, User
from ..contributions.models import PUBLISHED, Contribution, Reply, Vote
from ..extensions import db
from ..rounds import services as rounds
from ..rounds.models import Layer, Round

# Texts longer than this are cut for the text analysis (the platform allows 2,000 characters; input
# typed in from paper may be longer). Quotes always show the full text.
MAX_ANALYSED_CHARS = 5000


@dataclass
class ZoneInput:
    id: int
    layer_id: int
    layer_name: str
    key: str
    name: str
    category: str
    shape: object  # shapely geometry (WGS84)


@dataclass
class RoundInput:
    round: Round
    theme: str | None
    ids: np.ndarray  # contribution ids, ascending
    texts: list[str]
    themes: list[str]
    channels: list[str]
    created: list  # naive UTC datetimes
    authors: np.ndarray  # author user id, -1 when there is none (paper, phone, removed account)
    organisations: list  # the author's organisation name, or None
    kinds: list  # point / line / area / None
    place_sources: list  # map / zone / place / None
    lon: np.ndarray  # representative point of the place, NaN when there is none
    lat: np.ndarray
    shapes: dict  # index → shapely geometry, for lines and areas only
    support: np.ndarray  # support votes per contribution
    objection: np.ndarray
    replies: np.ndarray  # published replies per contribution
    reply_authors: np.ndarray  # user ids of reply authors (-1 none)
    voters: np.ndarray  # user ids of everyone who voted on the contributions (and zones)
    zones: list[ZoneInput]
    zone_votes: dict  # (layer_id, key) → (support, objection)
    area: object | None  # the round's area (shapely, WGS84)
    input_hash: str = ""
    counts: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def index_of(self, contribution_ids) -> np.ndarray:
        """Row numbers of the given contribution ids (which must be in the input)."""
        return np.searchsorted(self.ids, np.asarray(contribution_ids, dtype=np.int64))


_own_organisation = aliased(Organisation)


def _contribution_rows(round_: Round, theme: str | None):
    query = (
        select(Contribution.id, Contribution.text, Contribution.theme, Contribution.channel, Contribution.created_at,
               Contribution.updated_at, Contribution.author_id,
               # The organisation map-table input speaks for, else the author's organisation.
               func.coalesce(_own_organisation.name, Organisation.name), Contribution.geometry_type,
               Contribution.place_source, Contribution.zone_id, Contribution.min_lon, Contribution.min_lat,
               Contribution.max_lon, Contribution.max_lat)
        .outerjoin(User, User.id == Contribution.author_id)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .outerjoin(_own_organisation, _own_organisation.id == Contribution.organisation_id)
        .where(Contribution.round_id == round_.id, Contribution.status == PUBLISHED)
        .order_by(Contribution.id))
    if theme:
        query = query.where(Contribution.theme == theme)
    return db.session.execute(query).all()


def _non_point_shapes(round_: Round, theme: str | None) -> dict:
    """id → shapely geometry for contributions drawn as a line or an area."""
    query = select(Contribution.id, Contribution.geometry).where(
        Contribution.round_id == round_.id, Contribution.status == PUBLISHED,
        Contribution.geometry_type.in_(("line", "area")))
    if theme:
        query = query.where(Contribution.theme == theme)
    shapes = {}
    for id_, geometry in db.session.execute(query):
        if geometry:
            shapes[id_] = shapely.geometry.shape(geometry)
    return shapes


def load(round_: Round, theme: str | None, parameters: dict, algorithm_version: str) -> RoundInput:
    """Read the round's published input (optionally one theme) and hash it."""
    digest = hashlib.sha256()
    digest.update(json.dumps({"algorithm": algorithm_version, "parameters": parameters, "round": round_.id,
                              "theme": theme, "themes": round_.themes}, sort_keys=True).encode())
    rows = _contribution_rows(round_, theme)
    n = len(rows)
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)
    texts, themes, channels, created, organisations, kinds, sources = [], [], [], [], [], [], []
    authors = np.full(n, -1, dtype=np.int64)
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    for i, (id_, text, theme_, channel, created_at, updated_at, author_id, organisation, kind, source, zone_id,
            min_lon, min_lat, max_lon, max_lat) in enumerate(rows):
        texts.append(text or "")
        themes.append(theme_)
        channels.append(channel)
        created.append(created_at)
        organisations.append(organisation)
        kinds.append(kind)
        sources.append(source)
        if author_id is not None:
            authors[i] = author_id
        if min_lon is not None:
            lon[i], lat[i] = (min_lon + max_lon) / 2, (min_lat + max_lat) / 2
        digest.update(f"c{id_}\x1f{updated_at}\x1f{theme_}\x1f{channel}\x1f{author_id}\x1f{organisation}\x1f{kind}"
                      f"\x1f{source}\x1f{zone_id}\x1f{min_lon},{min_lat},{max_lon},{max_lat}\x1f{text}\x1e".encode())
    shapes = {}
    for id_, shape in _non_point_shapes(round_, theme).items():
        i = int(np.searchsorted(ids, id_))
        if i < n and ids[i] == id_:
            shapes[i] = shape
            point = shape.representative_point()
            lon[i], lat[i] = point.x, point.y

    support, objection, voters, zone_votes = _votes(round_, ids, theme, digest)
    replies, reply_authors = _replies(round_, ids, theme, digest)
    zones = _zones(round_, digest)
    return RoundInput(
        round=round_, theme=theme, ids=ids, texts=texts, themes=themes, channels=channels, created=created,
        authors=authors, organisations=organisations, kinds=kinds, place_sources=sources, lon=lon, lat=lat,
        shapes=shapes, support=support, objection=objection, replies=replies, reply_authors=reply_authors,
        voters=voters, zones=zones, zone_votes=zone_votes, area=rounds.round_area_shape(round_),
        input_hash=digest.hexdigest(),
    )


def _votes(round_: Round, ids: np.ndarray, theme: str | None, digest):
    """Support and objection per contribution, the voters, and (for a whole round) the zone votes."""
    n = len(ids)
    support = np.zeros(n, dtype=np.int64)
    objection = np.zeros(n, dtype=np.int64)
    rows = db.session.execute(
        select(Vote.id, Vote.user_id, Vote.contribution_id, Vote.layer_id, Vote.zone_key, Vote.value)
        .where(Vote.round_id == round_.id).order_by(Vote.id)).all()
    voters = []
    zone_votes: dict = {}
    for vote_id, user_id, contribution_id, layer_id, zone_key, value in rows:
        if contribution_id is not None:
            i = int(np.searchsorted(ids, contribution_id))
            if i >= n or ids[i] != contribution_id:
                continue  # a vote on hidden input, or on another theme
            (support if value == "support" else objection)[i] += 1
        elif theme is None:
            s, o = zone_votes.get((layer_id, zone_key), (0, 0))
            zone_votes[(layer_id, zone_key)] = (s + 1, o) if value == "support" else (s, o + 1)
        else:
            continue  # zone votes belong to no theme
        voters.append(user_id)
        digest.update(f"v{vote_id}\x1f{user_id}\x1f{contribution_id}\x1f{layer_id}\x1f{zone_key}\x1f{value}\x1e".encode())
    return support, objection, np.asarray(voters, dtype=np.int64), zone_votes


def _replies(round_: Round, ids: np.ndarray, theme: str | None, digest):
    """Published replies per contribution, and their authors."""
    n = len(ids)
    counts = np.zeros(n, dtype=np.int64)
    query = (select(Reply.id, Reply.contribution_id, Reply.author_id, Reply.updated_at)
             .join(Contribution, Contribution.id == Reply.contribution_id)
             .where(Contribution.round_id == round_.id, Contribution.status == PUBLISHED, Reply.status == PUBLISHED)
             .order_by(Reply.id))
    if theme:
        query = query.where(Contribution.theme == theme)
    authors = []
    for reply_id, contribution_id, author_id, updated_at in db.session.execute(query):
        counts[int(np.searchsorted(ids, contribution_id))] += 1
        authors.append(author_id if author_id is not None else -1)
        digest.update(f"r{reply_id}\x1f{contribution_id}\x1f{author_id}\x1f{updated_at}\x1e".encode())
    return counts, np.asarray(authors, dtype=np.int64)


def _zones(round_: Round, digest) -> list[ZoneInput]:
    """The current zones of the round's layers."""
    layer_names = dict(db.session.execute(select(Layer.id, Layer.name).where(Layer.round_id == round_.id)).all())
    zones = []
    for zone in rounds.current_zones(round_):
        zones.append(ZoneInput(zone.id, zone.layer_id, layer_names.get(zone.layer_id, ""), zone.key, zone.name,
                               zone.category, shapely.geometry.shape(zone.geometry)))
        digest.update(f"z{zone.id}\x1f{zone.layer_version_id}\x1f{zone.key}\x1f{zone.name}\x1f{zone.category}\x1e"
                      .encode())
    return zones
