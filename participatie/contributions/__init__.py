"""Contributions on a round's map: contributions, replies, votes and photos, and their services."""
