"""Domain events, so that one domain can react to another without importing it.

Moderation sends `input_moderated`; responses send `response_published`; summaries send
`summary_published`; notifications listen to all of them and queue the mails.
"""
from blinker import Namespace

_signals = Namespace()

# sender: the Contribution or Reply; kwargs: action ("rejected", "hidden", "approved", "redacted", …),
# reason (text shown to the author), actor (the moderator).
input_moderated = _signals.signal("input-moderated")
# sender: the Response; kwargs: actor.
response_published = _signals.signal("response-published")
# sender: the Summary; kwargs: actor.
summary_published = _signals.signal("summary-published")
