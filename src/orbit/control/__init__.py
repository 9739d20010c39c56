"""The local control channel of `orbit serve`: loads handed over by `orbit ingest`, and the
watched folder. Owner only, never a network address (docs/architecture.md, "Loading while serving")."""
