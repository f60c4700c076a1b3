"""The HTTP API under /api/v1/: one NinjaAPI with a router per domain app."""

from csp.decorators import csp_update
from ninja import NinjaAPI

from mesotrace.accounts.api import router as auth_router
from mesotrace.catalogue.api import router as catalogue_router
from mesotrace.charting.api import router as charting_router
from mesotrace.consent.api import router as consent_router
from mesotrace.core.api import install_error_handlers
from mesotrace.inventory.api import router as inventory_router
from mesotrace.outcomes.api import router as outcomes_router
from mesotrace.patients.api import router as patients_router
from mesotrace.practitioners.api import router as practitioners_router
from mesotrace.safety.api import router as safety_router
from mesotrace.switching.api import router as switching_router
from mesotrace.treatments.api import router as treatments_router

api = NinjaAPI(
    title="Mesotrace API",
    version="1",
    description=(
        "Clinic data for one clinic per bearer token. Get a token with POST /api/v1/auth/token, "
        "then send `Authorization: Bearer <token>`. Errors are JSON: `detail`, and for "
        "validation `errors: [{field, message}]`."
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    # Swagger UI sets inline styles; only the docs page relaxes style-src for it.
    docs_decorator=csp_update({"style-src": ["'self'", "'unsafe-inline'"]}),
)
install_error_handlers(api)
api.add_router("", auth_router)
api.add_router("", patients_router)
api.add_router("", practitioners_router)
api.add_router("", catalogue_router)
api.add_router("", treatments_router)
api.add_router("", inventory_router)
api.add_router("", charting_router)
api.add_router("", consent_router)
api.add_router("", outcomes_router)
api.add_router("", safety_router)
api.add_router("", switching_router)
