"""Matching the claim rules' regular expressions fast, with the same results.

Claim assembly tries dozens of patterns from ``data/relations.yaml`` on every clause of
every document, which made it the slowest stage. Two properties of Python's ``re``
account for most of that, and this module works around both:

- Case-insensitive matching is about ten times slower than case-sensitive matching.
  The patterns are written in lower case, so they run case-sensitively on lowered text
  (``lowered``, ``for_lowered``).
- ``re`` skips quickly to where a pattern may start only when the pattern opens with
  plain letters; one opening with ``\\b``, a look-ahead or a flat alternation of many
  words is tried at every position. So each pattern's literal beginnings are read off
  it (``literal_starts``: ``\\bw(a|i)rft?`` begins with "warf" or "wirf"), compiled into
  one trie-shaped expression (``trie_regex``) that ``re`` does skip with, and the
  pattern itself is tried only where one of them stands (``Finder``, ``CueIndex``).
  Every match begins with one of its literal beginnings, so nothing is missed.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache
from typing import Hashable, Iterable


def lowered(text: str) -> str:
    """``text`` in lower case with every offset kept (``str.lower`` lengthens a few letters)."""
    low = text.lower()
    return low if len(low) == len(text) else "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def lower_case_only(pattern: str) -> bool:
    """Whether a pattern is written in lower case (escapes such as ``\\W`` aside)."""
    return not re.search(r"[A-ZÄÖÜ]", re.sub(r"\\.", "", pattern))


@lru_cache(maxsize=None)
def for_lowered(pattern: re.Pattern) -> re.Pattern | None:
    """A case-insensitive pattern written in lower case, compiled for lowered text: the
    same matches, faster. None where the pattern is not such a one."""
    if not pattern.flags & re.IGNORECASE or not lower_case_only(pattern.pattern):
        return None
    return re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE)


class Finder:
    """``pattern.search``, tried only where one of the pattern's literal beginnings stands."""

    def __init__(self, pattern: re.Pattern):
        self.pattern = pattern
        starts = literal_starts(pattern.pattern) if not pattern.flags & re.IGNORECASE else None
        self.scan = re.compile(trie_regex(starts)) if starts else None

    def search(self, text: str) -> re.Match | None:
        if self.scan is None:
            return self.pattern.search(text)
        at = self.scan.search(text)
        while at:
            if found := self.pattern.match(text, at.start()):
                return found
            at = self.scan.search(text, at.start() + 1)
        return None


@lru_cache(maxsize=None)
def finder(pattern: re.Pattern) -> tuple[Finder, bool]:
    """The fastest way to search a pattern, and whether it wants lowered text."""
    fast = for_lowered(pattern)
    return (Finder(fast), True) if fast is not None else (Finder(pattern), False)


class CueIndex:
    """Where in a document the patterns of each kind may begin, found in one scan.

    The literal beginnings of all kinds (a relation's cues, its nouns, a pattern clauses
    are searched for) make one trie expression. At each place one begins the scan
    reports the longest there; the shorter ones there are its prefixes, so each
    beginning stands for its prefixes' kinds too.
    """

    def __init__(self, starts: dict[Hashable, list[str] | None]):
        self.kinds = frozenset(starts)
        self.anywhere = {kind for kind, literals in starts.items() if literals is None}
        literals = {literal for found in starts.values() for literal in found or ()}
        self.kinds_of = {literal: frozenset(kind for kind, found in starts.items() for other in found or ()
                                            if literal.startswith(other)) for literal in literals}
        self.scan = re.compile(trie_regex(literals)) if literals else None

    def positions(self, lower: str) -> list[tuple[int, frozenset[str]]]:
        """(character offset, kinds) of every beginning in the document, ascending."""
        found, m = [], self.scan.search(lower) if self.scan else None
        while m:  # searched afresh from the next character: beginnings overlap (gehört in angehört)
            found.append((m.start(), self.kinds_of[m.group()]))
            m = self.scan.search(lower, m.start() + 1)
        return found

    def holds(self, positions: list[tuple[int, frozenset]], start: int, end: int, kinds: frozenset) -> bool:
        """Whether any of ``kinds`` may begin in a stretch of the document."""
        if not self.anywhere.isdisjoint(kinds):
            return True
        lo, hi = bisect_left(positions, (start,)), bisect_left(positions, (end,))
        return any(not kinds.isdisjoint(found) for _, found in positions[lo:hi])

    def within(self, positions: list[tuple[int, frozenset[str]]], start: int, end: int) -> dict[str, list[int] | None]:
        """The kinds a stretch of the document (character offsets) may hold, each with
        the offsets in the stretch where one may begin (None: anywhere)."""
        found: dict[str, list[int] | None] = dict.fromkeys(self.anywhere)
        for at, kinds in positions[bisect_left(positions, (start,)):bisect_left(positions, (end,))]:
            for kind in kinds:
                found.setdefault(kind, []).append(at - start)
        return found


