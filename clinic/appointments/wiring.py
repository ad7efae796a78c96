"""What appointments plug into the app at start-up: the care relationships they grant, the booking gate
of risk control, the queue the consulting rooms call patients from, the waitlist offered new places,
and the periodic sweeps."""


def init_app(app):
    """Register the relationship provider, the `book_online` gate, the consulting rooms' queue, the
    waitlist's ear for new places and the jobs."""
    from clinic.appointments import (access, billing_link, booking, consult_queue,  # noqa: F401
                                     eligibility, jobs, waitlist)  # jobs: registers them
    from clinic.scheduling import services as scheduling

    access.register()
    billing_link.register(booking.cancel_appointment)
    eligibility.register()
    consult_queue.register()
    scheduling.on_new_places(waitlist.offer_new_places)
