"""The message catalogues, and the date formats that differ from Django's (FORMAT_MODULE_PATH)."""
