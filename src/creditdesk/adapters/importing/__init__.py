"""File importers: CSV, XLSX and JSON Lines, validated in full before anything is written."""
