"""Forms of map-table sessions: planning a session, making one-time codes, joining, giving input and
changing the status. The rules live in maptable.services; these forms carry the input so that the
service's Dutch messages land next to the right field."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.widgets import CheckboxInput, ListWidget

from ..contributions.forms import ContributionForm
from . import services
from .models import INTEGRAL, STATUSES


class CheckboxList(SelectMultipleField):
    """A multiple choice as a list of checkboxes (easier on a touch screen than a multi-select)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SessionForm(FlaskForm):
    title = StringField(_l("Titel"), id="session-title", render_kw={"maxlength": services.TITLE_MAX})
    theme = SelectField(_l("Thema"), validate_choice=False, id="session-theme")
    starts_at = DateTimeLocalField(_l("Datum en tijd (Nederlandse tijd)"), format="%Y-%m-%dT%H:%M",
                                   id="session-starts-at")
    status = SelectField(_l("Status"), validate_choice=False, id="session-status")
    facilitator_ids = CheckboxList(_l("Gespreksleiders"), coerce=str, validate_choice=False,
                                   id="session-facilitators")
    organisation_ids = CheckboxList(_l("Uitgenodigde organisaties"), coerce=str, validate_choice=False,
                                    id="session-organisations")
    participant_ids = CheckboxList(_l("Deelnemers met een account (van de uitgenodigde organisaties)"),
                                   coerce=str, validate_choice=False, id="session-participants")
    minutes = TextAreaField(_l("Verslag (gewone tekst)"), id="session-minutes", render_kw={"rows": 8})

    ERROR_FIELDS = {"title": "title", "theme": "theme", "starts_at": "starts_at", "status": "status",
                    "facilitator_ids": "facilitator_ids", "organisation_ids": "organisation_ids",
                    "participant_ids": "participant_ids", "minutes": "minutes"}

    def __init__(self, round_, **kwargs):
        super().__init__(**kwargs)
        self.theme.choices = [SelectChoice(t, _l("Integraal (alle thema's)") if t == INTEGRAL else t.capitalize())
                              for t in services.theme_choices(round_)]
        self.status.choices = [SelectChoice(s, services.STATUS_LABELS[s]) for s in STATUSES]
        self.facilitator_ids.choices = [(str(u.id), u.display_name) for u in services.staff_users()]
        organisations = services.all_organisations()
        self.organisation_ids.choices = [(str(o.id), o.name) for o in organisations]
        names = {o.id: o.name for o in organisations}
        self.participant_ids.choices = [
            (str(u.id), f"{u.display_name} ({names.get(u.organisation_id, '')})")
            for u in services.stakeholder_users(list(names))]

    def values(self) -> dict:
        return {"title": self.title.data, "theme": self.theme.data, "starts_at": self.starts_at.data,
                "status": self.status.data, "facilitator_ids": self.facilitator_ids.data or [],
                "organisation_ids": self.organisation_ids.data or [],
                "participant_ids": self.participant_ids.data or [], "minutes": self.minutes.data}

    def add_service_errors(self, errors: dict) -> None:
        for name, message in errors.items():
            f = getattr(self, self.ERROR_FIELDS.get(name, "title"))
            f.errors = list(f.errors) + [message]
        self._errors = None


class CodesForm(FlaskForm):
    organisation_id = SelectField(_l("Organisatie"), validate_choice=False, id="codes-organisation")
    count = IntegerField(_l("Aantal codes"), default=1, id="codes-count",
                         render_kw={"min": 1, "max": services.MAX_CODES, "inputmode": "numeric"})
    label = StringField(_l("Notitie (niet verplicht), bijvoorbeeld voor wie"), id="codes-label",
                        render_kw={"maxlength": 120})

    def __init__(self, session, **kwargs):
        super().__init__(**kwargs)
        self.organisation_id.choices = [(str(o.id), o.name) for o in session.organisations]


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), validate_choice=False, id="status-status")


class JoinForm(FlaskForm):
    session_code = StringField(_l("Sessiecode"), id="join-session-code",
                               render_kw={"autocomplete": "off", "autocapitalize": "characters",
                                          "spellcheck": "false", "maxlength": 20})
    participant_code = StringField(_l("Persoonlijke deelnamecode (als u geen account hebt)"),
                                   id="join-participant-code",
                                   render_kw={"autocomplete": "off", "autocapitalize": "characters",
                                              "spellcheck": "false", "maxlength": 30})


class InputForm(ContributionForm):
    """Map-table input: the contribution form plus the organisation (facilitators choose one of the
    invited organisations; participants speak for their own) and an optional stance on the zone."""

    organisation_id = SelectField(_l("Namens organisatie"), validate_choice=False, id="input-organisation")
    stance = RadioField(_l("Standpunt over de zone (niet verplicht)"), validate_choice=False, id="input-stance",
                        default="")

    def __init__(self, round_, zones, places, session=None, **kwargs):
        super().__init__(round_, zones, places, **kwargs)
        self.organisation_id.choices = [(str(o.id), o.name) for o in (session.organisations if session else [])]
        self.stance.choices = [("", _l("Geen standpunt, alleen een opmerking")),
                               ("support", _l("Steun voor deze zone")),
                               ("objection", _l("Bezwaar tegen deze zone")),
                               ("exclude", _l("Voorstel: zone uitsluiten"))]
        if session is not None and not session.is_integral and not self.theme.data:
            self.theme.data = session.theme

    def add_service_errors(self, errors: dict) -> None:
        own = {k: v for k, v in errors.items() if k in ("organisation_id", "stance")}
        for name, message in own.items():
            f = getattr(self, name)
            f.errors = list(f.errors) + [message]
        super().add_service_errors({k: v for k, v in errors.items() if k not in own})
