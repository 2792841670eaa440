"""``triage-gui simulator``: run the reference Batch API simulator until Ctrl+C.

Prints the base URL, the token and the scenarios with their ids, so the app (or ``curl``) can
be pointed at it. SIGINT and SIGTERM stop it cleanly (exit 0).

It listens on loopback only unless ``--allow-remote`` is given: the simulator has one fixed,
well-known token, no TLS and no rate limiting, and serves data that looks like real customer
records, so on a shared network anyone could read it or mistake it for a real API.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from triage_gui.domain.addresses import is_loopback
from triage_gui.simulator import MAX_SIZE, SCENARIOS, RealClock, Simulator

EXIT_OK, EXIT_USAGE = 0, 2


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default: 8765; 0 = any free port)")
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="simulated time runs this many times faster than wall time (default: 1)",
    )
    parser.add_argument("--token", default="demo-token", help="bearer token clients must send (default: demo-token)")
    parser.add_argument(
        "--scenario",
        action="append",
        choices=list(SCENARIOS),
        metavar="NAME",
        help=f"serve only this scenario (repeatable; default: all): {', '.join(SCENARIOS)}",
    )
    parser.add_argument(
        "--size",
        type=int,
        metavar="N",
        help=f"recipients per selected scenario, 1..{MAX_SIZE} (default: each one's own)",
    )
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated data (default: 7)")
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host (the demo token and data become reachable by others)",
    )


def _bind_host(host: str) -> str:
    """The address to bind: an IPv6 address may be given in URL brackets (``[::1]``)."""
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def run(args: argparse.Namespace) -> int:
    if not is_loopback(args.host) and not args.allow_remote:
        print(
            f"refusing to listen on {args.host}: the simulator has a well-known token and no "
            "TLS; pass --allow-remote if you really mean it",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.speed <= 0:
        print("--speed must be positive", file=sys.stderr)
        return EXIT_USAGE
    names = args.scenario or list(SCENARIOS)
    sizes = None
    if args.size is not None:
        if not 1 <= args.size <= MAX_SIZE:
            print(f"--size must be 1..{MAX_SIZE}", file=sys.stderr)
            return EXIT_USAGE
        sizes = {name: args.size for name in names}
    sim = Simulator(
        scenarios=names,
        token=args.token,
        clock=RealClock(speed=args.speed),
        sizes=sizes,
        seed=args.seed,
    )
    host = _bind_host(args.host)
    try:
        base_url = sim.start(host=host, port=args.port)
    except OSError as error:
        shown = f"[{host}]" if ":" in host else host
        print(f"cannot listen on {shown}:{args.port}: {error}", file=sys.stderr)
        return EXIT_USAGE

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        print(f"Batch API simulator at {base_url}  (simulated time x{args.speed:g})")
        print(f"Token: {args.token}")
        print("Workspace: ws_demo   (ws_restricted exists but this token has no access: 403)")
        print()
        print(f"{'scenario':<20} {'campaign':<24} {'upload':<24} jobs")
        for name in sim.scenario_names:
            spec = SCENARIOS[name]
            print(f"{name:<20} {spec.campaign_id:<24} {spec.upload_id:<24} {', '.join(spec.job_ids)}")
        print()
        print("Press Ctrl+C to stop.", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sim.stop()
    print("stopped", flush=True)
    return EXIT_OK
