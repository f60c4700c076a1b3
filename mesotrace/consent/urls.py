from django.urls import path

from mesotrace.consent import views

app_name = "consent"
urlpatterns = [
    path("patients/<int:patient_id>/photos/", views.photo_consent, name="photo_consent"),
    path("photo-consents/<int:photo_consent_id>/withdraw/", views.withdraw, name="withdraw_photo"),
]
