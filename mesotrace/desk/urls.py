from django.urls import path

from mesotrace.desk import views

app_name = "desk"
urlpatterns = [
    path("", views.home, name="home"),
    path("patients/<int:patient_id>/", views.patient_record, name="patient"),
]
