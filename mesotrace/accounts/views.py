"""Sign-in, sign-out, choosing the active clinic, one's API tokens, and the auditor's trail."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mesotrace.accounts import queries, services
from mesotrace.accounts.access import Actor, ClinicRequest, clinic_view, login_only
from mesotrace.accounts.documents import trail_csv
from mesotrace.accounts.forms import AuditFilterForm, LoginForm, TokenForm
from mesotrace.accounts.middleware import SESSION_KEY
from mesotrace.accounts.models import User
from mesotrace.audit.models import AuditEvent
from mesotrace.core.formats import csv_stream
from mesotrace.core.http import public


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
    memberships = queries.active_memberships(cast(User, request.user)).order_by("clinic__name")
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
            return redirect("desk:home")
    return render(request, "accounts/choose_clinic.html", {"memberships": memberships})


@login_only
@require_POST
def choose_language(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own language (blank: the clinic's), then back to the page."""
    try:
        chosen = request.POST.get("language", "")
        services.set_user_language(Actor.from_request(request), cast(User, request.user), chosen)
    except ValidationError:
        messages.error(request, _("Choose one of the languages offered."))
    back = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure())
    return redirect(back if safe and back.startswith("/") else "desk:home")


@clinic_view("account.self")
@require_http_methods(["GET", "POST"])
def tokens(request: ClinicRequest) -> HttpResponse:
    new_key = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _token, new_key = services.issue_token(
            Actor.from_request(request), request.membership, form.cleaned_data["name"]
        )
    listed = queries.tokens_of(request.membership)
    return render(
        request, "accounts/tokens.html", {"tokens": listed, "form": form, "new_key": new_key}
    )


@clinic_view("account.self")
@require_POST
def revoke_token(request: ClinicRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(queries.tokens_of(request.membership), pk=token_id)
    services.revoke_token(Actor.from_request(request), token)
    messages.success(request, _("Token revoked."))
    return redirect("accounts:tokens")


# --- The auditor's trail -----------------------------------------------------------------


def _events(request: ClinicRequest, form: AuditFilterForm) -> QuerySet[AuditEvent]:
    if not request.GET:
        return queries.trail(request.clinic)
    if not form.is_valid():
        return AuditEvent.objects.none()
    return queries.trail(request.clinic, **form.cleaned_data)


@clinic_view("audit.view")
def audit_list(request: ClinicRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None, clinic=request.clinic)
    page = Paginator(_events(request, form), 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "accounts/audit_trail.html", context)


@clinic_view("audit.view")
def audit_export(request: ClinicRequest) -> StreamingHttpResponse:
    form = AuditFilterForm(request.GET or None, clinic=request.clinic)
    events = queries.trail_export(
        Actor.from_request(request), _events(request, form), request.GET.dict()
    )
    return csv_stream(trail_csv(events), "audit.csv")
