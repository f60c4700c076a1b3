from django.urls import path

from mesotrace.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("clinic/", views.choose_clinic, name="choose_clinic"),
    path("language/", views.choose_language, name="language"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
]

# The auditor's trail, mounted at /audit/ under its own namespace.
audit_patterns = (
    [
        path("", views.audit_list, name="list"),
        path("export.csv", views.audit_export, name="export"),
    ],
    "audit",
)
