"""Bulk Data Access 2.0 export (https://hl7.org/fhir/uv/bulkdata/export.html): kick-off (`kickoff`), the
background runner that pages resources into NDJSON files and survives restarts (`runner`), and the routes
(`views`: kick-off, status, cancel, file download)."""
