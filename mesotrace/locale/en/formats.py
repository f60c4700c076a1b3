"""English dates as the clinic's staff read them: short dates stay ISO (2026-03-09), not the
American 03/09/2026 of Django's `en`. French uses Django's own `fr` formats (09/03/2026)."""

SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
