"""Demo days: whatever the day the demo was made, each demo clinic has appointments to chart
today, one of them waiting for its consent's countersignature."""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

from django.core.management import call_command

from mesotrace.accounts.models import Clinic
from mesotrace.charting.queries import readiness_problems
from mesotrace.consent.queries import consent_problem
from mesotrace.core.clock import clinic_today
from mesotrace.demo.charting import TODAY_APPOINTMENTS
from mesotrace.treatments.models import Appointment, AppointmentStatus
from mesotrace.treatments.rules.calendar import day_bounds


def _todays(clinic: Clinic) -> list[Appointment]:
    start, end = day_bounds([clinic_today(clinic)], clinic)
    return list(
        Appointment.objects.for_clinic(clinic)
        .filter(status=AppointmentStatus.BOOKED, starts_at__gte=start, starts_at__lt=end)
        .select_related("plan", "practitioner", "clinic")
    )


def test_demo_has_appointments_to_chart_today_and_tops_them_up_later(db: Any) -> None:
    call_command("demo_data", "--patients", "40", stdout=StringIO())
    for clinic in Clinic.objects.order_by("slug"):
        todays = _todays(clinic)
        assert len(todays) == TODAY_APPOINTMENTS, clinic.slug
        ready = [a for a in todays if not readiness_problems(a, a.practitioner)]
        assert len(ready) == TODAY_APPOINTMENTS - 1, clinic.slug
        waiting = [consent_problem(a.plan) for a in todays if a not in ready]
        assert waiting == ["The patient's consent is not countersigned by a clinician yet."]

    # A day later: yesterday's appointments are past, and `make serve` runs again.
    for clinic in Clinic.objects.all():
        for appointment in _todays(clinic):
            appointment.starts_at -= datetime.timedelta(days=1)
            appointment.ends_at -= datetime.timedelta(days=1)
            appointment.save(update_fields=["starts_at", "ends_at"])
        assert _todays(clinic) == []
    out = StringIO()
    call_command("demo_data", "--if-empty", stdout=out)
    assert f"{2 * TODAY_APPOINTMENTS} appointments brought forward to today" in out.getvalue()
    for clinic in Clinic.objects.all():
        assert len(_todays(clinic)) == TODAY_APPOINTMENTS, clinic.slug

    again = StringIO()
    call_command("demo_data", "--if-empty", stdout=again)
    assert "nothing to do" in again.getvalue()
