"""Notification jobs. They take ids, are idempotent (the sent-log makes a second run send nothing
twice) and call the services."""
from .. import jobs

CHECK_KEY = "notifications-check"
CHECK_FUNCTION = "participatie.notifications.tasks.hourly_check"
# The job queue runs recurring jobs once a night at a given hour; registering the check for every
# hour makes it hourly (one rq job id per hour and night, so several workers never double it).
CHECK_HOURS = range(24)


def register() -> None:
    """Register the hourly check with the job queue."""
    for hour in CHECK_HOURS:
        jobs.recurring(f"{CHECK_KEY}-{hour:02d}", CHECK_FUNCTION, hour)


@jobs.task
def deliver_events(event_ids: list[int]) -> int:
    """Mail the events of one transaction; returns how many mails went out."""
    from . import services

    return sum(services.deliver(event_id) for event_id in event_ids)


@jobs.task
def hourly_check() -> int:
    """Rounds that opened or closed, and every event still waiting; then schedules the next runs."""
    from . import services

    try:
        return services.run_check()
    finally:
        jobs.schedule_recurring()
