"""Summaries of consultation rounds for policy teams: figures, zones, hotspots, keywords, topics and
quotes, computed in a background job, reviewed, given a narrative and published as fixed versions."""
