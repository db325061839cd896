"""Summaries: computing one (`compute`, pure: input in, figures out), running it as a job
(`summarise`), and the workflow around it: start, review, narrative, publish, read.

A run reads the round's published input (`inputs.load`) and hashes it. When a draft with that hash
already exists it is reused; when only a published version has it, its figures are copied into a
new draft; otherwise everything is computed. The summary, the groups behind its figures and the
job's "finished" state are written in one transaction at the very end, so a summary is never
visible half-written. Drafts are replaced by newer runs (kept as "superseded"); published versions
never change.
"""
import copy
import math
from dataclasses import dataclass
from datetime import date, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import jobs
from ..accounts.models import User, utcnow
from ..contributions.models import Contribution
from ..contributions.services import visible_filter
from ..extensions import db
from ..permissions import Role, has_role
from ..rounds import services as rounds
from ..rounds.errors import NotFound, Refused, ValidationError
from ..rounds.models import Round, Zone
from ..sanitize import clean_html
from ..signals import summary_published
from . import charts, hotspots, inputs, keywords, topics, zones
from .models import DRAFT, PUBLISHED, SUPERSEDED, VISIBILITIES, Summary, SummaryGroup

ALGORITHM_VERSION = "1.0"
JOB_KIND = "summary"
JOB_FUNCTION = "participatie.summaries.tasks.summarise_round"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")

DEFAULT_PARAMETERS = {
    "keywords": {"ngram": [1, 2], "min_df": 2, "max_features": 20000, "round_top": 20, "theme_top": 10,
                 "group_top": 5, "max_chars": inputs.MAX_ANALYSED_CHARS,
                 "stopwords": "stopwordsiso nl + en", "lemmatiser": "simplemma nl"},
    "hotspots": {"method": "DBSCAN", "crs": "EPSG:28992", "eps_m": 300, "min_samples_floor": 5,
                 "density_factor": 3, "chance": 0.01,
                 "snap_m": 30},
    "topics": {"enabled": True, "sample": 1000, "seed": 2026, "linkage": "average", "metric": "cosine",
               "distance_threshold": 0.55, "min_size": 3, "max_topics": 12},
    "quotes": {"round": 5, "group": 3, "min_chars": 30, "max_chars": 600},
    "charts": {"enabled": True, "zones_top": 15},
}

# Steps a summary job goes through, with the progress each one starts at; the job page names them.
STEPS = {
    "start": _l("De taak is gestart"),
    "load": _l("Inbreng lezen"),
    "totals": _l("Tellen"),
    "zones": _l("Zones bepalen"),
    "hotspots": _l("Hotspots zoeken"),
    "keywords": _l("Trefwoorden zoeken"),
    "topics": _l("Onderwerpen zoeken"),
    "quotes": _l("Citaten kiezen"),
    "charts": _l("Grafieken maken"),
    "save": _l("Opslaan"),
    "reused": _l("Niets veranderd: de bestaande samenvatting is hergebruikt"),
    "done": _l("Klaar"),
}

CHANNEL_LABELS = {"web": _l("website"), "kaarttafel": _l("kaarttafel"), "paper": _l("papier"),
                  "phone": _l("telefoon"), "in_person": _l("persoonlijk")}


class SummaryJobError(Exception):
    """A summary job that cannot do its work; `plain_message` is shown to staff."""

    def __init__(self, plain_message: str):
        super().__init__(plain_message)
        self.plain_message = plain_message


def parameters() -> dict:
    """The parameters of a new run: the defaults, with SUMMARY_PARAMETERS from the config on top."""
    params = copy.deepcopy(DEFAULT_PARAMETERS)
    for section, values in (current_app.config.get("SUMMARY_PARAMETERS") or {}).items():
        params.setdefault(section, {}).update(values)
    return params


