"""Fixtures for the proofs of issue 8: the round factories of tests/rounds, shared."""
from rounds.conftest import (  # noqa: F401
    layer,
    make_round,
    moderator,
    open_round,
    project,
    resident,
)
