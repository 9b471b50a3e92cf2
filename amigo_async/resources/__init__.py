"""Thin descriptions of the Admin, Tool and Organization operations."""
