"""Revising a plan layer after the map-table sessions.

1. Anyone from stakeholder up proposes a change to one zone of a layer's current version
   (`create_proposal`): stakeholders for their own organisation in a session it is invited to,
   staff (facilitator and up) on behalf of any organisation.
2. Policy analysts and admins accept or reject each proposal (`decide`). Two accepted proposals for
   the same zone with different target categories cannot both stand: the second is refused. The
   accept is a conditional UPDATE (still open, no conflicting accepted proposal) taken under a row lock
   on the layer, so that two people deciding at the same moment are serialised (PostgreSQL: FOR NO KEY
   UPDATE; SQLite: its single writer lock) and nothing half-done is left behind.
3. `make_next_version` copies the current version into version N+1 with the accepted, not yet applied
   proposals carried out, and records a `ZoneChange` per changed zone with the proposals behind it.
   The new version is unpublished until staff publish it (`publish_version`).
4. `compare_versions` lists the zones whose category differs between two versions, with the reasons
   recorded by the versions in between.

Services flush, never commit; on a ServiceError the caller rolls back. Refusals because of who someone
is are `Refused` (403); refusals because of the state things are in are `Conflict` (409). Every decision, version and
publication is written to the audit log.
"""
import copy
import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, selectinload, undefer

from ..accounts.models import Organisation, utcnow
from ..audit import services as audit
from ..contributions import services as contributions
from ..contributions.models import PUBLISHED, Contribution
from ..extensions import db
from ..maptable.models import MapTableSession
from ..permissions import Role, has_role, is_staff
from ..rounds.errors import NotFound, Refused, ValidationError
from ..rounds.models import Layer, LayerVersion, Round, Zone
from .models import ACCEPTED, PROPOSED, REJECTED, Proposal, ZoneChange

REASON_MAX = 2000
NOTE_MAX = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # as in contributions.services


class Conflict(Refused):
    """Refused because of the state things are in (someone decided first, a conflicting change is
    accepted, nothing to apply, a newer version waits): 409, not 403, since the person may act here."""

    status = 409


# --- who may do what --------------------------------------------------------------------------------

def can_propose(user) -> bool:
    return has_role(user, Role.STAKEHOLDER)


def can_decide(user) -> bool:
    """Policy analysts and admins decide on proposals, make and publish versions."""
    return has_role(user, Role.POLICY_ANALYST)


# --- reading layers ---------------------------------------------------------------------------------

def current_version(layer: Layer, with_geojson: bool = False) -> LayerVersion | None:
    """The highest-numbered published version of the layer, or None."""
    query = (select(LayerVersion).where(LayerVersion.layer_id == layer.id, LayerVersion.published.is_(True))
             .order_by(LayerVersion.number.desc()).limit(1))
    if with_geojson:
        query = query.options(undefer(LayerVersion.geojson))
    return db.session.scalar(query)


def newest_number(layer_id: int) -> int:
    return db.session.scalar(select(func.max(LayerVersion.number)).where(LayerVersion.layer_id == layer_id)) or 0


def layer_categories(layer: Layer) -> list[str]:
    """Every non-empty value of the layer's style property in any of its versions, in the order the
    zones first show them (the current version's values first)."""
    rows = db.session.execute(
        select(Zone.category, func.max(LayerVersion.number), func.min(Zone.feature_index))
        .join(LayerVersion, LayerVersion.id == Zone.layer_version_id)
        .where(Zone.layer_id == layer.id, Zone.category != "")
        .group_by(Zone.category))
    return [category for category, _n, _i in sorted(rows, key=lambda r: (-r[1], r[2]))]


@dataclass
class ProposableLayer:
    """A layer of a round whose current version can take proposals, with its zones and categories."""

    layer: Layer
    version: LayerVersion
    zones: list[Zone]
    categories: list[str]


