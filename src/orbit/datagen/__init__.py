"""Synthetic demo data: topics, identities and intent signals for `orbit datagen`."""
