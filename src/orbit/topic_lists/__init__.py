"""Saved topic lists: an organization's named sets of catalogue topics."""
