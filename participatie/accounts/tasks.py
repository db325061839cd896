"""The nightly retention job: purge the personal data of rounds that closed RETENTION_MONTHS ago and
delete audit entries older than AUDIT_RETENTION_MONTHS (accounts.privacy.purge_expired). Idempotent:
a second run changes nothing."""
from .. import jobs

RETENTION_KEY = "privacy-retention"
RETENTION_FUNCTION = "participatie.accounts.tasks.purge_expired"
RETENTION_HOUR = 4  # 04:00 Europe/Amsterdam, after the summaries' refresh


def purge_expired() -> dict:
    """Run the retention purge now, then schedule the next night."""
    from . import privacy

    try:
        return privacy.purge_expired()
    finally:
        jobs.schedule_recurring()
