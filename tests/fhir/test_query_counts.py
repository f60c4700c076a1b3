"""A search costs the same number of queries whatever the number of resources it returns."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from mesotrace.fhir.queries import KINDS
from tests.fhir.builders import charted_record, get


def _costs(client, headers) -> dict[str, tuple[int, int]]:
    """Per type: (resources returned, queries run) of an unfiltered search."""
    found = {}
    for name in KINDS:
        with CaptureQueriesContext(connection) as queries:
            bundle = get(client, name, headers).json()
        found[name] = (len(bundle.get("entry", [])), len(queries))
    return found


def test_search_runs_no_query_per_resource(world, client, bearer):
    headers = bearer(world.members["owner"], world.clinic)
    charted_record(world, "MX-Q-1")
    get(client, "metadata", headers)
    get(client, "Organization", headers)  # the token's first use records it, once
    one = _costs(client, headers)
    charted_record(world, "MX-Q-2")
    two = _costs(client, headers)
    for name in KINDS:
        if KINDS[name].patient_path:  # the clinic and its practitioner stay one each
            assert two[name][0] > one[name][0], name
        assert two[name][1] == one[name][1], (name, one[name], two[name])
