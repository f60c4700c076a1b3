"""schemathesis fuzzes every API operation as an owner, a front-desk user and an outsider,
with valid and with invalid input: no answer is a server error, and every status code,
content type and body is the one the OpenAPI description declares.

The checks run are the four below; schemathesis' other default checks are left out, each
for a reason: `negative_data_rejection` and `positive_data_acceptance` judge refusals by the
schema alone, but the API refuses valid-looking input on purpose (another clinic's ids are
404, a full day is 409); `use_after_free` and `ensure_resource_availability` need links
between operations, which the OpenAPI description does not declare (django-ninja writes
none), so no stateful run is possible either; `ignored_auth` is covered by the isolation
sweep (tests/project/test_isolation_sweep.py), which tries every operation without a token
and with every role's; `missing_required_header` and `unsupported_method` concern headers
and methods no operation declares.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import World, make_patient

# Examples per operation and role: small enough for the suite's time on two cores; raise it
# with MESOTRACE_FUZZ_EXAMPLES for a deeper run.
EXAMPLES = int(os.environ.get("MESOTRACE_FUZZ_EXAMPLES", "6"))  # per generation mode
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _fuzz(
    operation: Any,
    mode: GenerationMode,
    headers: Callable[[], dict[str, str]],
    failures: list[str],
    count: list[int],
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        # Shrinking a failure could take minutes; the failing case is reported as found.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        count[0] += 1
        response = case.call(headers=headers())
        case.validate_response(response, checks=CHECKS)

    try:
        run()
    except (Exception, FailureGroup) as failure:  # every operation's failure, together
        failures.append(f"{operation.label} ({mode.value}): {str(failure)[:1500]}")


@pytest.fixture
def app() -> Any:
    """The WSGI app, called in the test's own thread and transaction: like Django's test
    client, it must not close the test's database connection after each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize("role", ["owner", "front_desk", "outsider"])
def test_every_operation_answers_as_documented(
    world: World, bearer: Callable[..., dict[str, Any]], app: Any, role: str, capsys: Any
) -> None:
    user = world.outsider if role == "outsider" else world.members[role]
    clinic = world.other_clinic if role == "outsider" else world.clinic
    make_patient(world.clinic)
    token = {"Authorization": bearer(user, clinic)["HTTP_AUTHORIZATION"]}

    def shared() -> dict[str, str]:
        return token

    def fresh() -> dict[str, str]:
        # Revoking the token would leave every later case without one: each gets its own.
        return {"Authorization": bearer(user, clinic)["HTTP_AUTHORIZATION"]}

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    count = [0]
    operations = 0
    started = time.monotonic()
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # the description itself is valid
        operation = result.ok()
        operations += 1
        revokes = operation.label == "DELETE /api/v1/auth/token"
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, fresh if revokes else shared, failures, count)
    seconds = time.monotonic() - started
    with capsys.disabled():
        print(
            f"\n{role}: {operations} operations, {count[0]} cases, {len(failures)} failures, "
            f"{seconds:.0f} s"
        )
    assert not failures, "\n\n".join(failures)