def trie_regex(literals: Iterable[str]) -> str:
    """One expression matching any of ``literals``, the longest where several do,
    shaped like their trie (branches share their prefixes)."""
    trie: dict = {}
    for literal in literals:
        node = trie
        for ch in literal:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _trie_pattern(trie)


def _trie_pattern(node: dict) -> str:
    branches = [re.escape(ch) + _trie_pattern(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


def literal_starts(pattern: str) -> list[str] | None:
    """The plain characters the matches of ``pattern`` start with, as few strings as
    its alternatives need (None where an alternative has none, or where unsure)."""
    starts = []
    for branch in _top_level_split(pattern):
        found = _branch_starts(re.sub(r"^(\\b|\^)+", "", branch))
        if not found or not all(found):
            return None
        starts += found
    return starts


_QUANTIFIER = ("?", "*", "+", "{")
_PLAIN = re.compile(r"[^\\()\[\]{}|?*+.^$]+")


def _branch_starts(body: str, limit: int = 16) -> list[str]:
    """The beginnings of one alternative: its leading characters, with character classes
    and groups of plain alternatives multiplied out (``w(a|i)rft?`` → warf, wirf;
    ``(gesprächs)?runde`` → gesprächsrunde, runde), up to anything repeated, optional
    or not plain."""
    prefixes, i = [""], 0
    while i < len(body) and len(prefixes) <= limit:
        c = body[i]
        if c == "(":
            close = _closing(body[i:])
            if close is None or body[i + 1:i + 2] == "?" and body[i + 1:i + 3] != "?:":
                break  # a look-around or flags
            after = body[i + close + 1:i + close + 2]
            optional = after == "?"
            if after in _QUANTIFIER and not optional:
                break  # repeated
            inner = body[i + 3 if body[i + 1:i + 3] == "?:" else i + 1:i + close]
            alternatives = _top_level_split(inner) + ([""] if optional else [])
            if all(_PLAIN.fullmatch(a) or not a for a in alternatives):
                prefixes = [p + a for p in prefixes for a in alternatives]
                i += close + 1 + (optional and 1 + (body[i + close + 2:i + close + 3] == "?"))  # ? or a lazy ??
                continue
            if optional:
                break
            found = literal_starts(inner)  # alternatives of their own shape: their beginnings, and stop
            return [p + f for p in prefixes for f in found] if found else prefixes
        if c == "[":
            m = re.match(r"\[([^\\\]^-]+)\]", body[i:])
            if not m or body[i + m.end():i + m.end() + 1] in _QUANTIFIER:
                break
            prefixes = [p + ch for p in prefixes for ch in m.group(1)]
            i += m.end()
            continue
        if c in "\\)]{}|?*+.^$" or body[i + 1:i + 2] in _QUANTIFIER:
            break  # not plain, or may be missing
        prefixes = [p + c for p in prefixes]
        i += 1
    return prefixes


def _depths(pattern: str):
    """(index, character, depth) of the characters of a regular expression that are
    neither escaped nor inside a character class; depth counts the open groups."""
    depth, i, in_class = 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        else:
            depth += (c == "(") - (c == ")")
            yield i, c, depth
        i += 1


def _top_level_split(pattern: str) -> list[str]:
    cuts = [i for i, c, depth in _depths(pattern) if c == "|" and depth == 0]
    return [pattern[a + 1:b] for a, b in zip([-1, *cuts], [*cuts, len(pattern)])]


def _closing(pattern: str) -> int | None:
    """Where the group opening at ``pattern[0]`` closes."""
    return next((i for i, c, depth in _depths(pattern) if c == ")" and depth == 0), None)
