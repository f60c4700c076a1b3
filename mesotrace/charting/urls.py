from django.urls import path

from mesotrace.charting import views

app_name = "charting"
urlpatterns = [
    path("", views.index, name="index"),
    path("appointments/<int:appointment_id>/chart/", views.chart, name="chart"),
    path("sessions/<int:session_id>/", views.session_detail, name="session_detail"),
    path("sessions/<int:session_id>/sign/", views.sign, name="sign"),
    path("sessions/<int:session_id>/amend/", views.amend, name="amend"),
    path("sessions/<int:session_id>/photos/", views.session_photos, name="session_photos"),
    path("sessions/<int:session_id>/photos/upload/", views.upload_photo, name="upload_photo"),
    path("photos/<int:photo_id>/image/", views.photo_image, name="photo_image"),
    path("patients/<int:patient_id>/photos/", views.patient_photos, name="patient_photos"),
    path("lots/<int:lot_id>/trace/", views.lot_trace, name="lot_trace"),
    path("lots/<int:lot_id>/trace.csv", views.lot_trace_csv, name="lot_trace_csv"),
    path("lots/<int:lot_id>/recall/", views.open_recall, name="open_recall"),
]
