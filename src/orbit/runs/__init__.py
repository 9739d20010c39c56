"""Runs: the queue, workers and scheduler, and reading completed snapshots."""
