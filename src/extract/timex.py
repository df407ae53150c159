"""Dates in German text: find them (spaCy component) and normalise them (pure function).

``extract_timex`` writes ``doc.spans["timex"]``: non-overlapping spans in text order, each
with ``span._.timex`` = :class:`extract.models.DateValue` (spec §5). A span covers the cues
that decide its role and mod, as written: "seit dem 01.01.2015", "Stand: März 2018",
"Anfang März 2024", "im Juni nächsten Jahres", "vor drei Jahren".

Finding and valuing share one grammar. The words of ``data/timex.json``, tokens that start
with a digit, quarters (Q1) and a few separators mark the tokens a date can be made of
(a lexeme flag, as a one-token ``Matcher`` would, without building a Token per word).
Each run of marked tokens is then cut into expressions by :func:`normalise`, which
values a text on its own and returns ``None`` for what is no date: from the left, the
longest stretch it accepts wins. So "am 11.11.2013 in Astana" gives "am 11.11.2013",
"2017 und 2018" two years, "21. Runde" nothing, and the finder can never accept what the
normaliser cannot value. Only token text is read (no POS, no parse): the component
behaves the same on ``spacy.blank("de")`` and on a full model.

Decisions
- Values are ISO 8601 at the text's precision or an interval "a/b" of two such, exactly
  what ``models.valid_date_value`` accepts; a time of day is part of the span but not of the
  value (6 Aug. 2022 11:16 Uhr → 2022-08-06).
- Document date vs anchor. Deictic expressions resolve against the document date
  ``doc._.ref_date`` (heute, vor drei Jahren, seit 30 Jahren → role start, im vergangenen
  Januar, nächstes Jahr, im Juni nächsten Jahres). So do months, days and seasons named
  without a year (im August, am 11. September, Ende Juni, Anfang des Jahres): the news
  convention of HeidelTime's news mode. Only expressly anaphoric expressions (desselben /
  des folgenden Jahres, im selben Jahr, im Folgejahr, im Vorjahr, vier Jahre später, am
  nächsten Tag, im Jahr darauf, damals) resolve against the anchor: the last date the text
  named (the end of an interval). Every span with a value moves the anchor except those
  that name the present (heute, dieses Jahr, Ende des Jahres), so "damals" after "heute"
  still means the past named before. Before the first date anaphora fall back to the
  document date, except "damals" (None). Without a document date, what needs it is still
  found, with value None.
- Weeks are the interval of their days, Monday to Sunday (vergangene Woche, ref 2008-09-18
  → 2008-09-08/2008-09-14): "2008-W37" would fail the validator.
- Seasons are intervals of months (im Herbst 2019 → 2019-09/2019-11, Winter 2019 →
  2019-12/2020-02); quarters and half-years likewise (2020-01/2020-03, 2020-07/2020-12).
- Decades and centuries are intervals of years, counted colloquially: 1990er → 1990/1999,
  20. Jahrhundert → 1900/1999 (not the strict 1901/2000).
- A weekday alone (am Montag) is the nearest such day to the document date (±3 days);
  with vergangenen/kommenden the one strictly before/after. Before a date (Montag,
  3. Mai 2021) it only widens the span.
- Ranges (vom 21.-23.6.2023, 2017/2018, 2017/18, März bis Mai 2020, zwischen 2017 und 2019,
  in den Jahren 2017 und 2018) get role range and the interval from the first date's start
  to the second's end; the first date takes a missing month and year from the second.
  "und" joins two dates only after zwischen / in den Jahren, or where the first needs the
  second's month or year (am 2. und 3. Oktober, Mai und Juni 2021); "2017 und 2018" are
  two dates. Mods inside a range are dropped. "vom" without a second date is a point
  (Vertrag vom 25.01.1992), "von 2017 an" a start.
- A lone 4-digit number is a year only in 1000–2100 and only where its neighbours do not
  make it a quantity or part of a name: not before a unit or a plural-looking noun (1500 km,
  rund 2000 Soldaten; but "wurde 2019 Präsident"), after a number marker or quantity cue (Nr. 2017, über 2000), beside
  another number (phone numbers), or after a capitalised word that does not start the
  sentence (Expo 2017, Agenda 2030, Resolution 1540: a year in a name dates the name, not
  the claim). A strong cue (im Jahr, seit, bis, Stand, Ende …) keeps the year.
- A month, season or weekday name alone (August, Sommer, Montag) needs a cue or a year or
  day: on its own it is as often a name.
- Extents are spaCy tokens: the sentence period that the German tokenizer glues to a number
  ("2019.") stays in the span; ``DateValue.text`` is the span text as written. An
  expression never runs across a sentence start or a line break.
- dateparser is not used: this grammar is deterministic and small, and a fallback would
  accept what the grammar rejects on purpose.

Not covered: durations (drei Jahre lang), times of day as values, sets (jährlich), vague
expressions (derzeit, seit Jahren, in den letzten Jahren), holidays, and "in drei Jahren"
(as often "das erste Treffen in elf Jahren", a duration, as a future date).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from itertools import accumulate
from typing import Callable, Sequence

from spacy.attrs import ORTH, SENT_START, SPACY
from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup, Token

from .extensions import as_date  # importing it registers Doc._.ref_date and Span._.timex
from .lexicon import lemma_lookup, load_data, vocab_flag
from .models import DateValue, valid_date_value

Part = tuple[int, ...]  # a date at its precision: (2017,), (2017, 9), (2017, 9, 21)
Value = tuple[Part, Part]  # an interval; a point when both ends are equal


@dataclass(frozen=True)
class Ctx:
    """What a parsed expression is resolved against."""

    ref: date | None  # the document date
    anchor: Part | None  # the last date the text named
    year: int | None = None  # the year of yearless dates: in a range the second date's
    month: int | None = None  # the month of a bare day: only in a range ("vom 21. bis …")


Resolver = Callable[[Ctx], "Value | None"]


@dataclass(frozen=True)
class Expr:
    """A parsed date expression: how to resolve it, its role and mod."""

    resolve: Resolver
    role: str | None = None  # None: point, unless a cue says otherwise
    mod: str | None = None
    now: bool = False  # names the document's present (heute, dieses Jahr): does not move the anchor


# ---------------------------------------------------------------- lexicon ----

LEX = load_data("timex.json")
PAST_MARKERS = frozenset(LEX["past_markers"])
FUTURE_MARKERS = frozenset(LEX["future_markers"])


@lru_cache(maxsize=4096)
def _preterite(word: str) -> bool:
    """A weak verb's simple past (reiste, unterzeichnete, forderten): its stem, as its
    lemma in spaCy's lookup table gives it, and -te/-ete; strong verbs are markers."""
    lemma = lemma_lookup().get(word, "")
    if len(lemma) < 4 or not lemma.endswith("n") or lemma == word:
        return False
    stem = lemma[:-1] if lemma.endswith(("ern", "eln")) else lemma[:-2]
    return word in (stem + "te", stem + "ten", stem + "ete", stem + "eten")
