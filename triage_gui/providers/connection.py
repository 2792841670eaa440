"""Where and how to reach a platform: what a connection profile resolves to at run time.

``provider`` names the platform API (``PROVIDERS``); :meth:`Connection.open_provider` is the one
way the services get a :class:`~triage_gui.providers.base.Provider` for it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # httpx and the client load when the first client is made (cold start)
    import ssl

    import httpx

    from triage_gui.providers.base import Provider
    from triage_gui.providers.batch_v1.client import BatchApiClient, RetryConfig
    from triage_gui.providers.elevenlabs.client import ElevenLabsClient

PLAUSIBLE_CLOCK_SKEW_S = 24 * 3600.0  # as providers/http/limits.py (httpx is not imported here)
PROVIDERS = ("batch_v1", "elevenlabs")  # the platform APIs a connection can name


@dataclass(frozen=True)
class Connection:
    base_url: str
    token: str = field(repr=False)  # never in repr, logs or files
    label: str = ""  # profile name, or "demo"
    verify: bool | str | ssl.SSLContext = True  # False, True, a CA bundle path or a context
    timeout_s: float = 15.0
    trust_env: bool = True  # proxies from the environment
    insecure: bool = False  # plain http to a non-loopback host, allowed by the user
    is_demo: bool = False
    # one of PROVIDERS; for "elevenlabs" base_url may name a region (providers.elevenlabs.regions)
    provider: str = "batch_v1"
    # A server Date further than this from the workstation's clock is not believed (the skew is
    # reported as a finding). None: no bound (the demo: its simulated clock runs faster).
    clock_plausibility_s: float | None = PLAUSIBLE_CLOCK_SKEW_S
    # the profile's default workspace: the start page is pre-filled with it
    default_workspace: str | None = None

    def __post_init__(self) -> None:
        if self.provider not in PROVIDERS:
            raise ValueError(f"unknown provider {self.provider!r}: expected one of {', '.join(PROVIDERS)}")

    def open_provider(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryConfig | None = None,
        sleep: Callable[[float], None] | None = None,
        timeout_s: float | None = None,
    ) -> Provider:
        """A provider for this connection (close it, or use it as a context manager)."""
        if self.provider == "elevenlabs":
            from triage_gui.providers.elevenlabs.provider import ElevenLabsProvider

            return ElevenLabsProvider(
                self.make_elevenlabs_client(transport=transport, retry=retry, sleep=sleep, timeout_s=timeout_s)
            )
        from triage_gui.providers.batch_v1.provider import BatchV1Provider

        client = self.make_client(transport=transport, retry=retry, sleep=sleep, timeout_s=timeout_s)
        return BatchV1Provider(client)

    def make_client(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryConfig | None = None,
        sleep: Callable[[float], None] | None = None,
        timeout_s: float | None = None,
    ) -> BatchApiClient:
        import httpx

        from triage_gui.providers.batch_v1.client import BatchApiClient
        from triage_gui.providers.http import limits

        t = timeout_s or self.timeout_s
        client = BatchApiClient(
            self.base_url,
            self.token,
            transport=transport,
            timeout=httpx.Timeout(t, connect=min(5.0, t)),
            verify=self.verify,
            trust_env=self.trust_env,
            retry=retry,
            sleep=sleep or time.sleep,  # tests: backoff without waiting
            limits=replace(limits.DEFAULT_LIMITS, clock_plausibility_s=self.clock_plausibility_s),
        )
        return client

    def make_elevenlabs_client(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryConfig | None = None,
        sleep: Callable[[float], None] | None = None,
        timeout_s: float | None = None,
    ) -> ElevenLabsClient:
        """The ElevenLabs client; ``base_url`` may be a region's name (default, us, eu, india,
        singapore) or a URL."""
        import httpx

        from triage_gui.providers.elevenlabs.client import ElevenLabsClient
        from triage_gui.providers.elevenlabs.regions import base_url
        from triage_gui.providers.http import limits

        t = timeout_s or self.timeout_s
        return ElevenLabsClient(
            base_url(self.base_url),
            self.token,
            transport=transport,
            timeout=httpx.Timeout(t, connect=min(5.0, t)),
            verify=self.verify,
            trust_env=self.trust_env,
            retry=retry,
            sleep=sleep or time.sleep,
            limits=replace(limits.DEFAULT_LIMITS, clock_plausibility_s=self.clock_plausibility_s),
        )