def proposable_layers(round_: Round) -> list[ProposableLayer]:
    """The round's layers that have a published version and a style property to change."""
    result = []
    for layer in round_.layers:
        if not (layer.style_property or "").strip():
            continue
        version = current_version(layer)
        if version is None:
            continue
        zones = list(db.session.scalars(select(Zone).where(Zone.layer_version_id == version.id)
                                        .order_by(Zone.name, Zone.key)))
        categories = layer_categories(layer)
        if zones and categories:
            result.append(ProposableLayer(layer, version, zones, categories))
    return result


def get_session(round_: Round, session_id) -> MapTableSession | None:
    """The map-table session of this round with that id, or None."""
    if not session_id:
        return None
    session = db.session.get(MapTableSession, int(session_id))
    if session is None or session.round_id != round_.id:
        return None
    return session


def organisation_choices(user, session: MapTableSession | None = None) -> list[Organisation]:
    """On whose behalf the user may propose: a stakeholder only for their own organisation (and only
    when it is invited to the session); staff for the session's invited organisations, or any
    organisation outside a session."""
    if is_staff(user):
        if session is not None:
            return list(session.organisations)
        return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))
    own = getattr(user, "organisation", None)
    if own is None or session is None or own not in session.organisations:
        return []
    return [own]


# --- proposing --------------------------------------------------------------------------------------

def _clean(value, max_length: int) -> str:
    """Text as typed, by the same rule as contributions' texts: trimmed, line endings normalised,
    control characters removed (at most one character over `max_length`, so callers see it is too long)."""
    text = value if isinstance(value, str) else ""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()[:max_length + 1]


def _check_session(round_: Round, user, session_id) -> MapTableSession | None:
    session = get_session(round_, session_id) if session_id else None
    if session_id and session is None:
        raise NotFound(_l("Deze kaarttafelsessie bestaat niet (meer)."))
    if is_staff(user):
        return session
    if session is None:
        raise Refused(_l("Als belanghebbende kunt u alleen een wijziging voorstellen in een kaarttafelsessie "
                         "waarvoor uw organisatie is uitgenodigd."), code="no_session")
    if session.is_closed:
        raise Conflict(_l("Deze kaarttafelsessie is afgerond. U kunt geen voorstellen meer doen."), code="closed")
    return session


def check_may_propose(round_: Round, user, session_id=None) -> MapTableSession | None:
    """The map-table session (or None) in which `user` may propose changes in this round; raises
    Refused (no right, no session for a stakeholder, closed session, organisation not invited) or
    NotFound (a session of another round)."""
    if not can_propose(user):
        raise Refused(_l("U mag geen wijzigingen voorstellen."))
    session = _check_session(round_, user, session_id)
    if not organisation_choices(user, session):
        if is_staff(user):
            raise Refused(_l("Er is geen organisatie uitgenodigd voor deze sessie. Nodig eerst organisaties uit."),
                          code="organisation")
        if getattr(user, "organisation", None) is None:
            raise Refused(_l("Uw account hoort niet bij een organisatie. Vraag de beheerder om dat aan te passen."),
                          code="organisation")
        raise Refused(_l("Uw organisatie is niet uitgenodigd voor deze kaarttafelsessie."), code="organisation")
    return session


