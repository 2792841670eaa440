"""The connection the app opens follows the profile's platform: an ElevenLabs profile opens an
ElevenLabs connection (and provider), a Batch API profile a batch_v1 one."""

from __future__ import annotations

import pytest
from keyring.backends import fail

from triage_gui.providers.elevenlabs.provider import ElevenLabsProvider
from triage_gui.simulator import ManualClock
from triage_gui.simulator.elevenlabs import ElevenLabsSimulator
from triage_gui.store.credentials import CredentialStore
from triage_gui.store.paths import AppPaths
from triage_gui.store.profiles import make_profile
from triage_gui.store.settings import AppSettings
from triage_gui.ui.app.connect_flow import ConnectFlow
from triage_gui.ui.app.context import AppContext


@pytest.fixture
def ctx():
    context = AppContext(paths=AppPaths(), settings=AppSettings())
    context.credentials = CredentialStore(backend=fail.Keyring(), environ={})
    yield context
    context.close()


def open_profile(qtbot, ctx: AppContext, name: str):
    flow = ConnectFlow(ctx, name)
    with qtbot.waitSignal(flow.finished) as finished:
        flow.start()
    return finished.args[0]


def test_an_elevenlabs_profile_opens_an_elevenlabs_connection(qtbot, ctx):
    with ElevenLabsSimulator(clock=ManualClock()) as sim:
        ctx.profiles.add(make_profile(name="el", provider="elevenlabs", base_url=sim.base_url))
        ctx.credentials.set_session_token("el", sim.key)
        connection = open_profile(qtbot, ctx, "el")
        assert (connection.provider, connection.base_url, connection.label) == ("elevenlabs", sim.base_url, "el")
        with connection.open_provider() as provider:
            assert isinstance(provider, ElevenLabsProvider)
            assert provider.get_job("default", "btcal_healthy").id == "btcal_healthy"


def test_a_batch_profile_opens_a_batch_v1_connection(qtbot, ctx):
    ctx.profiles.add(make_profile(name="b", base_url="https://api.example.com", default_workspace="ws_1"))
    ctx.credentials.set_session_token("b", "tok_batch_1")
    connection = open_profile(qtbot, ctx, "b")
    assert (connection.provider, connection.base_url) == ("batch_v1", "https://api.example.com")
