"""Prompt-log prefixes for a range of days, inside the API's 30-day window.

get-prompt-logs serves only logs "produced in the past 30 days" and matches log
keys by prefix. The documents do not say how a log key spells a date, so the
date part is a `strftime` pattern (``%Y-%m-%d`` unless told otherwise) put after
an optional fixed start: ``date_prefixes(date(2026, 12, 1), date(2026, 12, 3),
prefix="support/")`` gives ``support/2026-12-01``, ``support/2026-12-02`` and
``support/2026-12-03``. Days are UTC days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

__all__ = ["DEFAULT_DATE_FORMAT", "WINDOW_DAYS", "date_prefixes"]

WINDOW_DAYS = 30
"""How far back get-prompt-logs reaches, in days."""
DEFAULT_DATE_FORMAT = "%Y-%m-%d"


def date_prefixes(
    since: date,
    until: date | None = None,
    *,
    prefix: str = "",
    date_format: str = DEFAULT_DATE_FORMAT,
    today: date | None = None,
) -> list[str]:
    """One prefix per day from `since` to `until` (both included; `until` defaults
    to today, in UTC).

    Raises `ValueError` for a range that starts more than `WINDOW_DAYS` days before
    today (the server has nothing that old, and an empty answer would look like a
    quiet day), ends after today, or ends before it starts.
    """
    today = today if today is not None else datetime.now(UTC).date()
    until = until if until is not None else today
    for name, value in (("since", since), ("until", until), ("today", today)):
        if isinstance(value, datetime) or not isinstance(value, date):
            raise TypeError(f"{name} must be a datetime.date (a day), not {value!r}")
    oldest = today - timedelta(days=WINDOW_DAYS)
    if since < oldest:
        raise ValueError(
            f"since={since.isoformat()} is more than {WINDOW_DAYS} days ago: prompt logs are "
            f"kept for {WINDOW_DAYS} days, so the earliest day is {oldest.isoformat()}"
        )
    for name, value in (("since", since), ("until", until)):
        if value > today:
            raise ValueError(f"{name}={value.isoformat()} is after today ({today}, UTC)")
    if until < since:
        raise ValueError(f"until={until.isoformat()} is before since={since.isoformat()}")
    days = (until - since).days + 1
    prefixes = [prefix + (since + timedelta(days=n)).strftime(date_format) for n in range(days)]
    if len(set(prefixes)) != len(prefixes):
        raise ValueError(f"date_format {date_format!r} gives two days the same prefix")
    return prefixes
