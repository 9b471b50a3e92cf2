"""Seeded data of the fake server, one module per area."""
