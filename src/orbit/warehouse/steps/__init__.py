"""Ordered warehouse DDL steps, `NNNN_slug.py`, each with `STATEMENTS`. Never edit an applied step."""
