"""Where and how to reach a Batch API: what a connection profile resolves to at run time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # httpx and the client load when the first client is made (cold start)
    import ssl

    import httpx

    from triage_gui.providers.batch_v1.client import BatchApiClient, RetryConfig


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

        t = timeout_s or self.timeout_s
        kwargs = {"sleep": sleep} if sleep is not None else {}
        return BatchApiClient(
            self.base_url,
            self.token,
            transport=transport,
            timeout=httpx.Timeout(t, connect=min(5.0, t)),
            verify=self.verify,
            trust_env=self.trust_env,
            retry=retry,
            **kwargs,
        )
