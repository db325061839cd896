"""Forms for the province's responses: write (with the contributions or zone it answers), change a
draft, publish or throw away a draft."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from .services import PHASE_MAX, TEXT_MAX


class ResponseForm(FlaskForm):
    text = TextAreaField(_l("Reactie van de provincie"),
                         validators=[DataRequired(message=_l("Schrijf de reactie.")), Length(max=TEXT_MAX)],
                         render_kw={"rows": 8, "maxlength": TEXT_MAX})
    phase_label = StringField(_l("Fase (niet verplicht)"), validators=[Length(max=PHASE_MAX)],
                              render_kw={"maxlength": PHASE_MAX})


class NewResponseForm(ResponseForm):
    contributions = StringField(_l("Nummers van de inbreng"), validators=[Length(max=20_000)])
    zone = SelectField(_l("Of: alle gepubliceerde inbreng over één zone"), choices=[], default="", validate_choice=True)

    def __init__(self, zones, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone.choices = [SelectChoice("", _l("Geen zone"))] + [SelectChoice(str(z.id), z.name) for z in zones]

    def add_service_errors(self, errors: dict) -> None:
        """Put a service's field errors next to the fields (unknown fields: on the form)."""
        for name, message in errors.items():
            if name in self._fields:
                self[name].errors = list(self[name].errors) + [message]
            else:
                self.form_errors.append(message)


class ActionForm(FlaskForm):
    """Only the CSRF token: publish or delete, the response is in the address."""
