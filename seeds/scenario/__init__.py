"""The end-to-end scenario: drives the whole service over HTTP and Socket.IO exactly as the apps do
(only the public API: /api/v1, /fhir, Socket.IO /consult), printing each numbered step with what it
saw; `run()` returns 0 when every step passed, 1 at the first failure (with the problem details).

    python -m seeds.scenario --base-url http://127.0.0.1:5000
    flask --app wsgi seed scenario --base-url http://127.0.0.1:5000
"""


def run(base_url, out=None):
    """Run the journey against the service at `base_url`; return the exit code."""
    import sys

    try:
        from seeds.scenario import chronic, first_visit, ineligible, medicine, online_visit, payment
        from seeds.scenario.client import Api
        from seeds.scenario.journey import Journey, Story
    except ImportError as exc:  # requests / python-socketio's client come with the dev extra
        print(f"the scenario needs the HTTP and Socket.IO clients ({exc.name}): pip install -e '.[dev]'",
              file=sys.stderr)
        return 2

    story = Story(Api(base_url))
    try:
        return Journey(first_visit.STEPS + online_visit.STEPS + medicine.STEPS + chronic.STEPS
                       + ineligible.STEPS + payment.STEPS, out).run(story)
    finally:
        story.close()
