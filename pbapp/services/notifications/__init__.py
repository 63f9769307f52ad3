"""Notifications: what a person is told, by email through the outbox, and their choices."""
