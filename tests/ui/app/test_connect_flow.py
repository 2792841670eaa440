"""How the app chooses its connection at start: first run (welcome, demo, connect), the
last-used profile, ``--profile NAME``, and the token prompt when the keyring cannot help."""

from __future__ import annotations

import re

import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLineEdit

from triage_gui.simulator import DEMO_WORKSPACE
from triage_gui.store.credentials import TOKEN_ENV, CredentialStore, TokenSource
from triage_gui.store.paths import AppPaths
from triage_gui.store.profiles import ProfileStore, make_profile
from triage_gui.store.settings import AppSettings
from triage_gui.ui.app.connect_flow import ConnectFlow, choose_connection, last_profile
from triage_gui.ui.app.context import AppContext
from triage_gui.ui.dialogs.profile_dialog import ProfileDialog
from triage_gui.ui.dialogs.token_prompt import TokenPrompt
from triage_gui.ui.dialogs.welcome_dialog import WelcomeChoice, WelcomeDialog


@pytest.fixture
def ctx():
    context = AppContext(paths=AppPaths(), settings=AppSettings())
    yield context
    context.close()  # stops the demo's simulator, if a test started it


def make_store(ctx: AppContext, environ: dict[str, str] | None = None) -> ProfileStore:
    """The context's profiles, with no usable keyring (a headless Linux without Secret Service)."""
    ctx.credentials = CredentialStore(backend=fail.Keyring(), environ=environ or {})
    return ctx.profiles


@pytest.fixture
def start_flow(qtbot):
    flows: list[ConnectFlow] = []

    def start(ctx: AppContext, profile: str | None = None, **kwargs) -> ConnectFlow:
        flow = ConnectFlow(ctx, profile, **kwargs)
        flows.append(flow)
        flow.start()
        if flow.dialog is not None:
            qtbot.addWidget(flow.dialog)
        return flow

    yield start
    for flow in flows:
        if flow.dialog is not None and flow.dialog.isVisible():
            flow.dialog.reject()


def click(qtbot, button: QAbstractButton) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def next_dialog(qtbot, flow: ConnectFlow, kind: type):
    assert isinstance(flow.dialog, kind), flow.dialog
    assert flow.dialog.isVisible()
    qtbot.addWidget(flow.dialog)
    return flow.dialog


# -- first run ---------------------------------------------------------------------------------


def test_first_run_shows_the_welcome_and_the_demo_choice_starts_the_demo(qtbot, ctx, start_flow):
    make_store(ctx)
    flow = start_flow(ctx)
    welcome = next_dialog(qtbot, flow, WelcomeDialog)
    assert "Connect to your platform" in welcome.connect_button.text()

    with qtbot.waitSignal(flow.finished) as finished:
        click(qtbot, welcome.demo_button)
    connection = finished.args[0]
    assert welcome.choice is WelcomeChoice.DEMO
    assert connection.is_demo and connection.base_url.startswith("http://127.0.0.1:")
    assert ctx.simulator is not None  # the caller's window lists its scenarios
    assert last_profile(ctx.paths) is None


def test_connect_to_your_platform_adds_a_profile_and_connects(qtbot, ctx, start_flow, simulator):
    store = make_store(ctx)
    flow = start_flow(ctx)
    click(qtbot, next_dialog(qtbot, flow, WelcomeDialog).connect_button)

    profiles = next_dialog(qtbot, flow, ProfileDialog)
    assert profiles.connect_button is not None and profiles.form.title() == "New profile"
    form = profiles.form
    qtbot.keyClicks(form.name_edit, "staging")
    qtbot.keyClicks(form.base_url_edit, simulator.base_url)
    qtbot.keyClicks(form.workspace_edit, DEMO_WORKSPACE)
    qtbot.keyClicks(form.token_field.edit, simulator.token)
    with qtbot.waitSignal(flow.finished) as finished:
        click(qtbot, profiles.connect_button)  # saves what was typed, then connects

    connection = finished.args[0]
    assert (connection.label, connection.base_url) == ("staging", simulator.base_url)
    assert connection.token == simulator.token and not connection.is_demo
    assert store.names() == ["staging"]
    assert store.credentials.is_session_only("staging")  # no keyring: never written
    assert last_profile(ctx.paths) == "staging"
    written = "".join(p.read_text(encoding="utf-8") for p in ctx.paths.config_dir.iterdir())
    assert simulator.token not in written


def test_closing_the_profiles_on_first_run_goes_back_to_the_welcome(qtbot, ctx, start_flow):
    make_store(ctx)
    flow = start_flow(ctx)
    click(qtbot, next_dialog(qtbot, flow, WelcomeDialog).connect_button)
    next_dialog(qtbot, flow, ProfileDialog).reject()
    welcome = next_dialog(qtbot, flow, WelcomeDialog)

    with qtbot.waitSignal(flow.finished) as finished:
        welcome.reject()  # "Quit"
    assert finished.args == [None]


