"""The browser tests' accessibility check finds what it is there to find."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.browser import DESKTOP, assert_accessible, axe_violations

pytestmark = pytest.mark.browser

CLEAN = '<!doctype html><html lang="en"><title>Clean</title><main><h1>Clean</h1></main></html>'
UNLABELLED = (
    '<!doctype html><html lang="en"><title>Form</title><main><h1>Form</h1>'
    '<input type="text" name="goal"></main></html>'
)


def test_an_unlabelled_field_is_a_violation_and_a_clean_page_is_not(browser: Browser) -> None:
    context = browser.new_context(viewport=DESKTOP)
    tab = context.new_page()
    try:
        tab.set_content(CLEAN)
        assert_accessible(tab)
        tab.set_content(UNLABELLED)
        found = axe_violations(tab)
        assert any(v.split(": ", 1)[1].startswith("label (critical)") for v in found), found
        with pytest.raises(AssertionError, match="accessibility violations"):
            assert_accessible(tab)
    finally:
        context.close()
