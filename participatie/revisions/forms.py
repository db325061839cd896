"""Forms for proposing a zone change, deciding on a proposal, making and publishing a version, and
choosing two versions to compare. The rules are checked by revisions.services; these forms carry the
input and show its messages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .services import NOTE_MAX, REASON_MAX

# The service's error keys and the form fields that show them.
PROPOSAL_FIELDS = {"zone": "zone", "to_category": "to_category", "reason": "reason",
                   "organisation": "organisation_id", "contribution": "contribution_id"}


def zone_value(layer_id: int, key: str) -> str:
    """One select value for a zone of a layer: "layer id:zone key" (keys may contain anything)."""
    return f"{layer_id}:{key}"


def split_zone_value(value: str) -> tuple[str, str]:
    layer_id, _sep, key = (value or "").partition(":")
    return layer_id, key


class ProposalForm(FlaskForm):
    """Propose to change one zone of a plan layer. Prefixed ("voorstel-"), so that it can sit on a
    session screen beside other forms without clashing ids."""

    zone = SelectField(_l("Zone"), validate_choice=False,
                       validators=[DataRequired(_l("Kies de zone die moet veranderen."))])
    to_category = SelectField(_l("Wordt"), validate_choice=False,
                              validators=[DataRequired(_l("Kies wat de zone moet worden."))])
    reason = TextAreaField(_l("Waarom?"), validators=[DataRequired(_l("Schrijf waarom de zone moet veranderen.")),
                                                      Length(max=REASON_MAX)])
    organisation_id = SelectField(_l("Namens organisatie"), coerce=int, validate_choice=False,
                                  validators=[DataRequired(_l("Kies de organisatie namens wie u het voorstel doet."))])
    contribution_id = IntegerField(_l("Nummer van de inbreng waar het voorstel op steunt (niet verplicht)"),
                                   validators=[Optional(), NumberRange(1, 2**31 - 1, _l("Vul een geldig nummer in."))])
    session_id = HiddenField()
    next = HiddenField()

    def __init__(self, *args, layers=(), organisations=(), **kwargs):
        kwargs.setdefault("prefix", "voorstel")
        super().__init__(*args, **kwargs)
        several = len(layers) > 1
        zone_choices = [SelectChoice("", _l("Kies een zone"))]
        categories = []
        for item in layers:
            for z in item.zones:
                label = f"{z.name} ({z.category})" if z.category else z.name
                zone_choices.append(SelectChoice(zone_value(item.layer.id, z.key),
                                                 f"{item.layer.name}: {label}" if several else label))
            categories.extend(c for c in item.categories if c not in categories)
        self.zone.choices = zone_choices
        self.to_category.choices = [SelectChoice("", _l("Kies een soort"))] + [
            SelectChoice(c, c) for c in categories]
        self.organisation_id.choices = [SelectChoice(o.id, o.name) for o in organisations]
        if len(organisations) == 1 and not self.organisation_id.data:
            self.organisation_id.data = organisations[0].id

    def add_service_errors(self, errors: dict) -> None:
        for key, message in errors.items():
            target = getattr(self, PROPOSAL_FIELDS.get(key, ""), None) or self.reason
            target.errors = list(target.errors or []) + [message]


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Besluit"), choices=[SelectChoice("accept", _l("Accepteren")),
                                                  SelectChoice("reject", _l("Afwijzen"))],
                          validators=[DataRequired(_l("Kies accepteren of afwijzen."))])
    note = TextAreaField(_l("Toelichting (verplicht bij afwijzen)"), validators=[Length(max=NOTE_MAX)])


class NewVersionForm(FlaskForm):
    note = TextAreaField(_l("Notitie bij de nieuwe versie (niet verplicht)"), validators=[Length(max=NOTE_MAX)])


class CompareForm(FlaskForm):
    """Two versions of a layer, chosen in the address bar (GET, no CSRF)."""

    class Meta:
        csrf = False

    van = SelectField(_l("Van versie"), coerce=int, validate_choice=True)
    naar = SelectField(_l("Naar versie"), coerce=int, validate_choice=True)

    def __init__(self, *args, versions=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [SelectChoice(v.number, str(v.number) if v.published else _l("%(number)s (niet gepubliceerd)",
                                                                                    number=v.number))
                   for v in versions]
        self.van.choices = choices
        self.naar.choices = list(choices)
