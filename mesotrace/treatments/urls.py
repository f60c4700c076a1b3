from django.urls import path

from mesotrace.treatments.views import plans, schedule

app_name = "treatments"
urlpatterns = [
    path("plans/", plans.plan_list, name="plan_list"),
    path("plans/new/", plans.choose_patient, name="choose_patient"),
    path("plans/<int:plan_id>/", plans.plan_detail, name="plan_detail"),
    path("plans/<int:plan_id>/edit/", plans.plan_edit, name="plan_edit"),
    path("plans/<int:plan_id>/acknowledge/", plans.acknowledge, name="acknowledge"),
    path("plans/<int:plan_id>/activate/", plans.activate, name="activate"),
    path("plans/<int:plan_id>/complete/", plans.complete, name="complete"),
    path("plans/<int:plan_id>/stop/", plans.stop, name="stop"),
    path("plans/<int:plan_id>/book/", schedule.book, name="book"),
    path("patients/<int:patient_id>/plans/", plans.patient_plans, name="patient_plans"),
    path("patients/<int:patient_id>/plans/new/", plans.plan_create, name="plan_create"),
    path("schedule/", schedule.schedule_index, name="schedule"),
    path("schedule/hours/", schedule.opening_hours, name="hours"),
    path("schedule/<int:practitioner_id>/week/", schedule.week, name="week"),
    path("schedule/<int:practitioner_id>/day/", schedule.day, name="day"),
    path("schedule/<int:practitioner_id>/calendar.ics", schedule.export_ics, name="ics"),
    path(
        "appointments/<int:appointment_id>/reschedule/",
        schedule.reschedule,
        name="reschedule",
    ),
    path("appointments/<int:appointment_id>/cancel/", schedule.cancel, name="cancel"),
]
