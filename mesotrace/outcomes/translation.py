"""The shipped measurement types' names, kept in English and French with
django-modeltranslation (the clinic reads them on forms, charts and reports)."""

from __future__ import annotations

from modeltranslation.translator import TranslationOptions, translator

from mesotrace.outcomes.models import MeasurementType


class MeasurementTypeText(TranslationOptions):
    fields = ("name",)


translator.register(MeasurementType, MeasurementTypeText)
