"""Forms of the summary pages: start a run, write the narrative, publish, try a job again."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from .models import PUBLIC, TEAM


class StartForm(FlaskForm):
    theme = SelectField(_l("Welke inbreng?"), choices=[], validate_choice=True)

    def __init__(self, themes, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.theme.choices = [SelectChoice("", _l("Alle thema's"))] + [SelectChoice(t, t.capitalize()) for t in themes]


class NarrativeForm(FlaskForm):
    narrative = TextAreaField(_l("Toelichting bij de samenvatting"), validators=[Length(max=50_000)])


class PublishForm(FlaskForm):
    visibility = RadioField(
        _l("Voor wie publiceert u deze samenvatting?"),
        choices=[SelectChoice(TEAM, _l("Alleen voor het beleidsteam (medewerkers)")),
                 SelectChoice(PUBLIC, _l("Voor iedereen, op de pagina van de ronde"))],
        validators=[DataRequired(message=_l("Kies voor wie de samenvatting is."))])


class RetryForm(FlaskForm):
    """Only the CSRF token: the job to try again is in the address."""
