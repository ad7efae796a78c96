"""What appointments plug into the app at start-up: the care relationships they grant, the booking gate
of risk control, the queue the consulting rooms call patients from, and the periodic sweeps."""


def init_app(app):
    """Register the relationship provider, the `book_online` gate, the consulting rooms' queue and the jobs."""
    from clinic.appointments import access, consult_queue, eligibility, jobs  # noqa: F401  (jobs: registers them)

    access.register()
    eligibility.register()
    consult_queue.register()