_YEAR_IN = re.compile(r"\b\d{4}\b|\d{2,4}\.?$|\d\.\d{2,4}")
EXACT_CASE = {w.lower(): w for w in LEX["exact_case"]}


def _word(token: str) -> str:
    """Lower case without an abbreviation's period; exact-case cues keep their case."""
    if token[:1].isalpha():
        token = token.rstrip(".")
    low = token.lower()
    return token if low in EXACT_CASE else low


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(_word(w) for w in text.split() if w.lower() not in LEX["articles"])


def _table(groups: dict[str, list[str]]) -> dict[tuple[str, ...], str]:
    return {_phrase(p): key for key, phrases in groups.items() for p in phrases}


MONTHS: dict[str, int] = LEX["months"]
WEEKDAYS: dict[str, int] = LEX["weekdays"]
DAYPARTS = frozenset(LEX["dayparts"])
DAYS: dict[str, int] = LEX["days"]
SEASONS: dict[str, list[int]] = LEX["seasons"]
YEAR_PARTS: dict[str, int] = LEX["year_parts"]
ORDINALS: dict[str, int] = LEX["ordinals"]
NUMBERS: dict[str, int] = LEX["numbers"]
DECADE_WORDS: dict[str, int] = LEX["decade_words"]
UNITS: dict[str, str] = LEX["units"]
PLURAL_UNITS = frozenset(LEX["plural_units"])
YEAR_NOUNS = frozenset(LEX["year_nouns"])
DECADE_NOUNS = frozenset(LEX["decade_nouns"])
ADJECTIVES = {stem: ("deictic", d) for stem, d in LEX["deictic"].items()}
ADJECTIVES |= {stem: ("anaphoric", d) for stem, d in LEX["anaphoric"].items()}
ENDINGS = sorted(LEX["adjective_endings"], key=len, reverse=True)
COMPOUNDS = {_phrase(w): tuple(v) for w, v in LEX["compounds"].items()}
PERIOD_WORDS = {w: tuple(v) for w, v in LEX["period_words"].items()}
UNIT_NOUN = {"year": "jahres", "month": "monats"}  # Jahresende → "Ende des Jahres"
OFFSET_DIRS: dict[str, int] = LEX["offset_directions"]
OFFSET_LEADS = {w: tuple(v) for w, v in LEX["offset_leads"].items()}
ANAPHORS = frozenset(LEX["anaphors"])
ARTICLES = frozenset(LEX["articles"])
ROLES = _table(LEX["roles"]) | _table({"open": LEX["range_openers"]})
LIST_OPENERS = {_phrase("zwischen"), _phrase("in den jahren"), _phrase("in den jahren von")}
RANGE_SEPS = {_phrase(p) for p in LEX["range_separators"]}
LIST_SEPS = {_phrase(p) for p in LEX["list_separators"]}
SEPARATORS = {s: s for s in RANGE_SEPS | LIST_SEPS}
MODS = _table(LEX["mods"])
APPROX_SUFFIX = frozenset(LEX["approx_suffix"])
PREPOSITIONS = frozenset(LEX["prepositions"])
TIME_WORDS = frozenset(LEX["time_words"])
WEAK_YEAR_CUES = frozenset(LEX["weak_year_cues"])
NAME_MARKERS = frozenset(LEX["name_markers"])
QUANTITY_CUES = {_phrase(p) for p in LEX["quantity_cues"]}
QUANTITY_FOLLOWERS = frozenset(LEX["quantity_followers"])

_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DMY = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4}|[0-9]{2})\.?")
_DM = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.")
_YEAR = re.compile(r"(1[0-9]{3}|20[0-9]{2}|2100)\.?")
_DAY = re.compile(r"(0?[1-9]|[12][0-9]|3[01])(\.?)")
_ORD = re.compile(r"([0-9]{1,2})\.")
_DECADE = re.compile(r"([0-9]{2}|[0-9]{3}0)ern?")
_QUARTER = re.compile(r"q([1-4])")
_CLOCK = re.compile(r"[0-9]{1,2}(?:\.[0-9]{2})?")
_TOKEN = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?![0-9])"  # ISO date
    r"|[qQ][1-4](?![0-9])"  # Q1
    r"|[0-9]+(?:\.[0-9]+)*\.?(?:ern?(?![^\W\d_]))?"  # 2017, 3., 21.12.2015, 1990er, 80ern
    r"|[^\W\d_]+\.?"  # words and abbreviations (Aug., ca.)
    r"|[/:,\-–—]"  # separators
)
_IGNORABLE = " \t\r\n\u00a0\"'„“”‚‘’»«()[]"


