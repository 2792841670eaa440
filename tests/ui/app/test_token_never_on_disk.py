"""A whole session with a known token, then every file the app wrote is searched for it.

Profile stored (token in the real OS keyring), the app started on it through the connect flow,
a case loaded, noted, autosaved, the escalation bundle written, logs at DEBUG: the token must be
in none of the config dir, data dir, log files, case files or the bundle — only in the keyring.
"""

from __future__ import annotations

import logging
import os
import uuid
import zipfile
from pathlib import Path

import pytest

from triage_gui.domain.vocabulary import CheckId
from triage_gui.services.bundle_assembly import write_check_bundle
from triage_gui.simulator import ManualClock, Simulator
from triage_gui.store.profiles import make_profile
from triage_gui.ui.app.connect_flow import choose_connection
from triage_gui.ui.app.context import build_context
from triage_gui.ui.app.startup import make_window

pytestmark = pytest.mark.keyring


@pytest.mark.skipif(
    not os.environ.get("TRIAGE_REAL_KEYRING"), reason="needs a real Secret Service: run inside .ci/keyring-session.sh"
)
def test_the_token_is_nowhere_on_disk_but_the_keyring(qtbot, isolated_home, tmp_path):
    token = f"tok-{uuid.uuid4().hex}"
    name = f"scan-{uuid.uuid4().hex[:8]}"
    with Simulator(clock=ManualClock(), token=token) as sim:
        ctx = build_context()
        ctx.cleanups.append(ctx.logging_setup.close)
        logging.getLogger().setLevel(logging.DEBUG)
        store = ctx.profiles
        store.add(make_profile(name=name, base_url=sim.base_url, default_workspace="ws_demo"), token=token)
        try:
            ctx.connection = choose_connection(ctx, name)
            assert ctx.connection is not None and ctx.connection.token == token
            window = make_window(ctx)
            qtbot.addWidget(window)
            window.build()
            window.show()
            window.wizard.start_page.fill(workspace="ws_demo", job="job_retry_loop")
            window.wizard.start_page.load()
            qtbot.waitUntil(lambda: window.controller.report is not None, timeout=20_000)
            qtbot.waitUntil(lambda: len(window.controller.case.snapshots) >= 2, timeout=20_000)
            window.controller.set_note(CheckId.JOB_HEALTH.value, "checked with the customer")
            logging.getLogger("triage_gui.test").info("Authorization: Bearer %s", token)  # scrubbed
            data, report = window.controller.data, window.controller.report
            bundle = tmp_path / "bundle.zip"
            write_check_bundle(bundle, data, report, token=token, screenshot_png=None)
            window.close()
            for handler in ctx.logging_setup.handlers:
                handler.flush()
        finally:
            store.remove(name)
            ctx.close()
        assert ctx.credentials.get(name) is None  # removed with the profile

    needle = token.encode()
    scanned = []
    for root in (Path(isolated_home), tmp_path):
        for path in root.rglob("*"):
            if path.is_file():
                scanned.append(path)
                assert needle not in path.read_bytes(), f"token found in {path}"
    with zipfile.ZipFile(bundle) as zf:
        for member in zf.namelist():
            assert needle not in zf.read(member), f"token found in bundle member {member}"
    kinds = {p.suffix for p in scanned}
    assert {".json", ".log", ".zip"} <= kinds  # settings/profiles/cases, logs and the bundle were there
    assert any("cases" in p.parts for p in scanned)
