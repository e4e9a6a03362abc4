"""Other people's strings reach the terminal harmless, with every visible character kept."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proposal_tui.domain.text import clean_for_display, one_line
from tests import TEST_DATA

DATA = TEST_DATA / "hostile-strings.txt"
# The team's shared copy lives in a "shared" folder beside the checkout (or a worktree's
# parent); a checkout elsewhere has none, and the sync test says so rather than passing.
SHARED = next((p / "shared" / "hostile-strings.txt" for p in Path(__file__).resolve().parents
               if (p / "shared" / "hostile-strings.txt").is_file()), None)


def decode(line: str, controls: bool = False) -> str:
    """Turn the file's written escapes into the characters they stand for."""
    line = re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), line)
    if controls:
        line = line.replace("\\t", "\t").replace("\\r", "\r").replace("\\n", "\n")
    return line


def forbidden(c: str) -> bool:
    """What must never reach the terminal, written independently of the implementation."""
    o = ord(c)
    return (
        (o < 0x20 and c not in "\n\t")
        or 0x7F <= o <= 0x9F
        or 0x202A <= o <= 0x202E
        or 0x2066 <= o <= 0x2069
        or c in "\u200b\u200e\u200f\u061c\u00ad\u2060\ufeff\u2028\u2029"
        or 0xD800 <= o <= 0xDFFF
        or 0xE0000 <= o <= 0xE007F
    )


def assert_safe(s: str) -> None:
    bad = [f"U+{ord(c):04X}" for c in s if forbidden(c)]
    assert not bad, f"{s!r} still holds {bad}"


RAW_LINES = DATA.read_text(encoding="utf-8").splitlines()

# The visible text each escape-laden line must keep (keyed by the line as written in the file).
EXPECTED = {
    r"\x1b[2J\x1b[H screen cleared?": " screen cleared?",
    r"\x1b]0;title changed\x07": "",
    r"\x1b]52;c;ZWNobyBwd25lZA==\x07 clipboard write": " clipboard write",
    r"\x1b[31mred via ANSI\x1b[0m": "red via ANSI",
    r"NUL byte here: \x00 end": "NUL byte here:  end",
    "right-to-left \u202eevil\u202c text": "right-to-left evil text",
    "zero\u200bwidth\u200bspaces": "zerowidthspaces",
}


# --- the shared hostile strings ---------------------------------------------------------------

def test_data_copy_is_usable() -> None:
    assert len(RAW_LINES) >= 20
    assert any("\x1b" in decode(line) for line in RAW_LINES), "escapes must be exercised"


def test_data_copy_is_in_sync_with_the_shared_file() -> None:
    if SHARED is None:
        pytest.skip("no shared/hostile-strings.txt beside this checkout: sync not checked")
    assert DATA.read_text(encoding="utf-8") == SHARED.read_text(encoding="utf-8"), SHARED


@pytest.mark.parametrize("controls", [False, True], ids=["hex-escapes", "all-escapes"])
@pytest.mark.parametrize("raw", RAW_LINES, ids=range(len(RAW_LINES)))
def test_hostile_line_is_safe(raw: str, controls: bool) -> None:
    assert_safe(clean_for_display(decode(raw, controls)))


@pytest.mark.parametrize("raw", RAW_LINES, ids=range(len(RAW_LINES)))
def test_hostile_line_keeps_its_visible_text(raw: str) -> None:
    line = decode(raw)
    cleaned = clean_for_display(line)
    if raw in EXPECTED:
        assert cleaned == EXPECTED[raw]
    elif "\x1b" not in line:
        assert cleaned == "".join(c for c in line if not forbidden(c))
    assert clean_for_display(cleaned) == cleaned


@pytest.mark.parametrize(
    "visible",
    ["[bold red]not bold[/bold red]", "x [/red] y", "[@click=app.quit]click me[/]",
     "[link=https://example.invalid]phish[/link]", "$name and ${name} and {name} and %s",
     "--upload-pack=touch /tmp/pwned", "`whoami` $(whoami)", "../../etc/passwd"],
)
def test_markup_and_shell_lookalikes_are_left_literally(visible: str) -> None:
    """Escaping markup is the caller's job (Text/Content); this must not alter it."""
    assert visible in RAW_LINES
    assert clean_for_display(visible) == visible


def test_tab_and_carriage_return_line() -> None:
    line = decode("tab\\there and carriage\\rreturn", controls=True)
    assert clean_for_display(line) == "tab\there and carriage\u240dreturn"


# --- escape sequences -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\x1b[1;31;42mX\x1b[0m", "X"),
        ("\x1b[38;2;255;0;0mtrue colour", "true colour"),
        ("\x1b[?1049halt screen\x1b[?1049l", "alt screen"),
        ("\x1b[2 qcursor", "cursor"),
        ("\x1b[", ""),
        ("\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\", "link"),
        ("\x1b]0;title\x07after", "after"),
        ("\x1b]0;unterminated title\nnext line", "\nnext line"),
        ("\x1b]0;title\x1b[31mred", "red"),
        ("\x1bPq#0;2;0;0;0#1\x1b\\after sixel", "after sixel"),
        ("\x1b_Gf=100;payload\x1b\\kitty", "kitty"),
        ("\x1b^privacy\x1b\\pm", "pm"),
        ("\x1bXsos\x1b\\s", "s"),
        ("\x1bcreset", "reset"),
        ("\x1b(0charset\x1b(B", "charset"),
        ("\x1b7saved\x1b8", "saved"),
        ("\x1b=keypad\x1b>", "keypad"),
        ("\x9b31mred", "red"),
        ("\x9d0;title\x9cok", "ok"),
        ("\x9d0;title\x07ok", "ok"),
        ("\x90dcs\x9cdone", "done"),
        ("abc\x1b", "abc"),
        ("\x1b\x1b[31mX", "X"),
        ("\x1b\nline", "\nline"),
    ],
)
def test_escape_sequences_are_removed_whole(raw: str, expected: str) -> None:
    assert clean_for_display(raw) == expected


