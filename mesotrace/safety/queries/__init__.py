"""Reads of safety data: events, alerts and their checks, exposure counts, signals."""