def preload() -> None:
    """Import and warm up the libraries a summary needs (sklearn, matplotlib, the lemmatiser's
    dictionary, the sentence encoder), once in the worker, so that every forked job starts warm."""
    import sklearn.cluster  # noqa: F401
    import sklearn.feature_extraction.text  # noqa: F401

    keywords.Analyser().terms("opwarmen van de fietspaden")
    charts.bar_chart(["a"], [1], "")
    topics.preload()


# --- computing --------------------------------------------------------------------------------------

@dataclass
class Computed:
    content: dict
    charts: dict  # name → SVG
    groups: dict  # key → (label, rows)


def _local_day(moment) -> date:
    return moment.replace(tzinfo=timezone.utc).astimezone(AMSTERDAM).date()


def _no_progress(percent: int, step: str) -> None:
    pass


def compute(data: inputs.RoundInput, params: dict, report=_no_progress) -> Computed:
    """Every figure of a summary from its input. Deterministic: the same input and parameters give
    the same content, charts and groups."""
    groups: dict = {}
    n = len(data)
    all_rows = np.arange(n, dtype=np.int64)
    groups["all"] = ("Alle inbreng", all_rows)

    report(10, "totals")
    content = {"algorithm_version": ALGORITHM_VERSION, "theme": data.theme, "totals": _totals(data)}
    content.update(_breakdowns(data, groups))

    kw = params["keywords"]
    report(20, "keywords")
    tm = keywords.term_matrix(data.texts, kw["max_features"], kw["min_df"], kw["max_chars"])
    quotes: set = set()
    q = params["quotes"]

    def top(rows, limit, prefix):
        found = keywords.top_keywords(tm, rows, limit)
        out = []
        for k in found:
            key = f"{prefix}keyword:{k.term}"
            groups[key] = (f"Trefwoord ‘{k.term}’", k.rows)
            out.append({"term": k.term, "score": k.score, "count": k.count, "group": key})
        return out

    def pick(rows, limit):
        chosen = keywords.representative(tm, rows, data.texts, data.authors, limit, q["min_chars"], q["max_chars"])
        quotes.update(chosen)
        return [int(data.ids[r]) for r in chosen]

    content["keywords"] = top(all_rows, kw["round_top"], "")
    content["quotes"] = pick(all_rows, q["round"])
    for item in content["by_theme"]:
        rows = groups[item["group"]][1]
        item["keywords"] = top(rows, kw["theme_top"], f"theme:{item['theme']}:")
        item["quotes"] = pick(rows, q["group"])

    report(40, "zones")
    content["zones"] = _zones(data, groups, top, pick, kw["group_top"], q["group"])

    report(50, "hotspots")
    content["hotspots"] = _hotspots(data, params["hotspots"], groups, top, pick, kw["group_top"], q["group"])

    report(60, "topics")
    content["topics"] = _topics(data, params["topics"], tm, groups, q["group"], quotes)

    report(85, "quotes")
    content["quote_texts"] = {
        str(int(data.ids[r])): {"text": data.texts[r], "theme": data.themes[r],
                                "date": _local_day(data.created[r]).isoformat()}
        for r in sorted(quotes)}

    report(90, "charts")
    svgs = _charts(content, params["charts"])
    content["charts"] = sorted(svgs)
    return Computed(content, svgs, groups)


def _totals(data: inputs.RoundInput) -> dict:
    zone_support = sum(s for s, _o in data.zone_votes.values())
    zone_objection = sum(o for _s, o in data.zone_votes.values())
    people = set(data.authors[data.authors >= 0].tolist())
    people.update(data.reply_authors[data.reply_authors >= 0].tolist())
    people.update(data.voters.tolist())
    without_account = int((data.authors < 0).sum())
    support, objection = int(data.support.sum()), int(data.objection.sum())
    return {
        "contributions": len(data), "replies": int(data.replies.sum()),
        "votes": support + objection + zone_support + zone_objection,
        "contribution_support": support, "contribution_objection": objection,
        "zone_support": zone_support, "zone_objection": zone_objection,
        "participants": len(people) + without_account, "without_account": without_account,
        "with_place": int((~np.isnan(data.lon)).sum()),
    }


