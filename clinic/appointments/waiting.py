"""Wait estimation from measured consultation durations (pure: no Flask, no database)."""
import math
from statistics import median

RECENT_DURATIONS = 20  # how many recent consultations the estimate looks at
MIN_SAMPLES = 3  # fewer measurements than this: trust the slot length instead


def typical_duration(durations_minutes, fallback_minutes):
    """A robust typical consultation length: the median of recent durations, or the fallback."""
    recent = [d for d in durations_minutes[:RECENT_DURATIONS] if d is not None and d >= 0]
    if len(recent) < MIN_SAMPLES:
        return float(fallback_minutes)
    return float(median(recent))


def estimate_wait(ahead, typical_minutes, current_elapsed_minutes=None):
    """Minutes until a patient with `ahead` patients before them is called (rounded up).

    `current_elapsed_minutes` is how long the consultation now in progress has run (None: none is);
    it is expected to last the typical length, so the remainder is never negative.
    """
    remaining = 0.0
    if current_elapsed_minutes is not None:
        remaining = max(0.0, typical_minutes - current_elapsed_minutes)
    return int(math.ceil(ahead * typical_minutes + remaining))
