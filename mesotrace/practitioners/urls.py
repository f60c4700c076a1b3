from django.urls import path

from mesotrace.practitioners import views

app_name = "practitioners"
urlpatterns = [
    path("", views.practitioner_list, name="list"),
    path("new/", views.practitioner_create, name="create"),
    path("policy/", views.policy_edit, name="policy"),
    path("<int:practitioner_id>/", views.practitioner_detail, name="detail"),
    path("<int:practitioner_id>/edit/", views.practitioner_edit, name="edit"),
]
