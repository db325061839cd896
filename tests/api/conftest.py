"""The export dataset (tests/exports/conftest.py), shared with the open data API tests."""
from exports.conftest import dataset, empty_round, make_dataset  # noqa: F401
