"""Sign-in, sign-out, choosing the active clinic, and managing one's API tokens."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mesotrace.accounts import services
from mesotrace.accounts.access import ClinicRequest, clinic_view, login_only, public
from mesotrace.accounts.forms import LoginForm, TokenForm
from mesotrace.accounts.middleware import SESSION_KEY
from mesotrace.accounts.models import ApiToken, Membership, User
from mesotrace.audit.actor import Actor


@method_decorator(public, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


login_view = public(LoginView.as_view())
logout_view = public(auth_views.LogoutView.as_view())


@login_only
@require_http_methods(["GET", "POST"])
def choose_clinic(request: HttpRequest) -> HttpResponse:
    memberships = (
        Membership.objects.filter(user=cast(User, request.user), is_active=True)
        .select_related("clinic")
        .order_by("clinic__name")
    )
    if request.method == "POST":
        raw = request.POST.get("clinic", "")
        # isdigit() alone lets "²" (int() fails) and 30-digit ids (SQLite overflows) through.
        plausible = raw.isascii() and raw.isdigit() and len(raw) <= 18
        membership = memberships.filter(clinic_id=int(raw)).first() if plausible else None
        if membership is None:
            messages.error(request, _("Choose one of your clinics."))
        else:
            request.session[SESSION_KEY] = membership.clinic_id
            request.membership = membership  # type: ignore[attr-defined]
            services.switch_clinic(Actor.from_request(request), membership)
            return redirect("core:home")
    return render(request, "accounts/choose_clinic.html", {"memberships": memberships})


@clinic_view("account.self")
@require_http_methods(["GET", "POST"])
def tokens(request: ClinicRequest) -> HttpResponse:
    new_key = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _token, new_key = services.issue_token(
            Actor.from_request(request), request.membership, form.cleaned_data["name"]
        )
    listed = ApiToken.objects.filter(membership=request.membership).order_by("-created_at")
    return render(
        request, "accounts/tokens.html", {"tokens": listed, "form": form, "new_key": new_key}
    )


@clinic_view("account.self")
@require_POST
def revoke_token(request: ClinicRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.filter(membership=request.membership), pk=token_id)
    services.revoke_token(Actor.from_request(request), token)
    messages.success(request, _("Token revoked."))
    return redirect("accounts:tokens")