def _breakdowns(data: inputs.RoundInput, groups: dict) -> dict:
    """Counts by day (Europe/Amsterdam), theme, channel and organisation, each with its group."""
    out = {}
    days = [_local_day(moment) for moment in data.created]
    by_day = []
    if days:
        day_index: dict = {}
        for row, day in enumerate(days):
            day_index.setdefault(day, []).append(row)
        current, last = min(days), max(days)
        while current <= last:  # every day, also those without input, so the chart is honest
            rows = np.asarray(day_index.get(current, []), dtype=np.int64)
            key = f"day:{current.isoformat()}"
            if len(rows):
                groups[key] = (f"Dag {current.isoformat()}", rows)
            by_day.append({"day": current.isoformat(), "count": len(rows), "group": key if len(rows) else None})
            current += timedelta(days=1)
    out["by_day"] = by_day

    def breakdown(values, order, prefix, label):
        index: dict = {}
        for row, value in enumerate(values):
            if value is not None:
                index.setdefault(value, []).append(row)
        keys = [k for k in order if k in index] + sorted(k for k in index if k not in order)
        result = []
        for value in keys:
            rows = np.asarray(index[value], dtype=np.int64)
            key = f"{prefix}:{value}"
            groups[key] = (f"{label} {value}", rows)
            result.append({prefix: value, "count": len(rows), "group": key})
        return result

    out["by_theme"] = breakdown(data.themes, list(data.round.themes), "theme", "Thema")
    for item in out["by_theme"]:
        rows = groups[item["group"]][1]
        item["replies"] = int(data.replies[rows].sum())
        item["support"] = int(data.support[rows].sum())
        item["objection"] = int(data.objection[rows].sum())
    out["by_channel"] = breakdown(data.channels, ["web", "kaarttafel", "paper", "phone", "in_person"], "channel",
                                  "Kanaal")
    out["by_organisation"] = breakdown(data.organisations, [], "organisation", "Organisatie")
    # Map-table input (channel kaarttafel) per organisation it spoke for; group "channel:kaarttafel:
    # organisation:<name>" (group_label reads the pairs).
    table: dict = {}
    for row, (organisation, channel) in enumerate(zip(data.organisations, data.channels)):
        if channel == "kaarttafel" and organisation is not None:
            table.setdefault(organisation, []).append(row)
    out["kaarttafel_by_organisation"] = []
    for organisation in sorted(table):
        key = f"channel:kaarttafel:organisation:{organisation}"
        groups[key] = (f"Kanaal kaarttafel, organisatie {organisation}", np.asarray(table[organisation], dtype=np.int64))
        out["kaarttafel_by_organisation"].append({"organisation": organisation, "count": len(table[organisation]),
                                                  "group": key})
    return out


def _zones(data, groups, top, pick, keyword_limit, quote_limit) -> list:
    members = zones.contributions_per_zone([z.shape for z in data.zones], data.lon, data.lat, data.shapes)
    result = []
    for zone, rows in zip(data.zones, members):
        key = f"zone:{zone.id}"
        if len(rows):
            groups[key] = (f"Zone {zone.name}", rows)
        support, objection = data.zone_votes.get((zone.layer_id, zone.key), (0, 0))
        result.append({
            "id": zone.id, "layer": zone.layer_name, "layer_id": zone.layer_id, "key": zone.key, "name": zone.name,
            "category": zone.category, "count": len(rows), "group": key if len(rows) else None,
            "support": support, "objection": objection,
            "contribution_support": int(data.support[rows].sum()), "contribution_objection": int(data.objection[rows].sum()),
            "keywords": top(rows, keyword_limit, f"{key}:") if len(rows) else [],
            "quotes": pick(rows, quote_limit),
        })
    return result