# ------------------------------------------------------------ normalise ----


def normalise(text: str, ref_date: date | None = None, anchor: date | str | None = None) -> DateValue | None:
    """The date a text names, or ``None`` if the whole text is no date expression.

    ``ref_date`` is the document date; ``anchor`` the last date the text named (a date or an
    ISO value such as "2013-02" or "2017/2018", whose end counts). A date that needs a missing
    reference still returns a :class:`DateValue`, with ``value`` None.
    """
    found = _evaluate(text, ref_date, anchor)
    return found[0] if found else None


def _evaluate(text: str, ref_date, anchor) -> tuple[DateValue, bool] | None:
    """:func:`normalise`, and whether the date may serve as the next anchor."""
    expr = _parse(text)
    if expr is None:
        return None
    ctx = Ctx(ref=as_date(ref_date), anchor=_as_part(anchor))
    try:
        value = expr.resolve(ctx)
    except (ValueError, OverflowError):  # beyond the calendar: year 1 minus 30 years
        value = None
    return _record(_iso(value), expr.role or "point", expr.mod, text), not expr.now


@lru_cache(maxsize=4096)  # a corpus names the same dates again and again; the record is frozen
def _record(value: str | None, role: str, mod: str | None, text: str) -> DateValue:
    return DateValue(value=value, role=role, mod=mod, text=text)


@lru_cache(maxsize=8192)
def _parse(text: str) -> Expr | None:
    """[role] phrase | [role] range, over the whole text."""
    ws = _tokens(text)
    if not ws:
        return None
    if len(ws) == 1 and (ws[0] in MONTHS or ws[0] in SEASONS or _weekday(ws[0]) is not None):
        return None  # "August", "Sommer", "Montag" alone are as often names
    if ws[0] in ARTICLES or ws[-1] in ARTICLES:
        return None  # "der 1990er" or "2017 der": the article belongs elsewhere
    ws = tuple(w for w in ws if w not in ARTICLES)
    role, n = _take(ws, 0, ROLES) or (None, 0)
    body, lead = ws[n:], ws[:n]
    if role == "open" and len(body) > 1 and body[-1] == "an":
        role, body = "start", body[:-1]  # von 2017 an
    fixed_role = role if role in ("start", "end", "as_of") else None
    found = _single(body, lead)
    if found is not None:
        return replace(found, role=fixed_role or found.role)
    resolve = _range(body, lead if role == "open" else ())
    if resolve is not None:
        return Expr(resolve, fixed_role or "range")
    return None


def _tokens(text: str) -> tuple[str, ...] | None:
    if _TOKEN.sub(" ", text).strip(_IGNORABLE):
        return None  # a character no date is made of: E3+3, 16,8 %
    ws = [_word(t) for t in _TOKEN.findall(text)]
    # a time of day ends the text: "11:16 Uhr", "11 Uhr", "um 11:16"; the value keeps the day
    end = len(ws)
    uhr = end > 0 and ws[-1] in TIME_WORDS
    end -= uhr
    if end >= 3 and ws[end - 2] == ":" and _CLOCK.fullmatch(ws[end - 3]) and re.fullmatch("[0-5][0-9]", ws[end - 1]):
        end -= 3
    elif uhr and end and _CLOCK.fullmatch(ws[end - 1]):
        end -= 1
    elif uhr:
        return None
    if end < len(ws):
        while end and ws[end - 1] in ("um", ","):
            end -= 1
    return tuple(ws[:end])


def _take(ws: tuple[str, ...], i: int, table: dict) -> tuple[str, int] | None:
    """The longest phrase of ``table`` at ``ws[i:]``: its value and the index after it."""
    for n in range(min(4, len(ws) - i), 0, -1):
        key = ws[i : i + n]
        if key in table:
            return table[key], i + n
    return None


def _single(ws: tuple[str, ...], lead: tuple[str, ...] = (), partial: bool = False) -> Expr | None:
    """[mod] [preposition] core [herum]."""
    mod, prep, i = None, None, 0
    while i < len(ws):  # each at most once, in either order: "gegen Ende", "zum Jahresende"
        hit = None if mod else _take(ws, i, MODS)
        if hit:
            mod, i = hit
        elif prep is None and ws[i] in PREPOSITIONS:
            prep, i = ws[i], i + 1
        else:
            break
    lead = lead + (prep,) if prep else lead
    core = ws[i:]
    if len(core) > 1 and core[-1] in APPROX_SUFFIX and mod == "APPROX":
        core = core[:-1]  # um 2000 herum
    if core and core[0] in PERIOD_WORDS:  # Jahresende 2020 → Ende des Jahres 2020
        unit, period_mod = PERIOD_WORDS[core[0]]
        mod = period_mod if mod in (None, "APPROX") else mod  # gegen Jahresende: END
        core = (UNIT_NOUN[unit],) + core[1:]
    found = _core(core, lead, mod, partial)
    if found is None:
        return None
    return replace(found, mod=found.mod or mod)


