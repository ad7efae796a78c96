"""`python -m cloud_hospital ...` is the `cloud-hospital` command."""
from cloud_hospital.cli import main

main()
