"""Export jobs. They take ids (and the file's random token), are idempotent (a second attempt
writes the file anew) and call the services."""
from .. import jobs


@jobs.task
def build_export(round_id: int, fmt: str, include_all: bool, delimiter: str, token: str) -> int:
    """Write a large export of a round to its file; returns the number of contributions."""
    from . import services

    return services.build_file(round_id, fmt, include_all, delimiter, token)


def purge_expired() -> int:
    """Nightly: remove the files of expired exports, then schedule the next night."""
    from . import services

    try:
        return services.purge_expired()
    finally:
        jobs.schedule_recurring()