def _core(ws, lead, mod, partial) -> Expr | None:
    if not ws:
        return None
    if len(ws) > 1 and (_weekday(ws[0]) is not None or ws[0] in DAYPARTS) and _names_day(ws[1:]):
        rest = ws[2:] if ws[1] in (",", "zum", "vom") else ws[1:]
        return _core(rest, lead, mod, partial)  # Montag, 3. Mai 2021; am Abend des 5. Juni
    for parse in (_numeric, _calendar, _relative, _offset, _era, _day):
        found = parse(ws, lead, mod, partial)
        if found is not None:
            return found if isinstance(found, Expr) else Expr(found)
    if len(ws) > 1 and ws[-1].lower() in DAYPARTS and _names_day(ws[:-1]):
        return _core(ws[:-1], lead, mod, partial)  # gestern Abend, am 3. Mai morgens
    return None


def _range(ws: tuple[str, ...], opener: tuple[str, ...]) -> Resolver | None:
    """A bis B, A-B, A/B; A und B after zwischen / in den Jahren, or where A takes its month
    or year from B (1. und 2. Mai, Mai und Juni 2021); lists of years after in den Jahren."""
    listed = opener in LIST_OPENERS
    if listed and len(ws) >= 3 and all(ws[k] in ("und", ",", "bis") for k in range(1, len(ws), 2)):
        years = [_year(w) for w in ws[0::2]]
        if None not in years and len(ws) % 2:  # in den Jahren 2014, 2015 und 2016
            return _fixed((min(years),), (max(years),))
    for k in range(1, len(ws) - 1):
        sep = _take(ws, k, SEPARATORS)
        if sep is None:
            continue
        left, right = ws[:k], ws[sep[1] :]
        if sep[0] in LIST_SEPS and not listed and not (sep[0] == ("und",) and _incomplete(left)):
            continue  # "2017 und 2018", "am Montag und am Dienstag" are two dates
        first = _year(left[-1])
        if first is not None and len(right) == 1 and right[0] == f"{(first + 1) % 100:02d}":
            right = (str(first + 1),)  # 2017/18, 1999/00, Winter 1942/43
        a, b = _single(left, partial=True), _single(right)
        if a is not None and b is not None:
            return _join(a.resolve, b.resolve)
    return None


def _incomplete(ws: tuple[str, ...]) -> bool:
    """Whether a date lacks the month or year that a following one gives: "1.", "Mai"."""
    if _single(ws) is None:
        return True  # "1." in "1. und 2. Mai"
    named = ws[-1] in MONTHS or ws[-1] in SEASONS or bool(_DM.fullmatch(ws[-1]))
    return named and not any(_adjective(w) for w in ws)  # but "im vergangenen Januar" is complete


def _join(first: Resolver, second: Resolver) -> Resolver:
    def resolve(c: Ctx) -> Value | None:
        b = second(c)
        if b is None:
            return None
        hint = b[0]
        a = first(replace(c, year=hint[0], month=hint[1] if len(hint) > 1 else None))
        if a is None:
            return None
        if a[0] > b[0] and a[0][0] == hint[0]:  # vom 28. Dezember bis 3. Januar 2020
            a = tuple((p[0] - 1,) + p[1:] for p in a)
        if a[0][: len(b[1])] > b[1]:
            return None  # 2018/2017 is no range
        return a if a[1] >= b[1] else (a[0], b[1])  # Winter 1942/43 already ends in 1943

    return resolve


# --- the core parsers: each takes (words, lead words, mod, partial) and returns a
# --- Resolver or Expr when the words are exactly its expression, else None


def _numeric(ws, lead, mod, partial):
    """21.12.2015, 2015-12-21, 21.12., 2017, im Jahr 2017; a bare day only in a range."""
    if len(ws) == 2 and ws[0] in YEAR_NOUNS:
        ws = ws[1:]
    if len(ws) != 1:
        return None
    w = ws[0]
    if m := _DMY.fullmatch(w):
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
        if len(m[3]) == 2:
            y += 2000 if y < 50 else 1900  # 11.11.13
    elif m := _ISO.fullmatch(w):
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    if m:
        return _fixed((y, mo, d)) if _valid(y, mo, d) else None
    if m := _DM.fullmatch(w):
        d, mo = int(m.group(1)), int(m.group(2))
        return _yearless(mo, d) if _valid(2000, mo, d) else None
    if (y := _year(w)) is not None:
        return _fixed((y,))
    m = _DAY.fullmatch(w)
    if partial and m and m.group(2):  # "21." in "vom 21. bis 23. Juni"
        d = int(m.group(1))
        return lambda c: _pt((c.year, c.month, d)) if c.year and c.month and _valid(c.year, c.month, d) else None
    return None


def _calendar(ws, lead, mod, partial):
    """[day] month | season | numbered part of the year, [year spec]; [adjective] month."""
    if len(ws) == 2 and (adj := _adjective(ws[0])) and adj[0] == "deictic":
        months = _months(ws[1])
        if months:  # im vergangenen Januar, kommenden Herbst, diesen März
            return _relative_month(months, adj[1])
        return None
    day, i = None, 0
    if len(ws) >= 2 and ws[1] in MONTHS and (m := _DAY.fullmatch(ws[0])):
        day, i = int(m.group(1)), 1  # 18. September, 6 Aug.
    head = ws[i]
    if head in MONTHS:
        months, i = (MONTHS[head],) * 2, i + 1
    elif day is None and head in SEASONS:
        months, i = tuple(SEASONS[head]), i + 1
    elif day is None and (m := _QUARTER.fullmatch(head)):
        n = int(m.group(1))
        months, i = (3 * n - 2, 3 * n), i + 1
    elif day is None and len(ws) > i + 1 and ws[i + 1] in YEAR_PARTS and (n := _ordinal(head)):
        size = YEAR_PARTS[ws[i + 1]]
        if n * size > 12:
            return None
        months, i = (size * (n - 1) + 1, size * n), i + 2
    else:
        return None
    year = _year_spec(ws[i:])
    if year is None or day is not None and not _valid(2000, months[0], day):
        return None

    def resolve(c: Ctx) -> Value | None:
        y = year(c)
        if y is None:
            return None
        if day is not None:
            return _pt((y, months[0], day)) if _valid(y, months[0], day) else None
        first, last = months
        return (y, first), (y + (last < first), last)  # a winter ends in the next year

    return resolve


