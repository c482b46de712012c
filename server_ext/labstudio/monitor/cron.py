"""Schedule expressions and analysis windows, as SageMaker's monitoring schedules write them.

A ScheduleExpression is SageMaker's `cron(minute hour day-of-month month day-of-week year)`
(what CronExpressionGenerator gives: `cron(0 * ? * * *)` hourly), a plain five-field cron
expression, or `NOW` (one run, at once). The cron itself is parsed and stepped by croniter;
this module only unwraps AWS's envelope (its `?`, its year field, its Sunday-is-1 weekdays).
DataAnalysisStartTime/EndTime are ISO 8601 offsets from the scheduled time (`-PT1H`, `-PT0H`).
"""
from __future__ import annotations

import datetime as dt
import re

from croniter import croniter

from ..errors import Invalid

NOW = "NOW"
_OFFSET_RE = re.compile(r"^-P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
EXAMPLES = "cron(0 * ? * * *) (hourly), cron(0 0 ? * * *) (daily), a five-field cron such as '*/5 * * * *', or NOW"


def _shift_weekdays(field: str) -> str:
    """AWS numbers weekdays 1-7 from Sunday; cron (croniter) 0-6: shift the numbers, keep steps."""
    def shift(part: str) -> str:
        base, slash, step = part.partition("/")
        base = re.sub(r"\d+", lambda m: str(int(m.group()) - 1), base)
        return base + slash + step

    return ",".join(shift(p) for p in field.split(","))


def to_cron(expression: str, field: str = "ScheduleExpression") -> str | None:
    """The croniter expression of a ScheduleExpression, or None for NOW. Raises Invalid naming the field."""
    text = (expression or "").strip()
    if text.upper() == NOW:
        return None
    match = re.fullmatch(r"cron\((.*)\)", text, flags=re.IGNORECASE)
    if match:
        parts = match.group(1).split()
        if len(parts) != 6:
            raise Invalid(f"{field} {expression!r} must have six fields inside cron(...): minute hour day-of-month month "
                          f"day-of-week year; e.g. {EXAMPLES}", field=field)
        minute, hour, dom, month, dow, year = parts
        if year not in ("*", "?"):
            raise Invalid(f"{field} {expression!r}: the year field must be '*'", field=field)
        dow = "*" if dow == "?" else (dow if re.search(r"[A-Za-z]", dow) else _shift_weekdays(dow))
        cron = " ".join((minute, hour, "*" if dom == "?" else dom, month, dow))
    else:
        cron = text
    if len(cron.split()) != 5 or not croniter.is_valid(cron):
        raise Invalid(f"{field} {expression!r} is not a valid schedule expression; use {EXAMPLES}", field=field)
    try:
        croniter(cron, dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)).get_next(float)
    except Exception:  # croniter gives up on a date that never comes (the 31st of February)
        raise Invalid(f"{field} {expression!r} never fires; use {EXAMPLES}", field=field) from None
    return cron


def next_time(cron: str, after: float) -> float:
    """The first time the cron fires strictly after `after` (epoch seconds, UTC)."""
    start = dt.datetime.fromtimestamp(after, tz=dt.timezone.utc)
    return float(croniter(cron, start).get_next(float))


def previous_time(cron: str, before: float) -> float:
    """The last time the cron fired strictly before `before`."""
    start = dt.datetime.fromtimestamp(before, tz=dt.timezone.utc)
    return float(croniter(cron, start).get_prev(float))


def offset_seconds(text: str | None, field: str) -> float | None:
    """`-PT1H` as -3600.0 (None for None). Raises Invalid for anything but a negative or zero ISO 8601 duration."""
    if text is None or text == "":
        return None
    match = _OFFSET_RE.match(text.strip()) if isinstance(text, str) else None
    if match is None or not any(g is not None for g in match.groups()):
        raise Invalid(f"{field} {text!r} must be an ISO 8601 offset before the scheduled time, such as -PT1H (an hour before) or -PT0H", field=field)
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return -float(days * 86400 + hours * 3600 + minutes * 60 + seconds)


def window(scheduled: float, start: str | None, end: str | None, cron: str | None) -> tuple[float, float]:
    """The analysed window of a run at `scheduled`: the given offsets, or by default the time
    since the previous run of the cron (the last hour for NOW)."""
    end_at = scheduled + (offset_seconds(end, "DataAnalysisEndTime") or 0.0)
    if start is not None:
        start_at = scheduled + (offset_seconds(start, "DataAnalysisStartTime") or 0.0)
    elif cron is not None:
        start_at = previous_time(cron, scheduled)
    else:
        start_at = scheduled - 3600.0
    return start_at, end_at


def check_window(start: str | None, end: str | None) -> None:
    """Both offsets well formed and the window not empty; raises Invalid naming the field."""
    start_s = offset_seconds(start, "DataAnalysisStartTime")
    end_s = offset_seconds(end, "DataAnalysisEndTime")
    if start_s is not None and end_s is not None and start_s >= end_s:
        raise Invalid(f"DataAnalysisStartTime {start!r} must be before DataAnalysisEndTime {end!r}, e.g. -PT1H and -PT0H",
                      field="DataAnalysisStartTime")


__all__ = ["NOW", "check_window", "next_time", "offset_seconds", "previous_time", "to_cron", "window"]
