"""The analysts' charts: queries over the analysts' database (queries.py) and their figures (charts.py)."""
