"""The start page on ElevenLabs: a batch ID, no workspace, campaign or upload to type (each says
why), ElevenLabs' IDs accepted as typed, and the case's workspace the one the provider carries."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from triage_gui.providers.connection import Connection
from triage_gui.simulator import ManualClock
from triage_gui.simulator.elevenlabs import ElevenLabsSimulator
from triage_gui.ui.pages.start_page import StartPage

# as the platform writes them (shared/providers/elevenlabs/facts.md, examples/)
BATCH_ID = "btcal_01jz9a7q2w3e4r5t6y7u8i9o0p"


@pytest.fixture
def el_sim():
    with ElevenLabsSimulator(scenarios=["transient_storm", "stalled"], clock=ManualClock()) as sim:
        yield sim


@pytest.fixture
def el_window(open_window, el_sim):
    conn = Connection(base_url=el_sim.base_url or "", token=el_sim.key, label="el", provider="elevenlabs")
    win = open_window(conn, poll_interval_s=0.2)
    win.show()
    yield win
    win.close()


def test_the_fields_of_the_batch_api_are_unchanged(qtbot):
    page = StartPage()
    qtbot.addWidget(page)
    page.set_provider("batch_v1")
    assert page.job.accessibleName() == "Batch job ID" and page.job_label.text() == "Batch &job ID:"
    assert all(f.isEnabled() for f in page.ids.all) and page.ids.workspace_id() == ""
    assert [name for _, name in page.ids.job_named] == ["campaign_id", "upload_id"]


def test_on_elevenlabs_the_job_is_a_batch_and_the_rest_says_why_it_is_not_there(qtbot):
    page = StartPage()
    qtbot.addWidget(page)
    page.set_provider("elevenlabs")
    assert page.job.accessibleName() == "Batch ID" and page.job_label.text() == "B&atch ID:"
    assert page.job.placeholderText().startswith("e.g. btcal_")
    assert not page.workspace.isEnabled()
    assert page.workspace.placeholderText() == "Not on ElevenLabs: the API key decides the workspace"
    assert page.workspace.toolTip() == page.workspace.placeholderText()
    for field_ in (page.campaign, page.upload):
        assert not field_.isEnabled() and field_.placeholderText().startswith("Not on this platform")
    # a scenario's or a saved case's workspace, campaign and upload are not shown as typed IDs
    page.fill(workspace="default", job=BATCH_ID, campaign="cmp_x", upload="upl_x")
    assert (page.workspace.text(), page.campaign.text(), page.upload.text()) == ("", "", "")
    assert page.ids.workspace_id() == "default" and page.ids.typed() == {}
    assert page.fields_valid()  # the empty, disabled workspace is not "missing"


def test_an_elevenlabs_batch_id_is_typed_as_it_is(qtbot):
    page = StartPage()
    qtbot.addWidget(page)
    page.set_provider("elevenlabs")
    page.show()
    qtbot.keyClicks(page.job, BATCH_ID)
    assert page.job.text() == BATCH_ID and page.fields_valid()
    assert not page.id_note.isVisible()
    qtbot.keyClicks(page.job, "/")  # not part of any ID: refused, and the note names the field
    assert page.job.text() == BATCH_ID
    assert page.id_note.text().startswith("Batch ID: '/' cannot be part of an ID")


def test_a_typed_batch_loads_with_the_providers_workspace(qtbot, el_window, el_sim):
    start = el_window.wizard.start_page
    batch = el_sim.scenario("transient_storm").batch_id
    qtbot.mouseClick(start.job, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(start.job, batch)
    qtbot.mouseClick(start.load_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: el_window.controller.report is not None, timeout=20_000)
    qtbot.waitUntil(start.isComplete, timeout=5_000)
    inputs = el_window.controller.case.inputs
    assert (inputs.workspace_id, inputs.job_id) == ("default", batch)
    # the job's "campaign" is its agent: not put in the campaign field, named as the agent
    assert start.campaign.text() == "" and "Agent: agent_storm" in start.known.text()
    assert "Campaign:" not in start.known.text() and "Upload:" not in start.known.text()
    assert not start.edited_since_load()
    # another batch typed: not the loaded one until Load
    qtbot.keyClick(start.job, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(start.job, el_sim.scenario("stalled").batch_id)
    assert start.edited_since_load() and not start.isComplete()
