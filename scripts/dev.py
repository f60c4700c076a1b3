"""What `make dev` runs: Django's auto-reloading development server, with the same task
worker and reminder sweep as `make serve`, so e-mail is sent in development too (to files
under artifacts/mail/). Stopping one stops them all."""

from __future__ import annotations

import os
import sys

from serve import BIN, Process, exports, reminders, run, worker


def runserver() -> list[str]:
    return [
        str(BIN / "python"),
        "manage.py",
        "runserver",
        f"127.0.0.1:{os.environ.get('PORT', '8000')}",
    ]


if __name__ == "__main__":
    os.environ.setdefault("MESOTRACE_ENV", "development")
    sys.exit(
        run(
            [
                Process("web", runserver),
                Process("worker", worker),
                Process("exports", exports),
                Process("reminders", reminders),
            ]
        )
    )