def create_proposal(round_: Round, user, *, layer_id, zone_key: str, to_category: str, reason: str,
                    organisation_id, session_id=None, contribution_id=None) -> Proposal:
    """Store a proposal to change zone `zone_key` of the layer's current version to `to_category`.

    Raises Refused (not allowed: wrong organisation, no session for a stakeholder, closed session),
    NotFound (a session of another round) or ValidationError (field → message): a zone that is not in
    the current version, an unknown category, no change, no reason, an unknown input."""
    session = check_may_propose(round_, user, session_id)
    allowed = organisation_choices(user, session)
    try:
        organisation_id = int(organisation_id) if organisation_id not in (None, "") else None
    except (TypeError, ValueError):
        organisation_id = None
    organisation = next((o for o in allowed if o.id == organisation_id), None)
    if organisation is None and organisation_id is not None and not is_staff(user):
        raise Refused(_l("U kunt alleen voorstellen doen namens uw eigen organisatie."), code="organisation")
    layer = db.session.get(Layer, int(layer_id)) if str(layer_id or "").isdigit() else None
    if layer is None or layer.round_id != round_.id:
        raise ValidationError({"zone": _l("Kies een zone uit de lijst.")})

    errors = {}
    if organisation is None:
        errors["organisation"] = _l("Kies de organisatie namens wie u het voorstel doet.")
    version = current_version(layer)
    zone = None
    if version is None:
        errors["zone"] = _l("Deze kaartlaag heeft nog geen gepubliceerde versie.")
    else:
        zone = db.session.scalar(select(Zone).where(Zone.layer_version_id == version.id,
                                                    Zone.key == (zone_key or "")))
        if zone is None:
            errors["zone"] = _l("Deze zone bestaat niet in de huidige versie (versie %(number)s) van de kaartlaag "
                                "„%(layer)s”. Kies een zone uit de lijst.", number=version.number, layer=layer.name)
    to_category = (to_category or "").strip()
    if to_category not in layer_categories(layer):
        errors["to_category"] = _l("Kies een soort uit de lijst.")
    elif zone is not None and zone.category == to_category:
        errors["to_category"] = _l("Deze zone is al „%(category)s”. Kies een andere soort.", category=to_category)
    reason = _clean(reason, REASON_MAX)
    if not reason:
        errors["reason"] = _l("Schrijf waarom de zone moet veranderen.")
    elif len(reason) > REASON_MAX:
        errors["reason"] = _l("Gebruik hoogstens %(max)s tekens.", max=REASON_MAX)
    contribution = None
    if contribution_id not in (None, ""):
        contribution = contributions.get_contribution(round_, contribution_id, user)
        if contribution is None:
            errors["contribution"] = _l("Er is geen inbreng met dit nummer in deze ronde.")
    if errors:
        raise ValidationError(errors)

    duplicate = db.session.scalar(select(Proposal.id).where(
        Proposal.layer_id == layer.id, Proposal.zone_key == zone.key, Proposal.status == PROPOSED,
        Proposal.to_category == to_category, Proposal.organisation_id == organisation.id,
        Proposal.reason == reason))
    if duplicate is not None:
        raise Conflict(_l("Dit voorstel is al gedaan (voorstel %(id)s).", id=duplicate), code="duplicate")

    proposal = Proposal(
        round_id=round_.id, layer_id=layer.id, zone_key=zone.key, zone_name=zone.name, base_version_id=version.id,
        from_category=zone.category, to_category=to_category, reason=reason, organisation_id=organisation.id,
        session_id=session.id if session else None, contribution_id=contribution.id if contribution else None,
        created_by_id=user.id, created_at=utcnow(), status=PROPOSED, decision_note="",
    )
    db.session.add(proposal)
    db.session.flush()
    audit.record("proposal.create", user, object_type="proposal", object_id=proposal.id, round_id=round_.id,
                 layer_id=layer.id, zone=zone.key, from_category=zone.category, to_category=to_category,
                 organisation_id=organisation.id, session_id=proposal.session_id)
    return proposal


# --- listing ----------------------------------------------------------------------------------------

def get_proposal(round_: Round, proposal_id) -> Proposal | None:
    proposal = db.session.get(Proposal, int(proposal_id))
    if proposal is None or proposal.round_id != round_.id:
        return None
    return proposal


def round_proposals(round_: Round, status: str | None = None) -> list[Proposal]:
    """The round's proposals (optionally of one status), oldest first, with what the list shows."""
    query = (select(Proposal).where(Proposal.round_id == round_.id)
             .options(selectinload(Proposal.organisation), selectinload(Proposal.session),
                      selectinload(Proposal.created_by), selectinload(Proposal.decided_by),
                      selectinload(Proposal.contribution), selectinload(Proposal.base_version),
                      selectinload(Proposal.applied_version))
             .order_by(Proposal.layer_id, Proposal.id))
    if status:
        query = query.where(Proposal.status == status)
    return list(db.session.scalars(query))


