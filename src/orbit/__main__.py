"""`python -m orbit` runs the CLI."""

from orbit.cli import app

app()
