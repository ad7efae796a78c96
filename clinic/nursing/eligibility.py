"""Whether a home-service request may go ahead (pure: no Flask, no database). Every unmet condition is a reason;
no reason means eligible."""
from datetime import timedelta

MIN_WINDOW = timedelta(hours=1)
MAX_WINDOW = timedelta(hours=8)


def reasons(service, *, has_order, window_start, window_end, now, book_ahead_days, distance_km, radius_km):
    """The reasons the request is refused, each {code, message}; [] when it may go ahead."""
    found = []
    if service["needs_order"] and not has_order:
        found.append({"code": "order_required",
                      "message": f"{service['display']} needs a doctor's order: ask your doctor first."})
    if window_start < now:
        found.append({"code": "window_past", "message": "The time window has started already."})
    if window_start > now + timedelta(days=book_ahead_days):
        found.append({"code": "window_too_far", "message": f"Book at most {book_ahead_days} days ahead."})
    if not MIN_WINDOW <= window_end - window_start <= MAX_WINDOW:
        found.append({"code": "window_length", "message": "The time window must be from 1 to 8 hours long."})
    if distance_km is None:
        found.append({"code": "no_nurses", "message": "No institution has nurses for home visits yet."})
    elif distance_km > radius_km:
        found.append({"code": "out_of_area", "message": f"The nearest institution with nurses is {distance_km:.1f}"
                                                        f" km away; home visits reach {radius_km} km."})
    return found
