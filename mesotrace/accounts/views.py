"""Sign-in, sign-out, choosing the active clinic, one's API tokens, and the auditor's trail."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterator
from typing import cast

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mesotrace.accounts import services
from mesotrace.accounts.access import Actor, ClinicRequest, clinic_view, login_only
from mesotrace.accounts.forms import AuditFilterForm, LoginForm, TokenForm
from mesotrace.accounts.middleware import SESSION_KEY
from mesotrace.accounts.models import ApiToken, Membership, User
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, AuditEvent, ObjectType
from mesotrace.core.clock import clinic_zone
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
            return redirect("desk:home")
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


# --- The auditor's trail -----------------------------------------------------------------

EXPORT_LIMIT = 100_000


def _filtered(request: ClinicRequest, form: AuditFilterForm) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.for_clinic(request.clinic).select_related("actor")
    if not form.is_valid():
        return events.none()
    data = form.cleaned_data
    zone = clinic_zone(request.clinic)
    if data.get("patient"):
        events = events.filter(patient_id=data["patient"])
    if data.get("user"):
        events = events.filter(actor=data["user"])
    if data.get("action"):
        events = events.filter(action=data["action"])
    if data.get("date_from"):
        events = events.filter(
            at__gte=datetime.datetime.combine(data["date_from"], datetime.time(), zone)
        )
    if data.get("date_to"):
        end = data["date_to"] + datetime.timedelta(days=1)
        events = events.filter(at__lt=datetime.datetime.combine(end, datetime.time(), zone))
    return events


@clinic_view("audit.view")
def audit_list(request: ClinicRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None, clinic=request.clinic)
    events = (
        _filtered(request, form) if request.GET else AuditEvent.objects.for_clinic(request.clinic)
    )
    page = Paginator(events.select_related("actor"), 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "accounts/audit_trail.html", context)


@clinic_view("audit.view")
def audit_export(request: ClinicRequest) -> StreamingHttpResponse:
    form = AuditFilterForm(request.GET or None, clinic=request.clinic)
    events = (
        _filtered(request, form) if request.GET else AuditEvent.objects.for_clinic(request.clinic)
    )
    audit.record(
        Actor.from_request(request),
        AuditAction.EXPORT,
        ObjectType.AUDIT_EVENT,
        details={"filters": request.GET.dict(), "limit": EXPORT_LIMIT},
    )
    return StreamingHttpResponse(
        _csv_rows(events[:EXPORT_LIMIT]),
        content_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(events: QuerySet[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(
        [
            "at",
            "actor",
            "action",
            "object_type",
            "object_id",
            "patient_id",
            "changes",
            "details",
            "request_id",
            "ip",
            "via",
        ]
    )
    for event in events.iterator(chunk_size=2000):
        yield writer.writerow(
            [
                event.at.isoformat(),
                event.actor_label,
                event.action,
                event.object_type,
                event.object_id,
                event.patient_id or "",
                event.changes,
                event.details,
                event.request_id,
                event.ip or "",
                event.via,
            ]
        )
