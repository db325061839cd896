"""Forms for moderation: the queue's filter, a decision on one item, a redaction, a bulk decision,
a resident's flag, and input that arrived on paper, by phone or in person."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (DateField, HiddenField, RadioField, SelectChoice, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import InputRequired, Length, Optional

from ..contributions import services as contributions
from . import services
from .models import FLAG_REASONS


def rule_choices():
    return [SelectChoice("", _l("Kies een regel"))] + [SelectChoice(code, label) for code, label in services.RULES.items()]


class QueueFilterForm(FlaskForm):
    """The queue's filters (GET, no CSRF)."""

    class Meta:
        csrf = False

    project = SelectField(_l("Project"), validate_choice=False, id="filter-project")
    ronde = SelectField(_l("Ronde"), validate_choice=False, id="filter-round")
    thema = SelectField(_l("Thema"), validate_choice=False, id="filter-theme")
    status = SelectField(_l("Status"), validate_choice=False, id="filter-status")
    reden = SelectField(_l("Reden"), validate_choice=False, id="filter-reason")

    def __init__(self, choices: dict, **kwargs):
        super().__init__(**kwargs)
        self.project.choices = [SelectChoice("", _l("Alle projecten"))] + [
            SelectChoice(str(id_), title) for id_, title in choices["projects"]]
        self.ronde.choices = [SelectChoice("", _l("Alle rondes"))] + [
            SelectChoice(str(id_), title) for id_, title in choices["rounds"]]
        self.thema.choices = [SelectChoice("", _l("Alle thema's"))] + [
            SelectChoice(theme, theme.capitalize()) for theme in choices["themes"]]
        self.status.choices = [
            SelectChoice("queue", _l("Te beoordelen (wacht of gemeld)")),
            SelectChoice("pending", _l("Wacht op moderatie")),
            SelectChoice("flagged", _l("Gemeld")),
            SelectChoice("published", _l("Gepubliceerd")),
            SelectChoice("hidden", _l("Verborgen")),
            SelectChoice("rejected", _l("Afgewezen")),
        ]
        self.reden.choices = [SelectChoice("", _l("Alle redenen"))] + [
            SelectChoice(code, label) for code, label in services.HELD_REASON_LABELS.items()]


class DecisionForm(FlaskForm):
    """One decision on one item; the pressed button (name 'action') says which."""

    seen = HiddenField()
    reason = TextAreaField(_l("Reden van afwijzen (de schrijver krijgt die te zien)"), id="decision-reason",
                           validators=[Optional(), Length(max=1000)], render_kw={"rows": 2, "maxlength": 1000})
    rule = SelectField(_l("Regel die is overtreden (bij verbergen)"), validate_choice=False, id="decision-rule")
    note = StringField(_l("Notitie voor moderatoren (niet verplicht)"), id="decision-note",
                       validators=[Optional(), Length(max=1000)])
    duplicate_of = StringField(_l("Dubbel van inbreng nummer"), id="decision-duplicate",
                               validators=[Optional(), Length(max=12)], render_kw={"inputmode": "numeric"})

    def __init__(self, *args, prefix_id: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.rule.choices = rule_choices()
        if prefix_id:  # several of these forms on one page need their own ids
            for name in ("reason", "rule", "note", "duplicate_of"):
                field = getattr(self, name)
                field.id = field.label.field_id = f"{field.id}-{prefix_id}"


class RedactForm(FlaskForm):
    seen = HiddenField()
    text = TextAreaField(_l("Tekst zonder persoonsgegevens of scheldwoorden"), id="redact-text",
                         validators=[InputRequired(_l("Vul de tekst in."))],
                         render_kw={"rows": 8, "maxlength": contributions.TEXT_MAX})


class BulkForm(FlaskForm):
    action = SelectField(_l("Actie voor de gekozen inbreng"), validate_choice=False, id="bulk-action", choices=[
        SelectChoice("", _l("Kies een actie")),
        SelectChoice("approve", _l("Goedkeuren")),
        SelectChoice("reject", _l("Afwijzen")),
        SelectChoice("hide", _l("Verbergen")),
    ])
    reason = StringField(_l("Reden (bij afwijzen)"), id="bulk-reason", validators=[Optional(), Length(max=1000)])
    rule = SelectField(_l("Regel (bij verbergen)"), validate_choice=False, id="bulk-rule")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule.choices = rule_choices()


class FlagForm(FlaskForm):
    reason = RadioField(_l("Waarom meldt u dit?"), validate_choice=False, id="flag-reason", choices=[
        SelectChoice(code, services.FLAG_REASON_LABELS[code]) for code in FLAG_REASONS])
    note = TextAreaField(_l("Toelichting (niet verplicht)"), id="flag-note",
                         validators=[Optional(), Length(max=500)], render_kw={"rows": 2, "maxlength": 500})


class EntryForm(FlaskForm):
    """Input received on paper, by phone or in person, entered by a moderator."""

    channel = RadioField(_l("Hoe kwam de inbreng binnen?"), validate_choice=False, id="entry-channel", choices=[
        SelectChoice("paper", _l("Brief")),
        SelectChoice("phone", _l("Telefoon")),
        SelectChoice("in_person", _l("Persoonlijk")),
    ])
    received_at = DateField(_l("Datum van ontvangst"), id="entry-received", validators=[Optional()])
    contact_name = StringField(_l("Naam (niet verplicht)"), id="entry-name", validators=[Optional(), Length(max=200)])
    contact_details = StringField(_l("Adres, e-mail of telefoon om te kunnen antwoorden (niet verplicht)"),
                                  id="entry-contact", validators=[Optional(), Length(max=500)])
    theme = RadioField(_l("Thema"), validate_choice=False, id="entry-theme")
    text = TextAreaField(_l("Tekst van de inbreng"), id="entry-text",
                         render_kw={"rows": 8, "maxlength": contributions.TEXT_MAX})
    zone_id = SelectField(_l("Zone"), validate_choice=False, id="entry-zone")
    place = SelectField(_l("Of gemeente"), validate_choice=False, id="entry-place")
    lat = StringField(_l("Of coördinaten: breedtegraad"), id="entry-lat", validators=[Optional(), Length(max=20)],
                      render_kw={"inputmode": "decimal"})
    lon = StringField(_l("Lengtegraad"), id="entry-lon", validators=[Optional(), Length(max=20)],
                      render_kw={"inputmode": "decimal"})

    ERROR_FIELDS = {"channel": "channel", "received_at": "received_at", "theme": "theme", "text": "text",
                    "zone": "zone_id", "place": "place", "geometry": "lat", "coordinates": "lat"}

    def __init__(self, round_, zones, places, **kwargs):
        super().__init__(**kwargs)
        self.theme.choices = [SelectChoice(t, t.capitalize()) for t in round_.themes]
        self.zone_id.choices = [SelectChoice("", _l("Geen zone gekozen"))] + [
            SelectChoice(str(z.id), z.name) for z in zones]
        self.place.choices = [SelectChoice("", _l("Geen gemeente gekozen"))] + [
            SelectChoice(p.key, p.name) for p in places]

    def add_service_errors(self, errors: dict) -> None:
        for name, message in errors.items():
            field = getattr(self, self.ERROR_FIELDS.get(name, "text"))
            field.errors = list(field.errors) + [message]
        self._errors = None