def _hotspots(data, params, groups, top, pick, keyword_limit, quote_limit) -> dict:
    eligible = np.array([source == "map" for source in data.place_sources], dtype=bool)
    found = hotspots.find(data.lon, data.lat, eligible, data.area, params["eps_m"], params["min_samples_floor"],
                          params["density_factor"], params["snap_m"], params.get("chance", 0.01))
    from ..contributions.services import nearest_place
    import shapely

    items = []
    for spot in found.hotspots:
        key = f"hotspot:{spot.number}"
        groups[key] = (f"Hotspot {spot.number}", spot.rows)
        place = nearest_place(shapely.Point(*spot.centre))
        items.append({
            "number": spot.number, "count": len(spot.rows), "group": key, "centre": list(spot.centre),
            "radius_m": spot.radius_m, "place": place.name if place else "", "geometry": spot.geometry,
            "support": int(data.support[spot.rows].sum()), "objection": int(data.objection[spot.rows].sum()),
            "keywords": top(spot.rows, keyword_limit, f"{key}:"), "quotes": pick(spot.rows, quote_limit),
        })
    return {"items": items, "eligible": found.eligible, "min_samples": found.min_samples,
            "expected_per_circle": found.expected_per_circle, "in_hotspots": int(sum(i["count"] for i in items))}


def _topics(data, params, tm, groups, quote_limit, quotes: set) -> dict:
    ok, model_name = topics.available()
    if not params.get("enabled", True):
        return {"available": False, "reason": jobs.N_("Onderwerpen staan uit voor deze samenvatting."), "items": []}
    if not ok:
        return {"available": False, "reason": model_name, "items": []}
    sample = topics.sample_rows(len(data), params["sample"], params["seed"])
    vectors = topics.embed([data.texts[r] for r in sample])
    clusters = topics.cluster(vectors, params["distance_threshold"], params["min_size"])[: params["max_topics"]]
    items = []
    for number, members in enumerate(clusters, start=1):
        rows = sample[members]
        key = f"topic:{number}"
        groups[key] = (f"Onderwerp {number}", np.sort(rows))
        names = keywords.top_keywords(tm, rows, 3)
        chosen = [int(sample[p]) for p in topics.central(vectors, members, quote_limit)]
        quotes.update(chosen)
        items.append({"number": number, "count": len(rows), "label": " · ".join(k.term for k in names),
                      "keywords": [k.term for k in names], "group": key,
                      "quotes": [int(data.ids[r]) for r in chosen]})
    return {"available": True, "model": model_name, "sample": len(sample), "total": len(data),
            "sampled": len(sample) < len(data), "items": items,
            "in_topics": int(sum(i["count"] for i in items))}


def _charts(content: dict, params: dict) -> dict:
    """The charts, each drawn from exactly the numbers its table on the page shows."""
    svgs = {}
    if not params.get("enabled", True):
        return svgs
    if content["by_day"]:
        days = content["by_day"]
        svgs["per-dag"] = charts.bar_chart([d["day"][5:] for d in days], [d["count"] for d in days], "",
                                           every=max(1, math.ceil(len(days) / 20)))
    if content["by_theme"]:
        svgs["per-thema"] = charts.bar_chart([t["theme"] for t in content["by_theme"]],
                                             [t["count"] for t in content["by_theme"]], "", horizontal=True)
    if content["by_channel"]:
        svgs["per-kanaal"] = charts.bar_chart([str(CHANNEL_LABELS.get(c["channel"], c["channel"]))
                                               for c in content["by_channel"]],
                                              [c["count"] for c in content["by_channel"]], "", horizontal=True)
    busiest = top_zones(content, params["zones_top"])
    if busiest:
        svgs["per-zone"] = charts.bar_chart([z["name"] for z in busiest], [z["count"] for z in busiest], "",
                                            horizontal=True)
    return svgs


