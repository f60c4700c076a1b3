"""The background work of the CSV import, run by the task worker (`manage.py db_worker`):
importing one queued file, all or nothing, as the owner who queued it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django_tasks import task

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Membership
from mesotrace.switching import services
from mesotrace.switching.models import CsvImport, ImportStatus


@task()
def import_csv(csv_import_id: int, membership_id: int | None) -> str:
    upload = CsvImport.objects.filter(pk=csv_import_id, status=ImportStatus.QUEUED).first()
    if upload is None:
        return "skipped"
    members = Membership.objects.select_related("user", "clinic")
    membership = members.filter(pk=membership_id).first() if membership_id else None
    actor = Actor.system("csv import", membership)
    try:
        services.import_file(actor, upload)
    except ValidationError as error:
        services.refuse_import(actor, upload, error)
        return "refused"
    return "imported"
