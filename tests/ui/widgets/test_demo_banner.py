from __future__ import annotations

from PySide6.QtCore import Qt

from triage_gui.ui.widgets.demo_banner import DemoBanner

SCENARIOS = [
    ("stalled", "Stalled job", "Running, but nothing dispatched for 40 minutes"),
    ("healthy", "Healthy job", "Everything works"),
]


def test_banner_says_demo_and_where(qtbot):
    banner = DemoBanner("http://127.0.0.1:8765")
    qtbot.addWidget(banner)
    assert banner._word.text() == "DEMO"
    assert "http://127.0.0.1:8765" in banner._where.text()
    assert not banner._icon.pixmap().isNull()
    assert "Demo" in banner.accessibleName()


def test_scenarios_have_descriptions_and_open_emits_the_name(qtbot):
    banner = DemoBanner("http://127.0.0.1:1")
    qtbot.addWidget(banner)
    banner.set_scenarios(SCENARIOS)
    assert banner.scenarios.count() == 2
    assert banner.scenarios.itemText(0) == "Stalled job"
    assert banner.scenarios.itemData(1, Qt.ItemDataRole.ToolTipRole) == "Everything works"
    assert banner.scenarios.toolTip() == SCENARIOS[0][2]
    assert banner.select_scenario("healthy")
    assert banner.scenarios.toolTip() == "Everything works"
    with qtbot.waitSignal(banner.scenario_chosen) as chosen:
        qtbot.mouseClick(banner.open, Qt.MouseButton.LeftButton)
    assert chosen.args == ["healthy"]


def test_without_scenarios_open_is_disabled(qtbot):
    banner = DemoBanner()
    qtbot.addWidget(banner)
    banner.set_scenarios([])
    assert not banner.open.isEnabled()
    assert banner.current_scenario() is None
    assert not banner.select_scenario("nope")
