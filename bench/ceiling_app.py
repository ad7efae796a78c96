"""The ceiling of bench/http_bench.py: a bare Flask app answering JSON, served by the identical gunicorn
command line as the service (`gunicorn ... bench.ceiling_app:app`). No database, no auth, no middleware:
what gunicorn + Flask cost on this machine per request, the figure the service's rates are divided by."""
from flask import Flask

app = Flask(__name__)


@app.get("/fhir/Patient/<resource_id>")
def read_patient(resource_id):
    """A small JSON document, about the size of a FHIR Patient."""
    return {"resourceType": "Patient", "id": resource_id, "active": True,
            "name": [{"family": "Wang", "given": ["Wei"]}], "gender": "male", "birthDate": "1970-01-01"}
