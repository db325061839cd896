"""E-mail notifications: subscriptions, preferences, the event outbox and its sent-log."""
