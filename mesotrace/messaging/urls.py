from django.urls import path

from mesotrace.messaging import views

app_name = "messaging"
urlpatterns = [
    path("settings/", views.clinic_settings, name="settings"),
    path("patients/<int:patient_id>/preferences/", views.preferences, name="preferences"),
    path("recalls/<int:campaign_id>/letters/", views.recall_letters, name="recall_letters"),
]
