"""Every answer under /api/ is JSON, including paths no operation answers, in every mode."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/nothing-here"),
        ("post", "/api/v1/patients/12/nothing"),
        ("delete", "/api/v2/patients"),
        ("get", "/api/"),
        ("get", "/api/v1/patients/"),
    ],
)
def test_an_unknown_api_path_is_a_json_404(
    client: Client, db: object, debug: bool, method: str, path: str
) -> None:
    with override_settings(DEBUG=debug):
        response = getattr(client, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Not found."}
