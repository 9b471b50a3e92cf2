"""ISO 8601 durations (``P30D``, ``P1DT12H``): read and written as the server reads them.

One module for the validation pass (`format: duration`), the prose rules (an API
key's lifetime), the organization resource (a duration sent in its canonical
spelling), the scan command (``--since P1W``) and the fake (a grant's expiry). It
imports nothing of the library: the command line reads ``--since`` before loading it.
"""

from __future__ import annotations

import re
from datetime import timedelta

__all__ = ["format_iso_duration", "parse_iso_duration"]

_NUMBER = r"(\d+(?:[.,]\d+)?)"
_ISO_DURATION = re.compile(
    rf"P(?!$)(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}W)?(?:{_NUMBER}D)?"
    rf"(?:T(?=\d)(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?"
)
# A year is 365 days and a month 30, as the server's parser (pydantic) counts them.
_ISO_UNITS = (
    timedelta(days=365),
    timedelta(days=30),
    timedelta(weeks=1),
    timedelta(days=1),
    timedelta(hours=1),
    timedelta(minutes=1),
    timedelta(seconds=1),
)


def parse_iso_duration(text: str) -> timedelta:
    """An ISO 8601 duration such as ``P30D`` or ``P1DT12H`` as a `timedelta`.

    Raises ``ValueError`` for text that is not one, and for one too long for a
    `timedelta` (``P9999999999D``), which the server cannot hold either."""
    match = _ISO_DURATION.fullmatch(text)
    if match is None:
        raise ValueError(f"not an ISO 8601 duration: {_short(text)}")
    total = timedelta()
    try:
        for number, unit in zip(match.groups(), _ISO_UNITS, strict=True):
            if number is not None:
                total += unit * float(number.replace(",", "."))
    except OverflowError:
        raise ValueError(f"an ISO 8601 duration too long to hold: {_short(text)}") from None
    return total


def _short(text: str) -> str:
    shown = repr(text)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def format_iso_duration(value: timedelta) -> str:
    """The ISO 8601 spelling of a non-negative `timedelta` (``P30D``, ``P1DT2H30M``)."""
    if value < timedelta():
        raise ValueError("a negative duration has no ISO 8601 spelling here")
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    date = f"{value.days}D" if value.days else ""
    time = "".join(f"{amount}{unit}" for amount, unit in ((hours, "H"), (minutes, "M")) if amount)
    if value.microseconds:
        time += f"{seconds + value.microseconds / 1e6:g}S"
    elif seconds:
        time += f"{seconds}S"
    if not date and not time:
        return "PT0S"
    return "P" + date + (f"T{time}" if time else "")