def _relative(ws, lead, mod, partial):
    """im Vorjahr, im selben Jahr, vergangene Woche, Ende des Jahres, in den letzten 30 Jahren."""
    if tuple(ws) in COMPOUNDS:
        unit, d = COMPOUNDS[tuple(ws)]
        return lambda c: _shift(_base(c), unit, d)
    if len(ws) == 1 and ws[0] in UNITS and mod:  # Ende des Jahres, Mitte der Woche
        unit = UNITS[ws[0]]
        return Expr(lambda c: _shift(_ref(c), unit, 0), now=True)
    if len(ws) == 2 and ws[1] in UNITS and ws[1] not in PLURAL_UNITS and (adj := _adjective(ws[0])):
        (kind, d), unit = adj, UNITS[ws[1]]
        if kind == "anaphoric" or unit == "day":  # am nächsten Tag: the day after the last date
            return lambda c: _shift(_base(c), unit, d)
        return Expr(lambda c: _shift(_ref(c), unit, d), now=d == 0)
    adj = _adjective(ws[0]) if len(ws) == 3 and lead[-1:] == ("in",) else None
    if adj and adj[0] == "deictic" and adj[1] != 0:
        n, unit, d = _number(ws[1]), UNITS.get(ws[2]), adj[1]
        if n is None or unit is None:
            return None

        def resolve(c: Ctx) -> Value | None:  # in den letzten 30 Jahren → 1992/2022
            now, then = _shift(_ref(c), unit, 0), _shift(_ref(c), unit, d * n)
            if now is None or then is None:
                return None
            return (then[0], now[1]) if d < 0 else (now[0], then[1])

        return Expr(resolve, role="range")
    return None


def _offset(ws, lead, mod, partial):
    """vor drei Jahren, seit 30 Jahren, nach zwei Jahren; vier Jahre später, zwei Jahre zuvor."""
    if len(ws) == 3 and ws[2] in OFFSET_DIRS:
        kind, d = "anaphoric", OFFSET_DIRS[ws[2]]
    elif len(ws) == 2 and lead and lead[-1] in OFFSET_LEADS:
        kind, d = OFFSET_LEADS[lead[-1]]
    else:
        return None
    n, unit = _number(ws[0]), UNITS.get(ws[1])
    if n is None or unit is None:
        return None
    base = _base if kind == "anaphoric" else _ref
    return lambda c: _shift(base(c), unit, d * n)


def _era(ws, lead, mod, partial):
    """in den 1990er Jahren, der achtziger Jahre, im 20. Jahrhundert."""
    if len(ws) == 2 and UNITS.get(ws[1]) == "century" and (m := _ORD.fullmatch(ws[0])):
        n = int(m.group(1))
        return _fixed(((n - 1) * 100,), ((n - 1) * 100 + 99,)) if 1 <= n <= 21 else None
    rest = [w for w in ws[1:] if w != "-"]
    if len(rest) > 1 or rest and rest[0] not in DECADE_NOUNS:
        return None
    if m := _DECADE.fullmatch(ws[0]):
        y = int(m.group(1))
        y = 1900 + y if y < 100 else y  # "90er" → the 1990s
        return _fixed((y,), (y + 9,)) if y % 10 == 0 else None
    w = ws[0][:-1] if ws[0].endswith("n") else ws[0]  # den Neunzigern
    if w in DECADE_WORDS:
        return _fixed((DECADE_WORDS[w],), (DECADE_WORDS[w] + 9,))
    return None


def _day(ws, lead, mod, partial):
    """heute, gestern, am Montag, vergangenen Freitag, damals."""
    if len(ws) == 1 and ws[0] in DAYS:
        d = DAYS[ws[0]]
        return Expr(lambda c: _shift(_ref(c), "day", d), now=d == 0)
    if len(ws) == 1 and ws[0] in ANAPHORS:
        return lambda c: _pt(c.anchor) if c.anchor else None
    if len(ws) == 1:
        wd, direction = _weekday(ws[0]), None  # am Montag
    elif len(ws) == 2 and (adj := _adjective(ws[0])) and adj[0] == "deictic":
        wd, direction = _weekday(ws[1]), adj[1]  # vergangenen Freitag
    else:
        return None
    if wd is None:
        return None

    def resolve(c: Ctx) -> Value | None:
        if c.ref is None:
            return None
        delta = (wd - c.ref.weekday()) % 7
        if direction is None:  # the nearest such day
            delta = delta - 7 if delta > 3 else delta
        elif direction < 0:
            delta = -((c.ref.weekday() - wd) % 7 or 7)
        elif direction > 0:
            delta = delta or 7
        else:  # diesen Montag: in the same week
            delta = wd - c.ref.weekday()
        return _date_value(c.ref + timedelta(days=delta))

    return resolve


