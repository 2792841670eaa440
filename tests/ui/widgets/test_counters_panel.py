from __future__ import annotations

from datetime import timedelta

import pytest

from triage_gui.ui.widgets.counters_panel import CountersPanel, age_text


@pytest.fixture
def panel(qtbot):
    widget = CountersPanel()
    qtbot.addWidget(widget)
    return widget


def test_counters_and_progress(panel, make_job, base_time):
    job = make_job(
        total=1000,
        queued=400,
        dispatched=610,
        in_progress=10,
        succeeded=520,
        failed=70,
        retry_scheduled=0,
        permits_in_use=10,
        waiting_for_permit=400,
        last_dispatch_at=(base_time - timedelta(seconds=192)).isoformat(),
    )
    panel.set_job(job, expected=1020, server_now=base_time)
    assert panel.value_text("status") == "running"
    assert panel.value_text("expected") == "1,020"
    assert panel.value_text("total") == "1,000 (20 fewer than expected)"
    assert panel.value_text("processed") == "590 of 1,000 (59.0 %)"
    assert panel.value_text("succeeded") == "520"
    assert panel.value_text("failed") == "70"
    assert panel.value_text("permits") == "10 / 10"
    assert panel.value_text("waiting_for_permit") == "400"
    assert panel.value_text("last_dispatch") == "3 min 12 s ago"
    assert panel.progress.maximum() == 1000 and panel.progress.value() == 590
    assert "590 of 1,000" in panel.progress.text()


def test_unknown_expected_and_never_dispatched(panel, make_job, base_time):
    panel.set_job(make_job(total=0), expected=None, server_now=base_time)
    assert panel.value_text("expected") == "unknown"
    assert panel.value_text("total") == "0"
    assert panel.value_text("last_dispatch") == "never"
    assert panel.progress.text() == "No recipients yet"


def test_large_jobs_fit_the_progress_bar(panel, make_job, base_time):
    panel.set_job(make_job(total=100_000, succeeded=99_999), expected=100_000, server_now=base_time)
    assert panel.value_text("total") == "100,000"
    assert panel.progress.value() == 99_999


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s ago"),
        (59, "59 s ago"),
        (192, "3 min 12 s ago"),
        (7_500, "2 h 5 min ago"),
        (3 * 86_400 + 4 * 3600, "3 d 4 h ago"),
        (-5, "0 s ago"),
    ],
)
def test_age_text(seconds, text):
    assert age_text(seconds) == text
