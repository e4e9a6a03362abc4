"""The library's pure rules: passages, queries, snippets, the expert ranking, reused names."""

from __future__ import annotations

import datetime as dt
import sqlite3

from hypothesis import given
from hypothesis import strategies as st

from proposal_tui.domain.library import (
    HIGHLIGHT_CLOSE,
    HIGHLIGHT_OPEN,
    Authorship,
    Evidence,
    foreign_names,
    fts_query,
    provenance_line,
    rank_experts,
    snippet_segments,
    split_passages,
)
from proposal_tui.domain.manifest import parse_manifest


def test_markdown_passages_are_headings_with_their_paragraphs() -> None:
    text = ("# Title\n\nIntro one.\n\n## Risks\n\nFirst risk\nwrapped.\n\nSecond.\n\n"
            "Setext\n---\n\nBody.\n")
    passages = split_passages(text, "markdown")
    assert [(p.heading, p.body, p.line_start, p.line_end) for p in passages] == [
        ("Title", "Intro one.", 3, 3), ("Risks", "First risk\nwrapped.\n\nSecond.", 7, 10),
        ("Setext", "Body.", 15, 15)]


def test_latex_rst_and_plain_text() -> None:
    tex = "\\section{Approach}\nWe fly.\n\n\\subsection*{Safety}\nWe stop.\n"
    assert [(p.heading, p.body) for p in split_passages(tex, "latex")] == [
        ("Approach", "We fly."), ("Safety", "We stop.")]
    rst = "=====\nPlan\n=====\n\nIntro.\n\nData\n----\n\nKept.\n"
    assert [(p.heading, p.body) for p in split_passages(rst, "rst")] == [
        ("Plan", "Intro."), ("Data", "Kept.")]
    plain = "One paragraph.\n\nAnother\none.\n"
    assert [(p.heading, p.line_start, p.line_end) for p in split_passages(plain, "text")] == [
        ("", 1, 1), ("", 3, 4)]
    assert [p.heading for p in split_passages("# Only a title\n", "markdown")] == [
        "Only a title"]


def test_a_long_heading_is_cut_at_paragraph_breaks() -> None:
    text = "# Long\n\n" + "\n\n".join("word " * 100 for _ in range(8))
    passages = split_passages(text, "markdown")
    assert len(passages) == 3 and all(p.heading == "Long" for p in passages)
    assert all(p.words <= 350 for p in passages)


def test_queries_keep_phrases_and_prefixes_and_drop_common_words() -> None:
    assert fts_query('the "data management" plan* for Drones') == \
        '"data management" OR "plan"* OR "drones"'
    assert fts_query("the of") == '"the" OR "of"'
    assert fts_query('"" * -- ()') is None


def test_words_side_by_side_are_also_a_phrase() -> None:
    """So a bare "Transition Plan" heading outranks a long text with both words apart."""
    assert fts_query("Transition Plan from the incumbent system") == \
        '"transition" OR "plan" OR "incumbent" OR "system" OR "transition plan" OR ' \
        '"incumbent system"'
    assert fts_query('risk "data x" register* owner') == '"data x" OR "register"* OR "risk"' \
        ' OR "owner"'  # a phrase or a prefix between words: they are not side by side


@given(st.text(max_size=60))
def test_no_query_is_an_fts5_syntax_error(query: str) -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(body)")
    db.execute("INSERT INTO t VALUES ('some text')")
    expression = fts_query(query)
    if expression is not None:
        db.execute("SELECT * FROM t WHERE t MATCH ?", (expression,)).fetchall()


def test_snippet_segments() -> None:
    marked = f"a {HIGHLIGHT_OPEN}b{HIGHLIGHT_CLOSE} c{HIGHLIGHT_OPEN}d"
    assert snippet_segments(marked) == [("a ", False), ("b", True), (" c", False), ("d", True)]


def _author(email: str, lines: int, days_ago: int) -> Authorship:
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    return Authorship(email, email.split("@")[0], lines, now - dt.timedelta(days=days_ago))


def test_experts_weigh_lines_relevance_recency_and_outcome() -> None:
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    evidence = [Evidence(1, 10.0, "won", (_author("a@x", 9, 10), _author("b@x", 1, 10))),
                Evidence(2, 5.0, "lost", (_author("b@x", 10, 10),)),
                Evidence(3, 10.0, "", (_author("old@x", 10, 3650),))]
    ranked = rank_experts(evidence, now)
    assert [e.email for e in ranked] == ["a@x", "b@x", "old@x"]
    assert ranked[1].passages[0][0] == 2 and ranked[1].outcomes == {"won": 1, "lost": 1}
    assert rank_experts([], now) == []


def test_foreign_names_are_whole_words_across_spaces() -> None:
    text = "Intro\nFor the City of  Springfield riders.\nSpringfieldian is fine.\n"
    assert foreign_names(text, [("City of Springfield", "old-bid")]) == [
        (2, "City of Springfield", "old-bid")]
    assert foreign_names(text, [("Springfield", "x")]) == [(2, "Springfield", "x")]


def test_provenance_lines_cannot_close_their_comment() -> None:
    line = provenance_line("markdown", "bid", "a" * 40, "x-->y\n.md", 3, 9)
    assert line.startswith("<!-- ") and line.count("-->") == 1 and "\n" not in line
    assert "bid aaaaaaaaaaaa" in line and "lines 3-9" in line
    assert provenance_line("latex", "b", "c", "p", 1, 2).startswith("% ")


def test_outcome_is_read_from_the_manifest() -> None:
    manifest = parse_manifest('[proposal]\ntitle = "T"\noutcome = "Won"\n')
    assert manifest.proposal.outcome == "won"
    try:
        parse_manifest('[proposal]\ntitle = "T"\noutcome = "not a word"\n')
    except Exception as exc:  # noqa: BLE001 - the message is what matters
        assert "outcome" in str(exc) and ":3" in str(exc)
    else:
        raise AssertionError("a bad outcome was accepted")