# --- single characters ------------------------------------------------------------------------

@pytest.mark.parametrize("code", [c for c in range(0x20) if chr(c) not in "\t\n\r\x1b"])
def test_c0_controls_are_removed(code: int) -> None:
    assert clean_for_display(f"a{chr(code)}b") == "ab"


@pytest.mark.parametrize("code", range(0x7F, 0xA0))
def test_del_and_c1_controls_are_removed(code: int) -> None:
    cleaned = clean_for_display(f"a{chr(code)}b")
    assert_safe(cleaned)
    assert cleaned.startswith("a")


def test_tab_and_newline_survive() -> None:
    assert clean_for_display("a\tb\nc") == "a\tb\nc"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("a\r\nb", "a\nb"), ("a\rb", "a\u240db"), ("end\r", "end\u240d"), ("\r\r\n", "\u240d\n")],
)
def test_carriage_returns(raw: str, expected: str) -> None:
    """CRLF is an ordinary line end; a lone CR could overwrite the line, so it shows."""
    assert clean_for_display(raw) == expected


@pytest.mark.parametrize(
    "char",
    [*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A)),
     "\u200e", "\u200f", "\u061c"],
)
def test_bidi_controls_are_removed(char: str) -> None:
    assert clean_for_display(f"abc{char}def") == "abcdef"


@pytest.mark.parametrize(
    "char",
    ["\u200b", "\u2060", "\u2061", "\ufeff", "\u00ad", "\u180e", "\u3164", "\ufff9",
     "\U000e0001", "\U000e0041", "\U000e007f"],
)
def test_invisible_format_characters_are_removed(char: str) -> None:
    assert clean_for_display(f"ad{char}min") == "admin"


@pytest.mark.parametrize(
    "visible",
    ["👨\u200d👩\u200d👧 family", "می\u200cخواهم", "❤\ufe0f", "e\u0301", "שלום עולם",
     "مرحبا", "中文标题", "10\u00a0kg", "\ufffd", "\ue000 private use"],
)
def test_visible_and_joining_characters_are_kept(visible: str) -> None:
    assert clean_for_display(visible) == visible


def test_line_separators_become_newlines() -> None:
    assert clean_for_display("a\u2028b\u2029c") == "a\nb\nc"


def test_lone_surrogates_become_replacement_characters() -> None:
    raw = b"caf\xe9 ok".decode("utf-8", errors="surrogateescape")
    cleaned = clean_for_display(raw)
    assert cleaned == "caf\ufffd ok"
    cleaned.encode("utf-8")  # would raise with a surrogate left in


def test_clean_text_is_returned_unchanged() -> None:
    s = "Plain section title — with Ünïcödé, 中文 and [markup]"
    assert clean_for_display(s) == s


# --- one_line ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "limit", "expected"),
    [
        ("  a\n\n b\tc \r d  ", None, "a b c d"),
        ("\x1b]0;t\x07Fix typo\n\nLonger body", None, "Fix typo Longer body"),
        ("a\r\nb", None, "a b"),
        ("", None, ""),
        ("\n\t \r", None, ""),
        ("hello world", 20, "hello world"),
        ("hello world", 11, "hello world"),
        ("hello world", 10, "hello wor…"),
        ("hello world", 7, "hello…"),
        ("abcdef", 5, "abcd…"),
        ("abcdef", 1, "…"),
        ("abcdef", 0, ""),
        ("  padded  ", 6, "padded"),
        ("a\u202eb", 5, "ab"),
    ],
)
def test_one_line(raw: str, limit: int | None, expected: str) -> None:
    assert one_line(raw, limit) == expected


def test_one_line_rejects_negative_limit() -> None:
    with pytest.raises(ValueError):
        one_line("x", -1)


# --- properties -------------------------------------------------------------------------------

_TRICKY = st.sampled_from(list("\x1b[]\x07\\\r\n\t;0123m?P_^X\x9b\x9c\x9d\x90\u202e\u2066\u200b"
                               "\u200d\ufeff\u2028\x00\x7f") + ["\ud800", "\udcff", "\U000e0041"])
_ANY = st.characters(exclude_categories=())
_HOSTILE_TEXT = st.text(st.one_of(_TRICKY, _ANY))


@settings(max_examples=500, deadline=None)
@given(_HOSTILE_TEXT)
def test_any_text_comes_out_safe_and_stable(s: str) -> None:
    cleaned = clean_for_display(s)
    assert_safe(cleaned)
    assert clean_for_display(cleaned) == cleaned
    cleaned.encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=string.printable.replace("\r", "").replace("\x0b", "")
               .replace("\x0c", "")))
def test_printable_ascii_is_untouched(s: str) -> None:
    assert clean_for_display(s) == s


@settings(max_examples=300, deadline=None)
@given(_HOSTILE_TEXT, st.one_of(st.none(), st.integers(min_value=0, max_value=40)))
def test_one_line_is_one_safe_line_within_the_limit(s: str, limit: int | None) -> None:
    result = one_line(s, limit)
    assert_safe(result)
    assert "\n" not in result and "\t" not in result and "\r" not in result
    assert result == result.strip()
    if limit is not None:
        assert len(result) <= limit