def conflicting_zones(proposals: list[Proposal]) -> set[tuple[int, str]]:
    """(layer id, zone key) of zones with open or pending proposals that point to different categories."""
    targets: dict[tuple[int, str], set[str]] = {}
    for p in proposals:
        if p.status == PROPOSED or p.is_pending_application:
            targets.setdefault((p.layer_id, p.zone_key), set()).add(p.to_category)
    return {zone for zone, cats in targets.items() if len(cats) > 1}


def pending_proposals(layer: Layer) -> list[Proposal]:
    """Accepted proposals of the layer that no version has carried out yet."""
    return list(db.session.scalars(
        select(Proposal).where(Proposal.layer_id == layer.id, Proposal.status == ACCEPTED,
                               Proposal.applied_version_id.is_(None))
        .options(selectinload(Proposal.organisation), selectinload(Proposal.session))
        .order_by(Proposal.zone_key, Proposal.id)))


# --- deciding ---------------------------------------------------------------------------------------

def _lock_layer(layer_id: int) -> None:
    """Serialise decisions and new versions of one layer. PostgreSQL: a FOR NO KEY UPDATE row lock
    held to the end of the transaction (it does not block inserts that refer to the layer). SQLite
    has no row locks; there its single writer lock serialises the conditional UPDATEs below."""
    db.session.execute(select(Layer.id).where(Layer.id == layer_id).with_for_update(key_share=True))


def decide(proposal: Proposal, user, accept: bool, note: str = "") -> Proposal:
    """Accept or reject an open proposal, with a note (required when rejecting).

    Refused when someone else decided first, when the zone is gone from the current version, or (on
    accept) when another accepted, not yet applied proposal for the same zone has another target
    category. The check is part of the UPDATE's WHERE clause, so a refused decision changes nothing."""
    if not can_decide(user):
        raise Refused(_l("Alleen beleidsmedewerkers en beheerders besluiten over voorstellen."))
    note = _clean(note, NOTE_MAX)
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _l("Gebruik hoogstens %(max)s tekens.", max=NOTE_MAX)})
    if not accept and not note:
        raise ValidationError({"note": _l("Schrijf waarom u het voorstel afwijst.")})
    proposal_id, layer_id, zone_key, to_category = (proposal.id, proposal.layer_id, proposal.zone_key,
                                                    proposal.to_category)
    _lock_layer(layer_id)
    if accept:
        version = current_version(proposal.layer)
        if version is None or db.session.scalar(select(Zone.id).where(
                Zone.layer_version_id == version.id, Zone.key == zone_key)) is None:
            raise Conflict(_l("Zone „%(zone)s” staat niet in de huidige versie van de kaartlaag. Dit voorstel kan "
                             "niet worden geaccepteerd; wijs het af.", zone=proposal.zone_name), code="zone_gone")
    other = aliased(Proposal)
    conditions = [Proposal.id == proposal_id, Proposal.status == PROPOSED]
    if accept:
        conditions.append(~exists().where(
            other.layer_id == layer_id, other.zone_key == zone_key, other.id != proposal_id,
            other.status == ACCEPTED, other.applied_version_id.is_(None), other.to_category != to_category))
    now = utcnow()
    result = db.session.execute(
        update(Proposal).where(and_(*conditions))
        .values(status=ACCEPTED if accept else REJECTED, decided_by_id=user.id, decided_at=now, decision_note=note)
        .execution_options(synchronize_session=False))
    db.session.expire(proposal)
    if result.rowcount != 1:
        if proposal.status != PROPOSED:
            raise Conflict(_l("Over dit voorstel is al besloten (%(status)s). Laad de pagina opnieuw.",
                             status=status_label(proposal.status)), code="decided")
        rival = db.session.scalar(select(Proposal).where(
            Proposal.layer_id == layer_id, Proposal.zone_key == zone_key, Proposal.id != proposal_id,
            Proposal.status == ACCEPTED, Proposal.applied_version_id.is_(None)).limit(1))
        raise Conflict(_l("Voor zone „%(zone)s” is al een ander voorstel geaccepteerd: naar „%(other)s” "
                         "(voorstel %(id)s). Twee verschillende wijzigingen van één zone kunnen niet samen. Wijs "
                         "dit voorstel af, of maak eerst een nieuwe versie.", zone=proposal.zone_name,
                         other=rival.to_category if rival else "?", id=rival.id if rival else "?"), code="conflict")
    audit.record("proposal.accept" if accept else "proposal.reject", user, object_type="proposal",
                 object_id=proposal_id, round_id=proposal.round_id, layer_id=layer_id, zone=zone_key,
                 to_category=to_category, note=note)
    return proposal


