"""Fixtures for notification tests: an app whose jobs wait until the test runs them, the round
factories of tests/rounds and the contribution factories of tests/responses."""
from responses.conftest import add_contribution, add_reply, analyst, app  # noqa: F401
from rounds.conftest import layer, make_round, moderator, open_round, project, resident  # noqa: F401
