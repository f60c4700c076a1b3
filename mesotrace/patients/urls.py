from django.urls import path

from mesotrace.patients import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("<int:patient_id>/edit/", views.patient_edit, name="edit"),
    path("<int:patient_id>/clinical/", views.patient_clinical, name="clinical"),
    path("<int:patient_id>/clinical/edit/", views.patient_clinical_edit, name="clinical_edit"),
    path(
        "<int:patient_id>/allergies/<int:allergy_id>/coding/",
        views.allergy_coding,
        name="allergy_coding",
    ),
]
