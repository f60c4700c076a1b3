"""An audit row reads in the reader's language: the audited model's own field names and
choice labels, not the stored identifiers ("onset_date", "not_recovered")."""

from __future__ import annotations

from django.utils import translation

from mesotrace.audit.models import audit_sentences


def test_an_adverse_events_record_names_its_fields_and_choices_in_french() -> None:
    changes = {"outcome": {"before": "", "after": "not_recovered"}}
    details = {"after": {"onset_date": "2026-12-06", "outcome": "not_recovered"}}
    with translation.override("fr"):
        sentences = audit_sentences(changes, details, "adverse_event")
    text = " ".join(sentences)
    assert "not_recovered" not in text
    assert "onset date" not in text.lower()
    assert "Non rétabli" in text or "non rétabli" in text


def test_a_name_the_model_lacks_stays_in_plain_words() -> None:
    with translation.override("en"):
        sentences = audit_sentences({}, {"fhir": "Patient/3"}, "adverse_event")
    assert sentences == ["Fhir: Patient/3."]
