"""IDs pasted from a ticket come with spaces and line breaks: they are trimmed; a character no
ID can hold is refused, and the page says which and why."""

from __future__ import annotations


def test_pasted_ids_are_trimmed_and_refusals_say_why(qtbot, window, simulator, agent):
    agent.activate(window)
    start = window.wizard.start_page
    info = simulator.scenario("stalled")
    agent.paste(start.workspace, f"  {info.workspace_id}\n")
    agent.paste(start.job, f"\t{info.job_id} \r\n")
    assert (start.workspace.text(), start.job.text()) == (info.workspace_id, info.job_id)
    assert "Batch job ID" in start.id_note.text() and "removed" in start.id_note.text()
    assert start.id_note.isVisible()

    # a character no ID has: refused as typed, and the page says which and why
    agent.click(start.upload)
    qtbot.keyClicks(start.upload, "upl/1")
    assert start.upload.text() == "upl1"
    assert "Upload ID" in start.id_note.text() and "'/'" in start.id_note.text()
    # a paste with a space inside is not an ID: refused whole, the field as it was
    agent.paste(start.campaign, "cmp stalled\n")
    assert start.campaign.text() == ""
    assert "Campaign ID" in start.id_note.text() and "space" in start.id_note.text()
    agent.retype(start.upload, "")

    agent.click(start.load_button)
    assert not start.id_note.isVisible()  # a Load starts afresh
    qtbot.waitUntil(lambda: window.controller.report is not None, timeout=20_000)
    assert window.controller.report.job_id == info.job_id