def status_label(status: str) -> str:
    return {PROPOSED: _l("voorgesteld"), ACCEPTED: _l("geaccepteerd"), REJECTED: _l("afgewezen")}.get(status, status)


# --- the next version -------------------------------------------------------------------------------

@dataclass
class Revision:
    """What make_next_version did: the new version, its zone changes, and the accepted proposals it
    could not carry out (their zone is not in the current version)."""

    version: LayerVersion
    changes: list[ZoneChange]
    skipped: list[Proposal] = field(default_factory=list)


def make_next_version(layer: Layer, user, note: str = "") -> Revision:
    """Make version N+1 of the layer from its current version plus every accepted, not yet applied
    proposal, unpublished. Raises Refused when there is nothing to apply, when a newer version than
    the current one exists (publish it first), or when someone made a version at the same moment."""
    if not can_decide(user):
        raise Refused(_l("Alleen beleidsmedewerkers en beheerders maken een nieuwe versie."))
    note = _clean(note, NOTE_MAX)[:NOTE_MAX]
    _lock_layer(layer.id)
    base = current_version(layer, with_geojson=True)
    if base is None:
        raise Conflict(_l("Deze kaartlaag heeft nog geen gepubliceerde versie."), code="no_version")
    newest = newest_number(layer.id)
    if newest > base.number:
        raise Conflict(_l("Er is al een nieuwere versie (versie %(number)s) die nog niet is gepubliceerd. Publiceer "
                         "die eerst; daarna kunt u een volgende versie maken.", number=newest), code="unpublished")
    proposals = pending_proposals(layer)
    if not proposals:
        raise Conflict(_l("Er zijn geen geaccepteerde voorstellen die nog niet in een versie staan."), code="nothing")
    by_zone: dict[str, list[Proposal]] = {}
    for proposal in proposals:
        by_zone.setdefault(proposal.zone_key, []).append(proposal)
    for key, group in by_zone.items():
        if len({p.to_category for p in group}) > 1:  # decide() prevents this; never build on it
            raise Conflict(_l("Voor zone „%(zone)s” zijn verschillende wijzigingen geaccepteerd.",
                             zone=group[0].zone_name), code="conflict")
    base_zones = {z.key: z for z in db.session.scalars(
        select(Zone).where(Zone.layer_version_id == base.id).order_by(Zone.feature_index))}
    skipped = [p for key, group in by_zone.items() if key not in base_zones for p in group]
    applicable = {key: group for key, group in by_zone.items() if key in base_zones}
    if not applicable:
        raise Conflict(_l("Geen van de geaccepteerde voorstellen gaat over een zone in de huidige versie."),
                      code="nothing")

    number = newest + 1
    count = sum(len(group) for group in applicable.values())
    version = LayerVersion(
        layer_id=layer.id, number=number, geojson={}, feature_count=base.feature_count,
        source_crs=base.source_crs, key_property=base.key_property, filename="",
        note=note or f"Versie {base.number} met {count} geaccepteerde voorstel(len) verwerkt.",
        published=False, created_by_id=getattr(user, "id", None),
        min_lon=base.min_lon, min_lat=base.min_lat, max_lon=base.max_lon, max_lat=base.max_lat,
    )
    db.session.add(version)
    try:
        db.session.flush()
    except IntegrityError:
        # Unique (layer_id, number): someone made or uploaded version N+1 at the same moment.
        db.session.rollback()
        raise Conflict(_l("Iemand anders heeft zojuist versie %(number)s van deze kaartlaag gemaakt. Laad de pagina "
                         "opnieuw en kijk of uw wijzigingen daarin staan.", number=number), code="race") from None

    ids = [p.id for group in applicable.values() for p in group]
    result = db.session.execute(
        update(Proposal).where(Proposal.id.in_(ids), Proposal.status == ACCEPTED,
                               Proposal.applied_version_id.is_(None))
        .values(applied_version_id=version.id).execution_options(synchronize_session=False))
    if result.rowcount != len(ids):
        db.session.rollback()
        raise Conflict(_l("Iemand anders heeft deze voorstellen zojuist verwerkt. Laad de pagina opnieuw."),
                      code="race")

    style = layer.style_property
    new_category = {key: group[0].to_category for key, group in applicable.items()}
    changes = []
    for key, zone in base_zones.items():
        properties = copy.deepcopy(zone.properties or {})
        category = zone.category
        if key in new_category and new_category[key] != zone.category:
            category = new_category[key]
            properties[style] = category
            change = ZoneChange(version_id=version.id, layer_id=layer.id, zone_key=key, zone_name=zone.name,
                                old_category=zone.category, new_category=category)
            change.proposals = list(applicable[key])
            changes.append(change)
        db.session.add(Zone(
            layer_version_id=version.id, layer_id=layer.id, feature_index=zone.feature_index, key=key,
            name=zone.name, category=category, properties=properties, geometry=copy.deepcopy(zone.geometry),
            min_lon=zone.min_lon, min_lat=zone.min_lat, max_lon=zone.max_lon, max_lat=zone.max_lat))
    collection = copy.deepcopy(base.geojson or {"type": "FeatureCollection", "features": []})
    for feature in collection.get("features", []):
        key = feature.get("id")
        if key in new_category:
            feature.setdefault("properties", {})
            feature["properties"] = {**(feature["properties"] or {}), style: new_category[key]}
    version.geojson = collection
    db.session.add_all(changes)
    db.session.flush()
    audit.record("layer_version.revise", user, object_type="layer_version", object_id=version.id,
                 round_id=layer.round_id, layer_id=layer.id, number=number, base=base.number,
                 proposals=ids, zones=[c.zone_key for c in changes], skipped=[p.id for p in skipped])
    return Revision(version=version, changes=changes, skipped=skipped)


