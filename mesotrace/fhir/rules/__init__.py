"""FHIR R4 shapes of the clinic's records: pure functions from loaded rows to JSON dicts."""
