"""Mesotrace: the practice system a mesotherapy clinic runs on."""
