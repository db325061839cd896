"""Plan-layer revisions after the map-table sessions: proposed zone changes, staff decisions, the next
layer version made from the accepted ones (with the reasons behind every changed zone), and the
comparison of two versions."""