# -- later starts ------------------------------------------------------------------------------


def test_the_last_used_profile_opens_without_a_dialog(ctx, start_flow):
    store = make_store(ctx, {TOKEN_ENV: "env-token"})
    for name in ("alpha", "beta"):
        store.add(make_profile(name=name, base_url=f"https://{name}.example.com"))
    (ctx.paths.config_dir / "last-profile.txt").write_text("beta\n", encoding="utf-8")

    flow = start_flow(ctx)
    assert flow.done and flow.dialog is None
    assert flow.connection.label == "beta"
    assert flow.connection.base_url == "https://beta.example.com"
    assert flow.connection.token == "env-token"


def test_several_profiles_and_none_remembered_lets_the_agent_choose(qtbot, ctx, start_flow):
    store = make_store(ctx, {TOKEN_ENV: "env-token"})
    for name in ("alpha", "beta"):
        store.add(make_profile(name=name, base_url=f"https://{name}.example.com"))
    flow = start_flow(ctx)
    profiles = next_dialog(qtbot, flow, ProfileDialog)
    profiles.profile_list.setCurrentRow(1)
    with qtbot.waitSignal(flow.finished) as finished:
        click(qtbot, profiles.connect_button)
    assert finished.args[0].label == "beta"
    assert last_profile(ctx.paths) == "beta"


def test_profile_option_without_a_keyring_asks_for_a_session_token(qtbot, ctx, start_flow):
    store = make_store(ctx)
    store.add(make_profile(name="prod", base_url="https://api.example.com"))
    flow = start_flow(ctx, "prod")
    prompt = next_dialog(qtbot, flow, TokenPrompt)
    assert "No system keyring is available" in prompt.explanation.text()
    assert prompt.token_field.edit.echoMode() is QLineEdit.EchoMode.Password
    assert not prompt.env_choice.isEnabled()  # TRIAGE_API_TOKEN is not set

    click(qtbot, prompt.connect_button)  # nothing typed
    assert prompt.isVisible() and "The API token is empty" in prompt.error.text()

    qtbot.keyClicks(prompt.token_field.edit, "typed-token")
    with qtbot.waitSignal(flow.finished) as finished:
        click(qtbot, prompt.connect_button)
    assert prompt.resolved.source is TokenSource.SESSION
    assert finished.args[0].token == "typed-token"
    assert store.credentials.is_session_only("prod")


def test_cancelling_the_token_prompt_opens_the_profiles(qtbot, ctx, start_flow):
    store = make_store(ctx)
    store.add(make_profile(name="prod", base_url="https://api.example.com"))
    flow = start_flow(ctx, "prod")
    next_dialog(qtbot, flow, TokenPrompt).reject()
    profiles = next_dialog(qtbot, flow, ProfileDialog)
    assert profiles.current_profile == "prod"
    with qtbot.waitSignal(flow.finished) as finished:
        profiles.reject()
    assert finished.args == [None]


def test_an_unknown_profile_option_says_so_in_the_profiles(qtbot, ctx, start_flow):
    store = make_store(ctx)
    store.add(make_profile(name="prod", base_url="https://api.example.com"))
    flow = start_flow(ctx, "prdo")
    profiles = next_dialog(qtbot, flow, ProfileDialog)
    assert "no profile named 'prdo'" in profiles.message.text()


def test_choose_connection_returns_without_blocking_when_nothing_needs_asking(ctx, monkeypatch):
    # The app's own entry point: the default credential store reads TRIAGE_API_TOKEN.
    monkeypatch.setenv(TOKEN_ENV, "env-token")
    ProfileStore(ctx.paths, CredentialStore(backend=fail.Keyring())).add(
        make_profile(name="only", base_url="https://only.example.com")
    )
    connection = choose_connection(ctx, None)
    assert (connection.label, connection.token) == ("only", "env-token")
    assert last_profile(ctx.paths) == "only"


def test_welcome_and_token_prompt_are_keyboard_friendly(qtbot):
    welcome, prompt = WelcomeDialog(), TokenPrompt("prod", "No token.", environ={})
    for dialog in (welcome, prompt):
        qtbot.addWidget(dialog)
        dialog.show()
        texts = [w.text() for w in dialog.findChildren(QAbstractButton) if w.isVisible()]
        keys = [m.group(1).lower() for t in texts for m in re.finditer(r"&([^&\s])", t)]
        assert len(keys) == len(set(keys)), texts
    assert welcome.focusWidget() is welcome.connect_button
    assert prompt.focusWidget() is prompt.token_field.edit
    assert prompt.token_field.reveal.accessibleName() == "Show the token"