def top_zones(content: dict, limit: int = 15) -> list:
    """The zones with most contributions (ties by name), as the zone chart shows them."""
    with_input = [z for z in content.get("zones", []) if z["count"]]
    return sorted(with_input, key=lambda z: (-z["count"], z["name"], z["id"]))[:limit]


# --- running ----------------------------------------------------------------------------------------

def summarise(round_id: int, theme: str | None = None, user_id: int | None = None) -> Summary:
    """The work of a summary job (also callable directly): load, reuse or compute, save. Reports
    progress to the running job, if any."""
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise SummaryJobError(jobs.N_("De ronde bestaat niet meer."))
    params = parameters()
    jobs.progress(2, "load")
    data = inputs.load(round_, theme, params, ALGORITHM_VERSION)
    record = jobs.current_record()
    user_id = user_id if user_id is not None else (record.created_by_id if record else None)

    reusable = db.session.scalars(
        select(Summary).where(Summary.round_id == round_.id, Summary.input_hash == data.input_hash,
                              Summary.status.in_((DRAFT, PUBLISHED)))
        .order_by(Summary.created_at.desc(), Summary.id.desc())).all()
    draft = next((s for s in reusable if s.status == DRAFT), None)
    if draft is not None:
        jobs.progress(99, "reused")
        jobs.finish(draft.id)
        db.session.commit()
        return draft
    if reusable:
        source = reusable[0]
        computed = Computed(source.content, source.charts,
                            {g.key: (g.label, None, g.ids_blob) for g in
                             db.session.scalars(select(SummaryGroup).where(SummaryGroup.summary_id == source.id))})
        jobs.progress(90, "reused")
    else:
        computed = compute(data, params, jobs.progress)
    jobs.progress(96, "save")
    summary = _save(round_, theme, data, computed, params, record, user_id)
    jobs.finish(summary.id)
    try:
        db.session.commit()
    except IntegrityError:
        # Another attempt of this same job (its worker was thought dead) saved it first.
        db.session.rollback()
        summary = db.session.scalar(select(Summary).where(Summary.job_id == record.id))
        if summary is None:
            raise
        jobs.finish(summary.id)
        db.session.commit()
    return summary


def _save(round_: Round, theme, data: inputs.RoundInput, computed: Computed, params: dict, record, user_id) -> Summary:
    """The new draft with its groups; older drafts of the same scope become history. Not committed."""
    previous = db.session.scalars(
        select(Summary).where(Summary.round_id == round_.id, Summary.status == DRAFT,
                              Summary.theme.is_(None) if theme is None else Summary.theme == theme)
        .order_by(Summary.created_at.desc(), Summary.id.desc())).all()
    summary = Summary(
        round_id=round_.id, job_id=record.id if record is not None else None, status=DRAFT, theme=theme,
        input_hash=data.input_hash, parameters=params, algorithm_version=ALGORITHM_VERSION,
        contribution_count=len(data), content=computed.content, charts=computed.charts, created_by_id=user_id,
        narrative_html=previous[0].narrative_html if previous else "", computed_at=utcnow(),
    )
    for old in previous:
        old.status = SUPERSEDED
    db.session.add(summary)
    db.session.flush()
    rows = []
    for key, value in computed.groups.items():
        if len(value) == 3:  # copied from an earlier summary: already encoded
            label, _rows, blob = value
            count = len(SummaryGroup.decode(blob))
        else:
            label, group_rows = value
            blob, count = SummaryGroup.encode(data.ids[group_rows]), len(group_rows)
        rows.append({"summary_id": summary.id, "key": key[:200], "label": label[:300], "count": count,
                     "ids_blob": blob})
    if rows:
        db.session.execute(SummaryGroup.__table__.insert(), rows)
    return summary


# --- workflow ---------------------------------------------------------------------------------------

