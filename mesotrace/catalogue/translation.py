"""The catalogue text patients read, registered with django-modeltranslation in English and
French (the fields are listed in `models.PATIENT_TEXT`)."""

from __future__ import annotations

from modeltranslation.translator import TranslationOptions, translator

from mesotrace.catalogue import models

for _name, _fields in models.PATIENT_TEXT.items():
    translator.register(
        getattr(models, _name),
        type(f"{_name}Text", (TranslationOptions,), {"fields": _fields}),
    )
