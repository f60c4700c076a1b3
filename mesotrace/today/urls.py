from django.urls import path

from mesotrace.today import views

app_name = "today"
urlpatterns = [
    path("", views.home, name="home"),
]
