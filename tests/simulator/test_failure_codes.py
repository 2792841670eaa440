"""The simulator's failure-code tables equal the domain's, ON PURPOSE.

The simulator plays the platform, so it must not borrow the app's reading of the contract: if it
imported the domain's tables, a wrong table would make the simulator and the app agree on the
wrong answer and every test would pass. So ``triage_gui/simulator/failure_codes.py`` keeps its
own copy (and the import contract "The simulator imports nothing of the app" in pyproject.toml
forbids the shortcut), and this test keeps the two copies honest: a code added to or moved in one
table and not the other fails here, which is where to decide which one is right.

Only the code tables are compared: for SIP statuses the two hold different things (the simulator
the statuses a carrier typically answers for each code, the domain RFC 3261's transient classes),
so there is no equality to state.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from triage_gui.domain import classification
from triage_gui.simulator import failure_codes

OPENAPI = Path(classification.__file__).parents[1] / "providers" / "batch_v1" / "openapi.yaml"


def test_the_transient_codes_are_the_same() -> None:
    assert failure_codes.TRANSIENT_CODES == classification.TRANSIENT_CODES


def test_the_permanent_codes_are_the_same() -> None:
    assert failure_codes.PERMANENT_CODES == classification.PERMANENT_CODES


def test_no_code_is_both_transient_and_permanent() -> None:
    assert not failure_codes.TRANSIENT_CODES & failure_codes.PERMANENT_CODES


def test_the_codes_are_the_contracts_list() -> None:
    """The third copy: the codes the OpenAPI contract says the platform reports today."""
    contract = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    described = contract["components"]["schemas"]["Failure"]["properties"]["code"]["description"]
    prefix = "seen today:"
    assert described.startswith(prefix), "the contract's Failure.code description changed: update this test"
    listed = {code.strip() for code in described.removeprefix(prefix).split(",")}
    assert listed == failure_codes.TRANSIENT_CODES | failure_codes.PERMANENT_CODES
