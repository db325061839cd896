"""The one place that knows about RQ.

With REDIS_URL set, jobs go to Redis and run in `flask --app wsgi worker`. Without it they run
in-process through the same code path. (The full job layer lands with the summaries issue.)
"""
from flask import current_app


def redis_connection():
    """A Redis client for REDIS_URL, or None when jobs run in-process."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    from redis import Redis

    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)


def queue_status() -> str:
    """'ok' when Redis answers, 'in-process' without Redis, 'unavailable' when Redis is down."""
    connection = redis_connection()
    if connection is None:
        return "in-process"
    try:
        connection.ping()
    except Exception:  # any connection failure means the queue cannot take jobs now
        return "unavailable"
    return "ok"