# ------------------------------------------------------- small helpers ----


def _year_spec(ws) -> Callable[[Ctx], int | None] | None:
    """What follows a month or season: 2020, des Jahres 2020, nächsten Jahres, desselben
    Jahres, des Vorjahres, or nothing (the document's year)."""
    if len(ws) == 2 and ws[0] in YEAR_NOUNS:
        ws = ws[1:]
    if not ws or len(ws) == 1 and UNITS.get(ws[0]) == "year":
        return lambda c: c.year if c.year is not None else c.ref.year if c.ref else None
    if len(ws) == 1 and (y := _year(ws[0])) is not None:
        return lambda c: y
    if tuple(ws) in COMPOUNDS and COMPOUNDS[tuple(ws)][0] == "year":
        d = COMPOUNDS[tuple(ws)][1]
        return lambda c: _base(c)[0] + d if _base(c) else None
    if len(ws) == 2 and UNITS.get(ws[1]) == "year" and ws[1] not in PLURAL_UNITS and (adj := _adjective(ws[0])):
        kind, d = adj
        base = _base if kind == "anaphoric" else _ref
        return lambda c: base(c)[0] + d if base(c) else None
    return None


def _relative_month(months: tuple[int, int], d: int) -> Resolver:
    """The named month (or season, by its first month) last / next / this year from the ref."""

    def resolve(c: Ctx) -> Value | None:
        if c.ref is None:
            return None
        first, last = months
        y = c.ref.year
        if d < 0 and first >= c.ref.month:
            y -= 1
        elif d > 0 and first <= c.ref.month:
            y += 1
        return (y, first), (y + (last < first), last)

    return resolve


def _shift(base: Part | None, unit: str, n: int) -> Value | None:
    """The ``unit`` that is ``n`` units from ``base``, at the unit's precision."""
    if base is None:
        return None
    if unit == "year":
        return _pt((base[0] + n,))
    if unit == "decade":
        y = base[0] // 10 * 10 + 10 * n
        return (y,), (y + 9,)
    if unit == "century":
        y = base[0] // 100 * 100 + 100 * n
        return (y,), (y + 99,)
    if unit == "month" and len(base) >= 2:
        y, m = divmod(base[0] * 12 + base[1] - 1 + n, 12)
        return _pt((y, m + 1))
    if len(base) < 3:
        return None  # a day or week from a month: the text does not say which
    day = date(*base[:3])
    if unit == "day":
        return _date_value(day + timedelta(days=n))
    monday = day + timedelta(weeks=n) - timedelta(days=day.weekday())
    return _date_value(monday)[0], _date_value(monday + timedelta(days=6))[0]


def _yearless(month: int, day: int) -> Resolver:
    def resolve(c: Ctx) -> Value | None:
        y = c.year if c.year is not None else c.ref.year if c.ref else None
        return _pt((y, month, day)) if y is not None and _valid(y, month, day) else None

    return resolve


def _fixed(first: Part, last: Part | None = None) -> Resolver:
    return lambda c: (first, last or first)


def _pt(p: Part) -> Value:
    return p, p


def _date_value(d: date) -> Value:
    return _pt((d.year, d.month, d.day))


def _ref(c: Ctx) -> Part | None:
    return (c.ref.year, c.ref.month, c.ref.day) if c.ref else None


def _base(c: Ctx) -> Part | None:
    return c.anchor or _ref(c)


def _valid(y: int, m: int, d: int) -> bool:
    try:
        date(y, m, d)
    except ValueError:
        return False
    return True


def _year(w: str) -> int | None:
    return int(w.rstrip(".")) if _YEAR.fullmatch(w) else None


def _number(w: str) -> int | None:
    if w.isdigit() and 0 < int(w) < 1000:
        return int(w)
    return NUMBERS.get(w)


def _ordinal(w: str) -> int | None:
    """1., erste, zweiten …"""
    if m := _ORD.fullmatch(w):
        return int(m.group(1))
    for e in ENDINGS:
        stem = w[: len(w) - len(e)]
        if w.endswith(e) and stem in ORDINALS:
            return ORDINALS[stem]
    return None


def _adjective(w: str) -> tuple[str, int] | None:
    """("deictic" | "anaphoric", -1 | 0 | 1) for vergangenen, nächstes, desselben …"""
    for e in ENDINGS:
        stem = w[: len(w) - len(e)]
        if w.endswith(e) and stem in ADJECTIVES:
            return ADJECTIVES[stem]
    return None


def _weekday(w: str) -> int | None:
    """Montag, and glued to a part of the day: Montagabend."""
    if w in WEEKDAYS:
        return WEEKDAYS[w]
    return next((n for d, n in WEEKDAYS.items() if w.startswith(d) and w[len(d) :] in DAYPARTS), None)


def _months(w: str) -> tuple[int, int] | None:
    if w in MONTHS:
        return MONTHS[w], MONTHS[w]
    return tuple(SEASONS[w]) if w in SEASONS else None


def _names_day(ws) -> bool:
    """Whether words name a day (so a weekday before them or a daypart after them fits)."""
    for k, w in enumerate(ws):
        if _DMY.fullmatch(w) or _DM.fullmatch(w) or _ISO.fullmatch(w) or w in DAYS or _weekday(w) is not None:
            return True
        if (m := _DAY.fullmatch(w)) and (m[2] or k + 1 < len(ws) and ws[k + 1] in MONTHS):
            return True  # "3." or "6" before a month
    return False


