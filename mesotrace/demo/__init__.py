"""Synthetic demo data: two clinics, their staff and invented patients; never production."""
