"""Fake organization endpoints."""

from __future__ import annotations