@lru_cache(maxsize=1024)  # per span found, and a document's anchor changes seldom
def _as_part(anchor) -> Part | None:
    """The anchor as a partial date: a date, or the end of an ISO value ("2017/2018" → 2018)."""
    if isinstance(anchor, date):
        return anchor.year, anchor.month, anchor.day
    if isinstance(anchor, str) and anchor and valid_date_value(anchor):
        return tuple(int(x) for x in anchor.split("/")[-1].split("-"))
    return None


@lru_cache(maxsize=4096)  # per span found; a corpus names the same dates again and again
def _iso(value: Value | None) -> str | None:
    if value is None:
        return None
    if any(not 0 <= p[0] <= 9999 for p in value):
        return None
    a, b = ("-".join([f"{p[0]:04d}"] + [f"{x:02d}" for x in p[1:]]) for p in value)
    iso = a if a == b else f"{a}/{b}"
    return iso if valid_date_value(iso) else None


# ------------------------------------------------------------ component ----


def _vocabulary() -> set[str]:
    """Every word a date expression can contain, from the lexicon (lower case)."""
    word_keys = ("months", "weekdays", "days", "seasons", "year_parts", "numbers", "decade_words", "units",
                 "compounds", "period_words", "offset_directions", "offset_leads")
    word_lists = ("dayparts", "year_nouns", "decade_nouns", "anaphors", "range_openers", "range_separators",
                  "list_separators", "approx_suffix", "prepositions", "articles", "time_words", "weak_year_cues",
                  "exact_case")
    phrases = [p for key in word_keys for p in LEX[key]] + [p for key in word_lists for p in LEX[key]]
    phrases += [p for group in ("roles", "mods") for ps in LEX[group].values() for p in ps]
    words = {w.lower() for p in phrases for w in p.split()}
    words |= {stem + e for stem in list(ADJECTIVES) + list(ORDINALS) for e in ENDINGS}
    words |= {d + p for d in WEEKDAYS for p in DAYPARTS} | {w + "n" for w in DECADE_WORDS}
    return words | {w + "." for w in words if w.isalpha()}


VOCABULARY = frozenset(_vocabulary())
QUARTERS = frozenset(f"q{n}" for n in range(1, 5))
SEPARATOR_TOKENS = ("/", "-", "–", "—", ":", ",")  # no case: their lower case is themselves
DIGITS = frozenset("0123456789")


@dataclass(frozen=True)
class _DateWord:
    """Whether a word can be part of a date: the getter of a lexeme flag, so it is asked
    once per word of the vocabulary and marking a document reads one attribute array."""

    words: frozenset[str]  # lower case

    def __call__(self, orth: str) -> bool:
        return orth[:1] in DIGITS or orth.lower() in self.words


class _DateTokens:
    """The tokens of a document a date can be made of, but for stretches that hold no
    date, their text joined: the text of a stretch of consecutive ones is a slice of it
    (``Span.text`` would rebuild it token by token). Indices ``k`` count these tokens;
    ``index[k]`` is the token's index in the doc; ``runs`` are their stretches."""

    def __init__(self, doc: Doc, index: list[int], max_tokens: int) -> None:
        orths, spaces, sent_starts = doc.to_array([ORTH, SPACY, SENT_START])[index].T.tolist()
        strings = doc.vocab.strings
        words, spaces = tuple(strings[orth] for orth in orths), tuple(spaces)  # sliced as cache keys
        # stretches of consecutive tokens within a sentence (Token.is_sent_start: sent_start == 1)
        firsts = [k for k in range(len(index)) if k == 0 or index[k] != index[k - 1] + 1 or sent_starts[k] == 1]
        runs = zip(firsts, firsts[1:] + [len(index)])
        # Most stretches hold no date ("in der", ", die", "und"), and the same ones recur
        # in every text: they go, by a cached test, before any text is built for them.
        runs = [(first, end) for first, end in runs
                if _holds_date(words[first:end], spaces[first:end], max_tokens)]
        kept = [k for first, end in runs for k in range(first, end)]
        self.index = [index[k] for k in kept]
        self.text, self.starts, self.ends = _joined([words[k] for k in kept], [spaces[k] for k in kept])
        firsts = list(accumulate((end - first for first, end in runs), initial=0))
        self.runs = list(zip(firsts, firsts[1:]))

    def text_of(self, k: int, end: int) -> str:
        """The text of the consecutive tokens ``k`` to ``end - 1``."""
        return self.text[self.starts[k] : self.ends[end - 1]]


def _joined(words: Sequence[str], spaces: Sequence[int]) -> tuple[str, list[int], list[int]]:
    """Words joined, each followed by a space where ``spaces`` says so; where each starts
    and ends in the text."""
    with_spaces = [w + " " if space else w for w, space in zip(words, spaces)]
    starts = list(accumulate(map(len, with_spaces), initial=0))
    return "".join(with_spaces), starts, [start + len(w) for start, w in zip(starts, words)]


@lru_cache(maxsize=4096)
def _holds_date(words: tuple[str, ...], spaces: tuple[int, ...], max_tokens: int) -> bool:
    """Whether a stretch of at most ``max_tokens`` consecutive words parses as a date."""
    text, starts, ends = _joined(words, spaces)
    return any(_parse(text[starts[k] : ends[stop - 1]]) is not None
               for k in range(len(words)) for stop in range(k + 1, min(len(words), k + max_tokens) + 1))


