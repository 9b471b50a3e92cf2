"""Fake prompt logs endpoints."""

from __future__ import annotations
