"""Audit rows of a page's reads, written together when the page is done."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from mesotrace.audit.services import reads_collected

SAFE_METHODS = frozenset({"GET", "HEAD"})


class ReadAuditMiddleware:
    """For a GET or HEAD, the read audits of the view and of its rendering are collected and
    committed in one transaction before the answer is returned (`audit.reads_collected`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method not in SAFE_METHODS:
            return self.get_response(request)
        with reads_collected():
            return self.get_response(request)
