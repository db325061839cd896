"""Summary jobs. They take ids, are idempotent (a rerun on the same input reuses the summary; a
second attempt of the same job never writes a second one) and call the services."""
from .. import jobs

NIGHTLY_KEY = "summaries-refresh"
NIGHTLY_FUNCTION = "participatie.summaries.tasks.refresh_open_rounds"
NIGHTLY_HOUR = 3  # 03:00 Europe/Amsterdam


@jobs.task
def summarise_round(round_id: int, theme: str | None = None) -> int:
    """Summarise a round (or one theme of it); returns the summary's id."""
    from . import services

    return services.summarise(round_id, theme).id


def refresh_open_rounds() -> list[int]:
    """Nightly: a fresh draft for every open round (and theme) that has a summary. Unchanged input
    reuses the draft it has. Then schedules the next night. Returns the ids of the queued jobs."""
    from . import services

    queued = []
    try:
        for round_id, theme in services.open_rounds_with_summaries():
            round_ = services.db.session.get(services.Round, round_id)
            queued.append(services.start(round_, None, theme).id)
    finally:
        jobs.schedule_recurring()
    return queued