def publish_version(version: LayerVersion, user, published: bool = True) -> LayerVersion:
    """Publish a version to the round (it becomes current when it is the highest published), or
    withdraw it."""
    if not can_decide(user):
        raise Refused(_l("Alleen beleidsmedewerkers en beheerders publiceren een versie."))
    version.published = bool(published)
    db.session.flush()
    audit.record("layer_version.publish" if published else "layer_version.withdraw", user,
                 object_type="layer_version", object_id=version.id, round_id=version.layer.round_id,
                 layer_id=version.layer_id, number=version.number)
    return version


# --- comparing versions -----------------------------------------------------------------------------

def visible_versions(layer: Layer, viewer) -> list[LayerVersion]:
    """The layer's versions the viewer may compare: published ones, and for staff all of them."""
    query = select(LayerVersion).where(LayerVersion.layer_id == layer.id).order_by(LayerVersion.number)
    if not is_staff(viewer):
        query = query.where(LayerVersion.published.is_(True))
    return list(db.session.scalars(query))


def comparable_layers(round_: Round, viewer) -> list[tuple[Layer, list[LayerVersion]]]:
    """The round's layers with two or more versions the viewer may see (for the round page's link)."""
    rows = db.session.execute(
        select(LayerVersion.layer_id, func.count(LayerVersion.id))
        .join(Layer, Layer.id == LayerVersion.layer_id)
        .where(Layer.round_id == round_.id,
               LayerVersion.published.is_(True) if not is_staff(viewer) else LayerVersion.id.is_not(None))
        .group_by(LayerVersion.layer_id))
    counts = dict(rows.all())
    return [(layer, counts[layer.id]) for layer in round_.layers if counts.get(layer.id, 0) > 1]


