"""Moderation: the queue, moderators ' actions, automatic checks, flags and input on paper."""
