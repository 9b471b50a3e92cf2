"""Fake tools endpoints."""

from __future__ import annotations
