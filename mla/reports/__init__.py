"""Statistics and performance indicators: the Reports page, its exports and JSON."""
