"""Exports of completed runs: the direct CSV stream, stored CSV files and their signed URLs."""
