"""Queues the confirmations and reminders that are due, once or every N seconds.

`make serve` and `make dev` run it with --every 60 beside the task worker, so reminders go
out without cron or another server; a cron line running it once a minute does the same.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from mesotrace.accounts.access import Actor
from mesotrace.messaging.services import queue_due_messages


class Command(BaseCommand):
    help = "Queue due appointment confirmations and reminders (once, or every N seconds)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=0, help="repeat every N seconds")

    def handle(self, *args: Any, **options: Any) -> None:
        every = int(options["every"])
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        if every:
            signal.signal(signal.SIGTERM, on_signal)
            signal.signal(signal.SIGINT, on_signal)
        while True:
            queued = queue_due_messages(Actor.system("reminders"))
            if queued or not every:
                self.stdout.write(f"{queued} message(s) queued")
            if not every or stop.wait(every):
                return
            close_old_connections()  # as after a request: a long sleep may have lost it
