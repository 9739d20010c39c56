"""In-memory serving index of the newest day (see docs/serving.md)."""
