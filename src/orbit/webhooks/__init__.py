"""Webhooks: endpoints, signed deliveries with retries, replay (docs/webhooks.md)."""
