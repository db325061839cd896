"""Exports for policy teams (CSV, XLSX, GeoJSON, report), open data downloads and the contact export."""
