"""A contact-audit worker started as its own interpreter: ``python -m triage_gui.store.audit_worker REGION``.

Used by :mod:`triage_gui.store.audit_pool` where forking is not safe (the app's loads and
``check`` fetch on threads): chunks of phone cells come in on standard input and their
normalised cells go out on standard output, each a ``marshal`` record (lists and tuples of
strings and None: nothing that runs code when read); a record out is framed by its length
(8 bytes, little-endian) so the parent reads it whole and decodes it in one call. It stops at a None, at the end of its
input (its parent is gone), or on SIGTERM; Ctrl-C is its parent's to act on.
"""

from __future__ import annotations

import gc
import marshal
import signal
import struct
import sys


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from triage_gui.domain.contact_auditor import normalise_cells

    region = argv[0] if argv and argv[0] else None
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            cells = marshal.load(source)
        except (EOFError, ValueError, OSError):  # the parent is gone (or sent a cut record)
            return 0
        if cells is None:
            return 0
        try:
            record = marshal.dumps(normalise_cells(cells, region))
            sink.write(struct.pack("<Q", len(record)))
            sink.write(record)
            sink.flush()
        except OSError:  # the parent is gone
            return 0
        gc.freeze()  # what the chunk left alive (the parse cache's entries) stays: see audit_pool


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
