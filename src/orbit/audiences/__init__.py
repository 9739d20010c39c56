"""Audience builder: config normalization, filter catalogue, validate, preview, saved audiences, slots."""
