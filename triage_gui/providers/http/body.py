"""Reading an answer's body with a cap on its decoded size and an overall deadline.

httpx decodes ``gzip``/``deflate`` one network chunk at a time with no bound on the output: a
64 KB chunk of a gzip bomb inflates to ~64 MB in one step. So the client reads the raw bytes
(``Response.iter_raw``) and inflates them here with ``max_length``, never holding more than the
cap (plus one small chunk). The client asks for ``gzip, deflate`` only; any other encoding is
an answer outside the contract.
"""

from __future__ import annotations

import codecs
import zlib
from collections.abc import Iterator

import httpx

from triage_gui.providers.http.limits import Deadline

ACCEPT_ENCODING = "gzip, deflate"
_STEP = 256 * 1024  # inflate at most this much at a time
_NEWLINES = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines splits on


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


class BodyDeadline(Exception):
    """The deadline passed while the body was still arriving."""


class BadEncoding(Exception):
    """An unsupported ``Content-Encoding``, or compressed data that does not inflate."""


class _Inflater:
    """Undoes ``Content-Encoding`` (identity, gzip, deflate; several in a row) with bounded output."""

    def __init__(self, content_encoding: str) -> None:
        names = [n.strip().lower() for n in content_encoding.split(",") if n.strip()]
        self._steps: list[zlib._Decompress] = []
        self._raw_deflate_ok: list[bool] = []  # "deflate" sent without its zlib header, as some do
        for name in reversed(names):  # the last encoding applied is undone first
            if name == "identity":
                continue
            if name in ("gzip", "x-gzip"):
                self._steps.append(zlib.decompressobj(16 + zlib.MAX_WBITS))
                self._raw_deflate_ok.append(False)
            elif name == "deflate":
                self._steps.append(zlib.decompressobj(zlib.MAX_WBITS))
                self._raw_deflate_ok.append(True)
            else:
                raise BadEncoding(f"an unsupported content encoding ({name[:40]!r})")

    def feed(self, data: bytes) -> Iterator[bytes]:
        yield from self._through(0, data)

    def _through(self, index: int, data: bytes) -> Iterator[bytes]:
        if index == len(self._steps):
            if data:
                yield data
            return
        step = self._steps[index]
        try:
            try:
                out = step.decompress(data, _STEP)
            except zlib.error:
                if not self._raw_deflate_ok[index]:
                    raise
                step = self._steps[index] = zlib.decompressobj(-zlib.MAX_WBITS)
                out = step.decompress(data, _STEP)
            if out:
                self._raw_deflate_ok[index] = False
            while True:
                yield from self._through(index + 1, out)
                if not step.unconsumed_tail:
                    break
                out = step.decompress(step.unconsumed_tail, _STEP)
        except zlib.error as exc:
            raise BadEncoding(f"compressed data that does not inflate ({exc})") from None


def iter_decoded(response: httpx.Response, *, limit: int, deadline: Deadline | None) -> Iterator[bytes]:
    """The body's decoded bytes, chunk by chunk; :class:`BodyTooLarge` past ``limit`` decoded
    bytes, :class:`BodyDeadline` once ``deadline`` has passed."""
    inflater = _Inflater(response.headers.get("content-encoding", ""))
    total = 0
    for raw in response.iter_raw():
        if deadline is not None and deadline.expired:
            raise BodyDeadline()
        for chunk in inflater.feed(raw):
            total += len(chunk)
            if total > limit:
                raise BodyTooLarge(limit)
            yield chunk


def read_body(response: httpx.Response, *, limit: int, deadline: Deadline | None, truncate: bool = False) -> bytes:
    """The whole decoded body, at most ``limit`` bytes (``truncate``: cut there instead of failing)."""
    data = bytearray()
    try:
        for chunk in iter_decoded(response, limit=limit, deadline=deadline):
            data += chunk
    except BodyTooLarge:
        if not truncate:
            raise
    return bytes(data) if len(data) <= limit else bytes(data[:limit])  # one copy, not two


def buffered(response: httpx.Response, body: bytes) -> httpx.Response:
    """A plain in-memory response with ``body`` (already decoded) and the original's headers."""
    headers = [
        (k, v)
        for k, v in response.headers.multi_items()
        if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    ]
    extensions = {k: v for k, v in response.extensions.items() if k in ("reason_phrase", "http_version")}
    return httpx.Response(
        response.status_code, headers=headers, content=body, request=response.request, extensions=extensions
    )


def iter_lines(chunks: Iterator[bytes], encoding: str | None) -> Iterator[str]:
    """Lines of decoded text as ``str.splitlines`` would give them, read chunk by chunk."""
    try:
        decoder = codecs.getincrementaldecoder(encoding or "utf-8")(errors="replace")
    except LookupError:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pending = ""
    for chunk in chunks:
        text = pending + decoder.decode(chunk)
        # a trailing "\r" may be the first half of "\r\n": keep it for the next chunk
        cut = len(text) - 1 if text.endswith("\r") else len(text)
        last = max(text.rfind(ch, 0, cut) for ch in _NEWLINES)
        if last < 0:
            pending = text
            continue
        lines = text[: last + 1].splitlines()
        pending = text[last + 1 :]
        yield from lines
    tail = pending + decoder.decode(b"", final=True)
    if tail:
        yield from tail.splitlines() or [tail]
