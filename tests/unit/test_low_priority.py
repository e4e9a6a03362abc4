"""The dashboard typesets at a lower CPU priority (store/programs.py at_low_priority): on a
busy machine pandoc and Typst doubled key-to-screen times without it."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from proposal_tui.domain.errors import ProposalError
from proposal_tui.store.programs import BACKGROUND_NICENESS, at_low_priority


def niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice: Linux")
def test_work_runs_lower_and_the_caller_keeps_its_priority() -> None:
    before = niceness()
    inside = at_low_priority(niceness)
    assert inside == min(19, before + BACKGROUND_NICENESS) > before
    assert niceness() == before


def test_the_result_and_errors_come_back_to_the_caller() -> None:
    assert at_low_priority(lambda: 42) == 42

    def fails() -> None:
        raise ProposalError("sections/a.md: cannot typeset")

    with pytest.raises(ProposalError, match="cannot typeset"):
        at_low_priority(fails)
