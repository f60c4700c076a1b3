from typing import Any

from django.http import HttpRequest

from mesotrace.accounts.roles import PERMISSIONS


def clinic(request: HttpRequest) -> dict[str, Any]:
    """The active clinic and a `can` map, so templates show only what the role may use."""
    membership = getattr(request, "membership", None)
    can = {
        name.replace(".", "_"): bool(membership and membership.may(name)) for name in PERMISSIONS
    }
    return {"membership": membership, "active_clinic": getattr(request, "clinic", None), "can": can}
