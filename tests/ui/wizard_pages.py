"""The wizard's pages as the page-by-page UI tests walk them (mnemonics, Tab, 800x600)."""

from __future__ import annotations

import pytest

PAGE_NAMES = ("start", "job_health", "permits_dispatch", "duplicates", "retry_strategy", "escalation", "export")
PAGES = [pytest.param(index, id=name) for index, name in enumerate(PAGE_NAMES)]


def page_id_at(wizard, index: int) -> int:
    """The id of the wizard's ``index``-th page (0: the start page)."""
    return ([wizard.startId()] + wizard.pageIds()[1:])[index]
