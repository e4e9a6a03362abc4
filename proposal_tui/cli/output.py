"""The one way commands print: human-readable text is cleaned, JSON is exact.

Comment bodies, titles, round names and people's names come from anyone who can push; a body
holding ``ESC]0;...BEL`` or ``ESC[2J`` would retitle or clear the reader's terminal. Every
human-readable line goes through :func:`emit`, which keeps the visible text and drops what a
terminal would act on (:func:`~proposal_tui.domain.text.clean_for_display`, the TUI's own).
``--json`` keeps the text exactly: JSON escapes C0 controls itself, and :func:`emit_json`
also writes C1 controls, bidi controls and line separators as ``\\uXXXX`` escapes, which
decode to the same string.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from proposal_tui.domain.text import clean_for_display

# Inside a JSON string these may be written escaped without changing the decoded text.
_JSON_ESCAPED = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                           "\u2066-\u2069]")


def emit(text: str = "", *, err: bool = False) -> None:
    """Print one human-readable line (or several) to stdout, or stderr with ``err``."""
    print(clean_for_display(text), file=sys.stderr if err else sys.stdout)


def json_text(data: Any, indent: int | None = 2) -> str:
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    return _JSON_ESCAPED.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def emit_json(data: Any, indent: int | None = 2) -> None:
    """Print ``data`` as JSON: exact text, and nothing a terminal would act on."""
    print(json_text(data, indent))
