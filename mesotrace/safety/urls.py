from django.urls import path

from mesotrace.safety import views

app_name = "safety"
urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("patients/<int:patient_id>/new/", views.event_new, name="event_new"),
    path("events/<int:event_id>/", views.event_detail, name="event_detail"),
    path("events/<int:event_id>/follow-up/", views.follow_up, name="follow_up"),
    path("events/<int:event_id>/grade/", views.grade, name="grade"),
    path("signals/", views.signal_page, name="signals"),
    path("signals.csv", views.signal_export, name="signals_csv"),
    path("alerts/", views.alert_list, name="alert_list"),
    path("alerts/<int:alert_id>/release/", views.alert_release, name="alert_release"),
    path("settings/", views.cluster_rule, name="cluster_rule"),
]
