"""The app's URLs plus a no-op view, the floor the load benchmark measures pages against.

Served only when the load benchmark sets MESOTRACE_URLCONF=bench.urls.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from mesotrace.urls import urlpatterns as app_urlpatterns


def noop(request: HttpRequest) -> HttpResponse:
    """Every middleware (session, user, clinic) runs; the view itself does nothing."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/noop", noop), *app_urlpatterns]