@dataclass
class Reason:
    """Why a zone changed: one proposal, with what may be shown to the viewer."""

    proposal: Proposal
    version_number: int
    contribution: Contribution | None  # only when the viewer may see it


@dataclass
class ComparedZone:
    key: str
    name: str
    old_category: str | None  # None: the zone is new in the later version
    new_category: str | None  # None: the zone is gone in the later version
    geometry: dict
    reasons: list[Reason]
    anchor: str = ""  # the id of its row in the table (keys may hold any character)

    @property
    def kind(self) -> str:
        if self.old_category is None:
            return "added"
        if self.new_category is None:
            return "removed"
        return "changed"


def compare_versions(layer: Layer, old: LayerVersion, new: LayerVersion, viewer=None) -> list[ComparedZone]:
    """Zones whose category differs between two versions of a layer (or that only one of them has),
    sorted by name, each with the proposals recorded by the versions from `old` (exclusive) up to
    `new` (inclusive). Contributions are only given when the viewer may see them."""
    def zones_of(version):
        return {z.key: z for z in db.session.scalars(select(Zone).where(Zone.layer_version_id == version.id))}

    before, after = zones_of(old), zones_of(new)
    low, high = sorted((old.number, new.number))
    changes = list(db.session.scalars(
        select(ZoneChange).join(LayerVersion, LayerVersion.id == ZoneChange.version_id)
        .where(ZoneChange.layer_id == layer.id, LayerVersion.number > low, LayerVersion.number <= high)
        .options(selectinload(ZoneChange.proposals).selectinload(Proposal.organisation),
                 selectinload(ZoneChange.proposals).selectinload(Proposal.session),
                 selectinload(ZoneChange.proposals).selectinload(Proposal.contribution),
                 selectinload(ZoneChange.version))
        .order_by(LayerVersion.number, ZoneChange.id)))
    reasons: dict[str, list[Reason]] = {}
    for change in changes:
        for proposal in change.proposals:
            contribution = proposal.contribution
            if contribution is not None and not (contribution.status == PUBLISHED
                                                 or contributions.can_see(contribution, viewer)):
                contribution = None
            reasons.setdefault(change.zone_key, []).append(Reason(proposal, change.version.number, contribution))

    result = []
    for key in set(before) | set(after):
        a, b = before.get(key), after.get(key)
        if a is not None and b is not None and a.category == b.category:
            continue
        zone = b or a
        result.append(ComparedZone(key=key, name=zone.name, old_category=a.category if a else None,
                                   new_category=b.category if b else None, geometry=zone.geometry,
                                   reasons=reasons.get(key, [])))
    result.sort(key=lambda c: (c.name.lower(), c.key))
    for number, compared in enumerate(result, start=1):
        compared.anchor = f"wijziging-{number}"
    return result


def session_proposals(session: MapTableSession) -> list[Proposal]:
    """The proposals made in one map-table session, oldest first (for session reports)."""
    return list(db.session.scalars(
        select(Proposal).where(Proposal.session_id == session.id)
        .options(selectinload(Proposal.organisation), selectinload(Proposal.decided_by),
                 selectinload(Proposal.applied_version))
        .order_by(Proposal.id)))
