from django.urls import path

from mesotrace.treatments import schedule_views, views

app_name = "treatments"
urlpatterns = [
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.choose_patient, name="choose_patient"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:plan_id>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:plan_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("plans/<int:plan_id>/activate/", views.activate, name="activate"),
    path("plans/<int:plan_id>/complete/", views.complete, name="complete"),
    path("plans/<int:plan_id>/stop/", views.stop, name="stop"),
    path("plans/<int:plan_id>/book/", views.book, name="book"),
    path("patients/<int:patient_id>/plans/", views.patient_plans, name="patient_plans"),
    path("patients/<int:patient_id>/plans/new/", views.plan_create, name="plan_create"),
    path("schedule/", schedule_views.schedule_index, name="schedule"),
    path("schedule/hours/", schedule_views.opening_hours, name="hours"),
    path("schedule/<int:practitioner_id>/week/", schedule_views.week, name="week"),
    path("schedule/<int:practitioner_id>/day/", schedule_views.day, name="day"),
    path("schedule/<int:practitioner_id>/calendar.ics", schedule_views.export_ics, name="ics"),
    path(
        "appointments/<int:appointment_id>/reschedule/",
        schedule_views.reschedule,
        name="reschedule",
    ),
    path("appointments/<int:appointment_id>/cancel/", schedule_views.cancel, name="cancel"),
]
