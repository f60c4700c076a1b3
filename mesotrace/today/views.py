"""The home page: where each role starts its day."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from mesotrace.accounts.access import ClinicRequest, clinic_view


@clinic_view("account.self")
def home(request: ClinicRequest) -> HttpResponse:
    return render(request, "today/home.html")
