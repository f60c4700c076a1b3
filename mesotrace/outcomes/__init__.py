"""Outcomes: measurements, lifestyle logs, split-body allocation, progress charts, evidence."""