def can_manage(user) -> bool:
    """Moderators and policy analysts (and admins) run, review and publish summaries."""
    return has_role(user, Role.MODERATOR)


def can_read(user, summary: Summary) -> bool:
    return summary.is_public or can_manage(user)


def start(round_: Round, user, theme: str | None = None) -> jobs.JobRecord:
    """Queue a summary job for the round (one theme, or all); a job for the same round and theme
    that is still waiting or running is returned instead of a second one. Raises ValidationError
    for an unknown theme and jobs.QueueUnavailable when the queue cannot be reached."""
    theme = theme or None
    if theme is not None and theme not in round_.themes:
        raise ValidationError({"theme": _l("Kies een thema van deze ronde.")})
    for record in db.session.scalars(
            select(jobs.JobRecord).where(jobs.JobRecord.round_id == round_.id, jobs.JobRecord.kind == JOB_KIND,
                                         jobs.JobRecord.status.in_(jobs.ACTIVE))):
        if list(record.args[1:2]) == [theme]:
            return record
    return jobs.enqueue(JOB_FUNCTION, round_.id, theme, kind=JOB_KIND, round_id=round_.id, created_by=user)


def retry(record: jobs.JobRecord, user) -> jobs.JobRecord:
    if record.kind != JOB_KIND:
        raise NotFound(_l("Deze taak bestaat niet."))
    if record.is_active:
        return record
    return jobs.retry(record, created_by=user)


def get_summary(summary_id: int) -> Summary | None:
    return db.session.get(Summary, summary_id)


def summaries_of(round_: Round) -> list[Summary]:
    """Every current draft and published version of a round, newest first (no superseded drafts)."""
    return list(db.session.scalars(
        select(Summary).where(Summary.round_id == round_.id, Summary.status.in_((DRAFT, PUBLISHED)))
        .order_by(Summary.created_at.desc(), Summary.id.desc())))


def public_summaries(round_: Round) -> list[Summary]:
    return [s for s in db.session.scalars(
        select(Summary).where(Summary.round_id == round_.id, Summary.status == PUBLISHED)
        .order_by(Summary.version.desc())) if s.is_public]


def latest_public(round_: Round) -> Summary | None:
    found = public_summaries(round_)
    return found[0] if found else None


def save_narrative(summary: Summary, html: str) -> Summary:
    """The analyst's own text on a draft, cleaned to the rich-text allow-list. The caller commits."""
    if not summary.is_draft:
        raise Refused(_l("Een gepubliceerde samenvatting ligt vast. Maak een nieuwe samenvatting om de tekst te "
                         "wijzigen."), code="published")
    summary.narrative_html = clean_html(html or "").strip()
    db.session.flush()
    return summary


def publish(summary: Summary, visibility: str, user) -> Summary:
    """Publish a draft as the round's next fixed version, for the policy team or for everyone.
    The caller commits."""
    if not summary.is_draft:
        raise Refused(_l("Alleen een concept kan gepubliceerd worden."), code="not_draft")
    if visibility not in VISIBILITIES:
        raise ValidationError({"visibility": _l("Kies voor wie de samenvatting is.")})
    latest = db.session.scalar(select(func.max(Summary.version)).where(Summary.round_id == summary.round_id)) or 0
    summary.status, summary.visibility, summary.version = PUBLISHED, visibility, latest + 1
    summary.published_at, summary.published_by_id = utcnow(), getattr(user, "id", None)
    db.session.flush()
    summary_published.send(summary, actor=user)
    return summary


def job_summary(record: jobs.JobRecord) -> Summary | None:
    return db.session.get(Summary, record.result_id) if record.result_id else None


def user_names(ids) -> dict:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


# --- reading ----------------------------------------------------------------------------------------

def group(summary: Summary, key: str) -> SummaryGroup | None:
    return db.session.scalar(select(SummaryGroup).where(SummaryGroup.summary_id == summary.id,
                                                        SummaryGroup.key == key))