class Timex:
    """Finds date expressions and attaches their normalised value (see module doc)."""

    def __init__(self, nlp: Language, name: str = "extract_timex", *, span_key: str = "timex",
                 label: str = "DATE", max_tokens: int = 12) -> None:
        self.name = name
        self.span_key = span_key
        self.label = label
        self.max_tokens = max_tokens  # the longest expression tried: "vom 1. März bis zum 15. April 2020" is 9
        self.flag = vocab_flag(nlp.vocab, _DateWord(frozenset(VOCABULARY | QUARTERS | set(SEPARATOR_TOKENS))))

    def __call__(self, doc: Doc) -> Doc:
        ref = as_date(doc._.ref_date)
        has_sents = doc.has_annotation("SENT_START")  # once: it scans the whole document
        tokens = _DateTokens(doc, self.marked(doc), self.max_tokens)
        anchor: str | None = None
        spans = []
        for k, end in tokens.runs:
            while k < end:
                found = self._longest(doc, tokens, k, end, ref, anchor)
                if found is None:
                    k += 1
                    continue
                span, value, moves_anchor = found
                value = self._tensed(span, value, ref, has_sents)
                span._.timex = value
                spans.append(span)
                if moves_anchor and value.value:
                    anchor = value.value
                k += len(span)
        doc.spans[self.span_key] = SpanGroup(doc, name=self.span_key, spans=spans)
        return doc

    def _tensed(self, span: Span, value: DateValue, ref: date | None, has_sents: bool) -> DateValue:
        """A bare month or day told of in the past that would fall after the document date
        lies in the year before (a fact sheet of March 2018: "hat im August … erreicht")."""
        if ref is None or not value.value or "/" in value.value or _YEAR_IN.search(value.text):
            return value
        if not _names_month(value.text):
            return value  # a weekday lies in the week around the document date, whatever the tense
        if value.value[:10] <= ref.isoformat()[: len(value.value)]:
            return value
        clause = span.sent if has_sents else span.doc
        words = {t.lower_ for t in clause}
        if (words & PAST_MARKERS or any(map(_preterite, words))) and not words & FUTURE_MARKERS:
            year = int(value.value[:4]) - 1
            return value.model_copy(update={"value": f"{year}{value.value[4:]}"})
        return value

    def marked(self, doc: Doc) -> list[int]:
        """The tokens a date can be made of: date words, numbers (2017, 3., 21.12.2015,
        1990er-Jahre), quarters (Q1), separators."""
        return doc.to_array([self.flag]).nonzero()[0].tolist()

    def _longest(self, doc: Doc, tokens: _DateTokens, k: int, end: int, ref: date | None, anchor: str | None):
        i = tokens.index[k]
        for stop in range(min(end, k + self.max_tokens), k, -1):
            text = tokens.text_of(k, stop)
            if _parse(text) is None:  # most stretches: the text alone (cached) says no date
                continue
            span = Span(doc, i, i + stop - k, label=self.label)
            if not self._quantity_or_name(span):
                return span, *_evaluate(text, ref, anchor)
        return None

    def _quantity_or_name(self, span: Span) -> bool:
        """Whether a span that ends in a lone year number is rather a quantity or a name."""
        doc, last = span.doc, span[-1]
        if not _YEAR.fullmatch(last.text):
            return False
        after = doc[span.end] if span.end < len(doc) and not last.text.endswith(".") else None
        if after is not None and after.lower_ in QUANTITY_FOLLOWERS:
            return True  # 1500 km, rund 2000 Mio.
        if not all(_word(t.text) in WEAK_YEAR_CUES for t in span[:-1]):
            return False  # seit 2014, im Jahr 2000, Ende 2002: a year whatever follows
        if after is not None and after.like_num:
            return True  # 030 2017 4455: a phone number
        before = doc[span.start - 1] if span.start > 0 else None
        if before is not None:
            w = _word(before.text)
            two = (_word(doc[span.start - 2].text), w) if span.start > 1 else ()
            if (w,) in QUANTITY_CUES or two in QUANTITY_CUES:
                return True  # über 2000, mehr als rund 2000
            if len(span) == 1 and (w in NAME_MARKERS or before.like_num):
                return True  # Nr. 2017, 030 2017 4455
            if len(span) == 1 and before.text[:1].isupper() and w not in VOCABULARY and not _starts_sentence(before):
                return True  # Expo 2017, Agenda 2030 (but "Volkszählung von 2021" is a year)
        # a capitalised plural-looking noun after it is what it counts: 2000 Soldaten, 1500 Fälle;
        # a singular one is rather a predicate: "wurde 2019 Präsident", "ist 2014 Mitglied"
        return after is not None and after.is_alpha and after.text[:1].isupper() \
            and after.lower_ not in VOCABULARY and after.lower_.endswith(("en", "e", "n", "s"))


@lru_cache(maxsize=4096)  # per span found; a corpus names the same dates again and again
def _names_month(text: str) -> bool:
    """Whether a date's text names a month or season."""
    return any(w in MONTHS or w in SEASONS for w in _tokens(text))


def _starts_sentence(token: Token) -> bool:
    if token.i == 0 or token.is_sent_start:
        return True
    prev = token.doc[token.i - 1]
    return prev.is_space or "\n" in prev.whitespace_ or prev.text in (".", "!", "?", ":") \
        or prev.text[-1] in ".!?" and not prev.text[0].isalpha()


@Language.factory(
    "extract_timex",
    assigns=["doc.spans", "span._.timex"],
    default_config={"span_key": "timex", "label": "DATE", "max_tokens": 12},
)
def make_timex(nlp: Language, name: str, span_key: str, label: str, max_tokens: int) -> Timex:
    return Timex(nlp, name, span_key=span_key, label=label, max_tokens=max_tokens)
