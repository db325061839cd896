"""Consultation rounds on a map: rounds, plan layers in versions, zones, and their services."""
