"""Orbit: a self-hostable audience-intent API compatible with Leadpipe's Orbit Audience Intent API."""

__version__ = "0.1.0"
