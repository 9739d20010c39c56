"""Suppression lists: people and companies that audiences leave out."""
