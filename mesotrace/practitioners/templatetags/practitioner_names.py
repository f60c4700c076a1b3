"""Pages name the staff who signed something by their practitioner name, not their email."""

from __future__ import annotations

from django import template

from mesotrace.accounts.models import Clinic, User
from mesotrace.practitioners.queries import name_of

register = template.Library()


@register.filter
def practitioner_name(user: User | None, clinic: Clinic) -> str:
    """`{{ signature.countersigned_by|practitioner_name:clinic }}`: "Dr Anne Martin"."""
    return name_of(clinic, user)
