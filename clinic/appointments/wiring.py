"""What appointments plug into the app at start-up: the care relationships they grant, the booking gate
of risk control, the queue the consulting rooms call patients from, the waitlist offered new places,
and the periodic sweeps."""


def init_app(app):
    """Register the relationship provider, the `book_online` gate, the consulting rooms' queue, the
    waitlist's ear for new places and the jobs."""
    from clinic.appointments import (access, consult_queue, eligibility, jobs,  # noqa: F401  (jobs: registers them)
                                     waitlist)
    from clinic.scheduling import services as scheduling

    access.register()
    eligibility.register()
    consult_queue.register()
    scheduling.on_new_places(waitlist.offer_new_places)
