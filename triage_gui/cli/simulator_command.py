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
from collections.abc import Callable
from types import FrameType
from typing import Any

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
    parser.add_argument(
        "--provider",
        choices=("batch_v1", "elevenlabs"),
        default="batch_v1",
        help="which API to serve: our Batch API (default) or ElevenLabs batch calling",
    )
    parser.add_argument(
        "--token",
        help="the token (Batch API: bearer, default demo-token) or key (ElevenLabs: xi-api-key) clients must send",
    )
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
    if args.provider == "elevenlabs":
        return _run_elevenlabs(args)
    token = args.token or "demo-token"
    names = args.scenario or list(SCENARIOS)
    sizes = None
    if args.size is not None:
        if not 1 <= args.size <= MAX_SIZE:
            print(f"--size must be 1..{MAX_SIZE}", file=sys.stderr)
            return EXIT_USAGE
        sizes = {name: args.size for name in names}
    sim = Simulator(
        scenarios=names,
        token=token,
        clock=RealClock(speed=args.speed),
        sizes=sizes,
        seed=args.seed,
    )
    return _serve(
        sim,
        args,
        lambda: [
            f"Batch API simulator (simulated time x{args.speed:g})",
            f"Token: {token}",
            "Workspace: ws_demo   (ws_restricted exists but this token has no access: 403)",
            "",
            f"{'scenario':<20} {'campaign':<24} {'upload':<24} jobs",
            *(
                f"{name:<20} {SCENARIOS[name].campaign_id:<24} {SCENARIOS[name].upload_id:<24} "
                f"{', '.join(SCENARIOS[name].job_ids)}"
                for name in sim.scenario_names
            ),
        ],
    )


def _run_elevenlabs(args: argparse.Namespace) -> int:
    from triage_gui.simulator.elevenlabs import DEFAULT_KEY, ElevenLabsSimulator
    from triage_gui.simulator.elevenlabs import SCENARIOS as EL_SCENARIOS

    names = args.scenario or list(EL_SCENARIOS)
    unknown = [n for n in names if n not in EL_SCENARIOS]
    if unknown:
        print(f"no ElevenLabs scenario {', '.join(unknown)}; choose from: {', '.join(EL_SCENARIOS)}", file=sys.stderr)
        return EXIT_USAGE
    key = args.token or DEFAULT_KEY
    sim = ElevenLabsSimulator(scenarios=names, key=key, clock=RealClock(speed=args.speed), seed=args.seed)
    return _serve(
        sim,
        args,
        lambda: [
            f"ElevenLabs batch-calling simulator (simulated time x{args.speed:g})",
            f"Key (xi-api-key): {key}",
            "",
            f"{'scenario':<28} batch",
            *(f"{info.name:<28} {info.batch_id}" for info in sim.scenarios()),
        ],
    )


def _serve(sim: Any, args: argparse.Namespace, describe: Callable[[], list[str]]) -> int:
    """Start ``sim`` on the asked address, print what ``describe`` says of it, and serve until
    Ctrl+C or SIGTERM."""
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
        print(f"Base URL: {base_url}")
        for line in describe():
            print(line)
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
