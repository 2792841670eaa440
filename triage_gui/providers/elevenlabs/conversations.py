"""Reading many conversations (and their SIP final codes): a few at a time, each final one once.

A batch has no list of its calls: each recipient names its latest conversation, which is one GET
(``GET /v1/convai/conversations/{id}``), plus one for its SIP messages when the call failed on a
SIP trunk without a telephony result. So the reads run ``client.workers`` at a time, and a
conversation that is final (``done``/``failed``) is kept: it does not change, and the poller's next
load, or the retry's look-up, does not read it again. The cache is bounded (oldest out first).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

from triage_gui.providers.elevenlabs.client import ElevenLabsClient, Lane
from triage_gui.providers.elevenlabs.outcomes import needs_sip, sip_final_code
from triage_gui.providers.elevenlabs.wire import Conversation
from triage_gui.providers.errors import ApiError
from triage_gui.providers.http.retry_policy import is_valid_id

MAX_CACHED = 200_000


@dataclass
class Readings:
    """What a read found: conversations by id, SIP final codes, and why the others are missing."""

    conversations: dict[str, Conversation] = field(default_factory=dict)
    sip_codes: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # conversation id -> why it could not be read

    def summary(self) -> str | None:
        """One line for ``IncidentData.missing``; None when everything was read."""
        if not self.errors:
            return None
        first = next(iter(self.errors.values()))
        total = len(self.errors) + len(self.conversations)
        return f"{len(self.errors)} of {total} conversations could not be read (first: {first})"


class ConversationCache:
    """Final conversations and their SIP codes, kept across loads of one provider."""

    def __init__(self, max_items: int = MAX_CACHED) -> None:
        self.max_items = max_items
        self._lock = threading.Lock()
        self._items: OrderedDict[str, tuple[Conversation, int | None]] = OrderedDict()
        self.reads = 0  # conversations read over HTTP (tests: a final one is read once)

    def get(self, conversation_id: str) -> tuple[Conversation, int | None] | None:
        with self._lock:
            return self._items.get(conversation_id)

    def put(self, conversation: Conversation, sip_code: int | None) -> None:
        if not conversation.is_final:
            return
        with self._lock:
            self._items[conversation.conversation_id] = (conversation, sip_code)
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)

    def read(
        self,
        client: ElevenLabsClient,
        conversation_ids: Iterable[str],
        *,
        cancel: threading.Event | None = None,
    ) -> Readings:
        """Every conversation of ``conversation_ids`` (and its SIP code where it explains a
        failure), from the cache or the server; an id that cannot be used is an error, not a
        request."""
        readings = Readings()
        wanted: list[str] = []
        for conversation_id in dict.fromkeys(conversation_ids):
            if not is_valid_id(conversation_id):
                readings.errors[conversation_id] = "its id is not one the app can ask for"
                continue
            cached = self.get(conversation_id)
            if cached is not None:
                readings.conversations[conversation_id] = cached[0]
                if cached[1] is not None:
                    readings.sip_codes[conversation_id] = cached[1]
            else:
                wanted.append(conversation_id)

        def fetch(lane: Lane, conversation_id: str) -> tuple[Conversation, int | None]:
            conversation = client.get_conversation(conversation_id, lane=lane)
            code: int | None = None
            if needs_sip(conversation):
                try:
                    messages = client.get_sip_messages(conversation_id, lane=lane)
                    code = sip_final_code(messages.sip_messages)
                except ApiError:  # none kept for this call, or not readable: the SIP code is extra
                    code = None
            return conversation, code

        for conversation_id, result in client.map_parallel(fetch, wanted, cancel=cancel):
            if isinstance(result, ApiError):
                readings.errors[conversation_id] = str(result)
                continue
            conversation, code = result
            self.reads += 1
            readings.conversations[conversation_id] = conversation
            if code is not None:
                readings.sip_codes[conversation_id] = code
            self.put(conversation, code)
        return readings
