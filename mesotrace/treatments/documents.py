"""iCalendar (RFC 5545) export of a practitioner's appointments.

Lines end in CRLF and are folded at 75 octets without splitting a UTF-8 character;
times are in UTC. An event says who is coming (initials and record number) and which
session of the course it is, never the treatment: calendars end up on phones.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from mesotrace.accounts.models import Clinic
from mesotrace.practitioners.models import Practitioner
from mesotrace.treatments.models import Appointment, AppointmentStatus

LINE_OCTETS = 75
PRODID = "-//Mesotrace//Practitioner schedule//EN"


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines escaped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str) -> bytes:
    """One content line, folded so no physical line exceeds 75 octets (RFC 5545 §3.1)."""
    data = line.encode()
    out: list[bytes] = []
    limit = LINE_OCTETS
    while len(data) > limit:
        cut = limit
        while cut > 0 and (data[cut] & 0xC0) == 0x80:  # never inside a UTF-8 sequence
            cut -= 1
        out.append(data[:cut])
        data = data[cut:]
        limit = LINE_OCTETS - 1  # continuation lines start with one space
    out.append(data)
    return b"\r\n ".join(out) + b"\r\n"


def utc_stamp(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def initials(given: str, family: str) -> str:
    return " ".join(f"{name.strip()[0].upper()}." for name in (given, family) if name.strip())


def summary(appointment: Appointment) -> str:
    patient = appointment.patient
    return (
        f"Session {appointment.sequence}/{appointment.plan.planned_sessions} · "
        f"{initials(patient.given_name, patient.family_name)} ({patient.record_number})"
    )


def _event(
    appointment: Appointment, clinic: Clinic, stamp: datetime.datetime, title: str = ""
) -> list[str]:
    status = "CANCELLED" if appointment.status == AppointmentStatus.CANCELLED else "CONFIRMED"
    return [
        "BEGIN:VEVENT",
        f"UID:appointment-{appointment.pk}@{clinic.slug}.mesotrace",
        f"DTSTAMP:{utc_stamp(stamp)}",
        f"DTSTART:{utc_stamp(appointment.starts_at)}",
        f"DTEND:{utc_stamp(appointment.ends_at)}",
        f"LAST-MODIFIED:{utc_stamp(appointment.updated_at)}",
        f"SUMMARY:{escape_text(title or summary(appointment))}",
        f"LOCATION:{escape_text(clinic.name)}",
        f"STATUS:{status}",
        "TRANSP:OPAQUE" if status == "CONFIRMED" else "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]


def _calendar(header: list[str], events: Iterable[list[str]]) -> bytes:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        *header,
    ]
    for event in events:
        lines.extend(event)
    lines.append("END:VCALENDAR")
    return b"".join(fold(line) for line in lines)


def practitioner_calendar(
    practitioner: Practitioner,
    clinic: Clinic,
    appointments: Iterable[Appointment],
    stamp: datetime.datetime,
) -> bytes:
    name = f"X-WR-CALNAME:{escape_text(f'{practitioner.full_name} · {clinic.name}')}"
    return _calendar([name], (_event(a, clinic, stamp) for a in appointments))


def patient_invitation(
    appointment: Appointment, clinic: Clinic, stamp: datetime.datetime, title: str
) -> bytes:
    """The one appointment, for the patient's own calendar; `title` is in their language and
    names the clinic, never the treatment. Same UID as the practitioner's calendar."""
    return _calendar([], [_event(appointment, clinic, stamp, title)])
