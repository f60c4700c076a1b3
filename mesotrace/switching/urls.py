from django.urls import path

from mesotrace.switching import views

app_name = "switching"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("<int:csv_import_id>/", views.columns, name="columns"),
    path("<int:csv_import_id>/preview/", views.preview, name="preview"),
    path("<int:csv_import_id>/import/", views.run_import, name="run_import"),
]