def group_label(summary: Summary, key: str, fallback: str = "") -> str:
    """The group's name in the reader's language, e.g. "Zone Vlist-Oost" or "Trefwoord ‘fietspad’"."""
    parts = key.split(":")
    content = summary.content or {}
    names = []
    i = 0
    while i < len(parts):
        kind = parts[i]
        value = parts[i + 1] if i + 1 < len(parts) else ""
        if kind == "all":
            names.append(str(_l("Alle inbreng")))
        elif kind == "theme":
            names.append(str(_l("Thema %(name)s", name=value)))
        elif kind == "channel":
            names.append(str(_l("Kanaal %(name)s", name=CHANNEL_LABELS.get(value, value))))
        elif kind == "organisation":
            names.append(str(_l("Organisatie %(name)s", name=value)))
        elif kind == "day":
            names.append(str(_l("Dag %(day)s", day=value)))
        elif kind == "zone":
            zone = next((z for z in content.get("zones", []) if str(z["id"]) == value), None)
            names.append(str(_l("Zone %(name)s", name=zone["name"] if zone else value)))
        elif kind == "hotspot":
            names.append(str(_l("Hotspot %(number)s", number=value)))
        elif kind == "topic":
            names.append(str(_l("Onderwerp %(number)s", number=value)))
        elif kind == "keyword":
            value = ":".join(parts[i + 1:])
            names.append(str(_l("trefwoord ‘%(term)s’", term=value)))
            break
        else:
            return fallback or key
        i += 2
    return ", ".join(names)


@dataclass
class GroupEntry:
    id: int
    contribution: Contribution | None  # None: no longer visible to this reader
    author_name: str | None
    zone_name: str | None


@dataclass
class GroupPage:
    group: SummaryGroup
    label: str
    entries: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def group_page(summary: Summary, key: str, viewer, page: int = 1, per_page: int = 20) -> GroupPage | None:
    """One page of the contributions behind a figure, newest first. Contributions the reader may no
    longer see (hidden by a moderator since) keep their place as "no longer public", so that the
    list always adds up to the figure."""
    found = group(summary, key)
    if found is None:
        return None
    ids = found.ids[::-1]
    total = len(ids)
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    chosen = ids[(page - 1) * per_page: page * per_page]
    rows = {c.id: (c, name, zone) for c, name, zone in db.session.execute(
        select(Contribution, User.display_name, Zone.name)
        .outerjoin(User, User.id == Contribution.author_id)
        .outerjoin(Zone, Zone.id == Contribution.zone_id)
        .where(Contribution.id.in_(chosen), visible_filter(Contribution, viewer)))}
    entries = [GroupEntry(i, *rows[i]) if i in rows else GroupEntry(i, None, None, None) for i in chosen]
    return GroupPage(found, group_label(summary, key, found.label), entries, total, page, per_page)


def visible_quotes(summary: Summary, ids: list[int], viewer) -> list[dict]:
    """The quotes (snapshots taken when the summary was made) that the reader may still see."""
    if not ids:
        return []
    visible = set(db.session.scalars(select(Contribution.id).where(
        Contribution.id.in_(ids), visible_filter(Contribution, viewer))))
    texts = (summary.content or {}).get("quote_texts", {})
    return [{"id": i, **texts[str(i)]} for i in ids if i in visible and str(i) in texts]


def open_rounds_with_summaries(now=None) -> list[tuple[int, str | None]]:
    """(round id, theme) of every open round that has a summary: what the nightly refresh redoes."""
    pairs = db.session.execute(select(Summary.round_id, Summary.theme).distinct()).all()
    result = []
    for round_id, theme in sorted(pairs, key=lambda p: (p[0], p[1] or "")):
        round_ = db.session.get(Round, round_id)
        if round_ is not None and rounds.is_open(round_, now):
            result.append((round_id, theme))
    return result
