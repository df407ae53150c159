"""Numbers in German text: find them (spaCy component) and normalise them (pure functions).

``extract_quantities`` writes ``doc.spans["quantity"]``: non-overlapping spans in text
order, each with ``span._.quantity`` = :class:`extract.models.NumberValue` (spec §4).
A span covers the bound cue, the number, the scale word and the unit as written:
"rund 900", "11,38 Mrd. USD", "mehr als vier Millionen", "7 644 Kilometern", "23,7%",
"zweitgrößter", "an erster Stelle".

Finding and valuing are split on purpose. spaCy ``Matcher`` patterns, generated from
``data/quantities.yaml``, propose every candidate (with and without bound, scale, unit);
:func:`normalise` values a candidate from its text alone and returns ``None`` for what
is not a number; the component then drops candidates its context rules out and keeps the
longest of the survivors. So a wrong long reading ("2019 100" joined as thousands) falls
back to a shorter right one ("100"). Only token text is used (no POS, no parse), so the
component behaves the same on ``spacy.blank("de")`` and on a full model.

Decisions
- German number formats: "." and a single space (also no-break/thin space) group
  thousands, "," is the decimal mark: 7.644 / 7 644 → 7644, 1.234,5 → 1234.5, 5,- → 5.
  A dot not followed by exactly three digits is read as an English decimal point
  (1.5 → 1.5); "11.11.2013" is no number. The tokenizer splits "7 644" into two tokens;
  they are joined only when the first has 1–3 digits and each next one exactly 3.
- Amounts are computed in ``Decimal`` so that 11,38 Mrd. gives exactly 11380000000.
- Type: a currency makes ``money`` (ISO 4217), % or Prozent ``percent``, a unit
  ``quantity`` (Prozentpunkte → unit "pp"; durations are units too, so "30 Jahre" is
  30 a, not a count), "dreimal"/"3-mal"/"drei Mal" a ``count``, anything else a ``count``
  (the counted noun is not part of the span: "rund 900 russische Soldaten" → "rund 900").
- Bounds are cues *directly* before the number. That disambiguates "über"/"unter":
  "über 20 Gesprächsrunden" is gt 20, while "über Russland" has no number and "unter den
  20 Millionen" has an article in between (eq). A bound never attaches to a rank.
- Articles (ein, eine, …) are 1 only before a scale word or percent ("eine Million",
  "ein Prozent"); "ein Abkommen" is not a count. "einmal" and "mehrmals" are no counts.
- Years: a plain 4-digit integer 1900–2100 with no scale or unit is never a quantity
  (so "rund 2000 Soldaten" is lost; "2.000" is kept). After a date cue (month, Jahr,
  seit, bis, im, von, Stand, …) it is a year even with a scale ("seit 2014 Milliarden").
  Tokens inside ``doc.spans["timex"]`` (when the date stage ran) are never quantities;
  without it, a number before a month is a day ("6 Aug. 2022") and before "Uhr" a time.
- Ordinals: the German tokenizer glues a period to digits, so "21." in "die 21. Runde"
  and "900." in "betrug 900. Die" are the same shape. Such a token is a number only at a
  sentence end: followed by a line break, the end of the text or a sentence-starting
  function word, and not preceded by an article nor at a line start (list numbering).
  The span keeps the token, the value's ``text`` drops the sentence period.
- Ranks: ordinal superlatives (größter 1, zweitgrößter 2, viertgrößte 4, wichtigster 1),
  "an erster Stelle", "zweiten Platz", "Platz 2", "Nummer eins". "einer der größten"
  and "zu den größten" name no rank (false positives in the data file).
- Identifiers are skipped by the word before them ("Level 1", "Teil 1", "Expo 2017");
  "G20", "E3+3", "Z5+1" are single tokens that never look like numbers. Idioms and vague
  amounts ("unter vier Augen", "mehrere Tausend", "der größte Teil") are listed as false
  positives in the data file.

Not covered: ranges ("5 bis 6 Prozent" gives the count 5 and 6 %), fractions ("ein
Drittel", "die Hälfte" give nothing), negated bounds ("nicht mehr als 5" is gt 5), and
"über"/"unter" as prepositions right before a number ("Gespräche über 2 Mrd. Euro" is gt).
Vague amounts ("Tausende", "mehrere Millionen") are deliberately not quantities.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property, lru_cache
from itertools import product
from pathlib import Path
from typing import Any, Container, Iterable

import yaml
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span, Token
from spacy.util import ensure_path

from extract import extensions  # noqa: F401  (registers Span._.quantity)
from extract.lexicon import load_data, parse_data, vocab_flag
from extract.models import NumberValue


# Digits as written, German first: thousands groups with one consistent separator and
# a decimal comma, else plain digits with an optional English decimal point. A price
# may end in ",-" or ".-". ASCII digits only: \d would also take other scripts.
_DIGITS = re.compile(
    r"^(?P<sign>[-+\u2212])?"
    r"(?:(?P<grouped>[0-9]{1,3}(?P<sep>[. \u00a0\u202f\u2009])[0-9]{3}(?:(?P=sep)[0-9]{3})*)"
    r"|(?P<plain>[0-9]+)(?:\.(?P<dotfrac>[0-9]+))?)"
    r"(?:,(?P<frac>[0-9]+))?(?:[.,][-\u2013])?$"
)
# Token shapes the matcher proposes; normalise() decides. A glued period is allowed
# because the tokenizer keeps "900." (sentence end) and "21." (ordinal) as one token.
_NUMBER_TOKEN = r"^[-+\u2212]?[0-9](?:[0-9.,]*[0-9])?(?:[.,][-\u2013])?\.?$"
_GROUP_TOKEN = r"^[0-9]{3}(?:,[0-9]+|,[-\u2013])?\.?$"
_GLUED_PERIOD = re.compile(r"^[-+\u2212]?[0-9][0-9.,]*[0-9]\.$|^[0-9]\.$")
_ORDINAL_DIGITS = re.compile(r"^[0-9]+\.$")
_YEAR = re.compile(r"[0-9]{4}")
_THIN_SPACES = ["\u00a0", "\u202f", "\u2009"]
# Words of an expression for normalise(): symbols stand alone even when glued ("$5").
_WORDS = re.compile(r"US\$|[$€£¥₸%]|[^\s$€£¥₸%]+")


def _key(word: str) -> str:
    """Lookup key: lower case, trailing period optional ("Mrd." = "Mrd")."""
    low = word.lower()
    return low.rstrip(".") or low


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@dataclass(frozen=True, eq=False)  # hashed by identity: normalise() caches per lexicon
class Lexicon:
    """The data file, indexed for lookups and compiled into regexes."""

    raw: dict[str, Any]  # the data file as read, for to_disk
    scales: dict[str, Decimal]
    currencies: dict[str, str]  # written form -> ISO 4217
    prefix_currencies: dict[str, str]
    units: dict[str, str]  # written form -> canonical symbol
    percent: frozenset[str]
    bounds: tuple[tuple[tuple[str, ...], str], ...]  # (cue words, bound), longest first
    articles: frozenset[str]
    times: str
    years: tuple[int, int]
    year_cues: frozenset[str]
    starters: frozenset[str]
    determiners: frozenset[str]
    identifiers: frozenset[str]
    not_before: frozenset[str]
    places: frozenset[str]
    ordinals: dict[str, int]  # ordinal stem -> value: zweit -> 2
    words: dict[str, Any]  # number-word tables
    number_word_re: re.Pattern
    times_re: re.Pattern
    ordinal_word_re: re.Pattern
    rank_word_re: re.Pattern

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "Lexicon":
        def keys(forms: Iterable[str]) -> frozenset[str]:
            return frozenset(_key(f) for f in forms)

        def index(table: dict[str, list[str]]) -> dict[str, str]:
            return {_key(form): code for code, forms in table.items() for form in forms}

        months = load_data("timex.json")["months"]  # the date stage's: one list for both stages
        nw = raw["number_words"]
        words = {
            "units": {k.lower(): Decimal(v) for k, v in nw["units"].items()},
            "teens": {k.lower(): Decimal(v) for k, v in nw["teens"].items()},
            "tens": {k.lower(): Decimal(v) for k, v in nw["tens"].items()},
            "special": {k.lower(): Decimal(str(v)) for k, v in nw["special"].items()},
            "hundred": nw["hundred"].lower(),
            "thousand": nw["thousand"].lower(),
            "half": nw["half"].lower(),
        }
        units, teens, tens = (_alternation(words[k]) for k in ("units", "teens", "tens"))
        below100 = f"(?:(?:{units})und(?:{tens})|{teens}|{tens}|{units})(?:{words['half']})?"
        below1000 = f"(?:(?:{units})?{words['hundred']}(?:{below100})?|{below100})"
        number_word = f"(?:(?:{below1000})?{words['thousand']}(?:{below1000})?|{below1000})"
        articles = keys(raw["articles"])
        specials = _alternation(words["special"])
        rk = raw["ranks"]
        ordinal_stems = {k.lower(): int(v) for k, v in rk["ordinals"].items()}
        stems, endings = _alternation(ordinal_stems), _alternation(rk["endings"])
        superlatives = _alternation(s.lower() for s in rk["superlatives"])
        return cls(
            raw=raw,
            scales={_key(k): Decimal(str(v)) for k, v in raw["scales"].items()},
            currencies=index(raw["currencies"]),
            # Symbols and ISO codes may precede the number; words ("Dollar") may not.
            prefix_currencies={
                _key(f): code
                for code, forms in raw["currencies"].items()
                for f in forms
                if f.isupper() or not any(c.isalpha() for c in f)
            },
            units=index(raw["units"]),
            percent=keys(raw["percent"]),
            bounds=tuple(
                sorted(
                    ((tuple(_key(w) for w in cue.split()), bound) for bound, cues in raw["bounds"].items() for cue in cues),
                    key=lambda item: -len(item[0]),  # "mehr als" before "mehr"
                )
            ),
            articles=articles,
            times=raw["times"].lower(),
            years=(int(raw["years"]["min"]), int(raw["years"]["max"])),
            year_cues=keys([*raw["years"]["cues"], *months]),
            starters=frozenset(raw["ordinals"]["sentence_starters"]),  # case matters: sentence start
            determiners=keys(raw["ordinals"]["determiners"]),
            identifiers=keys(raw["identifiers"]),
            not_before=keys([*raw["not_before"], *months]),
            places=keys(rk["places"]),
            ordinals=ordinal_stems,
            words=words,
            number_word_re=re.compile(f"^(?:{number_word}|{specials}|{_alternation(articles)})$"),
            times_re=re.compile(f"^(?P<head>{number_word}|[0-9]+(?:,[0-9]+)?-){re.escape(raw['times'].lower())}$"),
            ordinal_word_re=re.compile(f"^(?P<stem>{stems})(?:{endings})$"),
            rank_word_re=re.compile(f"^(?:(?P<stem>{stems})-?)?(?:{superlatives})(?:{endings})$"),
        )


@lru_cache(maxsize=8)
def load_lexicon(path: str | None = None) -> Lexicon:
    """The package's lexicon (``data/quantities.yaml``), or the one at ``path``; built once."""
    return read_lexicon(path) if path is not None else Lexicon.from_dict(load_data("quantities.yaml"))


def read_lexicon(path: str | Path) -> Lexicon:
    """The lexicon in a file, read afresh (a saved pipeline's)."""
    return Lexicon.from_dict(parse_data(str(path), Path(path).read_text(encoding="utf-8")))


# --------------------------------------------------------------------------- parsing


def _number_word(word: str, lex: Lexicon) -> Decimal | None:
    """einundzwanzig → 21, zweihunderttausend → 200000, zweieinhalb → 2.5."""
    w, nw = word.lower(), lex.words
    if w in nw["special"]:
        return nw["special"][w]
    if not lex.number_word_re.match(w) or w in lex.articles:
        return None

    def below100(s: str) -> Decimal | None:
        if s.endswith(nw["half"]) and len(s) > len(nw["half"]):
            base = below100(s[: -len(nw["half"])])
            return None if base is None else base + Decimal("0.5")
        for table in ("teens", "tens", "units"):
            if s in nw[table]:
                return nw[table][s]
        unit, sep, ten = s.partition("und")
        if sep and unit in nw["units"] and ten in nw["tens"]:
            return nw["units"][unit] + nw["tens"][ten]
        return None

    def below1000(s: str) -> Decimal | None:
        head, sep, tail = s.partition(nw["hundred"])
        if not sep:
            return below100(s)
        factor = Decimal(1) if not head else nw["units"].get(head)
        rest = below100(tail) if tail else Decimal(0)
        return None if factor is None or rest is None else factor * 100 + rest

    head, sep, tail = w.partition(nw["thousand"])
    if not sep:
        return below1000(w)
    factor = Decimal(1) if not head else below1000(head)
    rest = below1000(tail) if tail else Decimal(0)
    return None if factor is None or rest is None else factor * 1000 + rest


def _digits(text: str) -> Decimal | None:
    m = _DIGITS.match(text)
    if not m:
        return None
    integer = m["plain"] or re.sub(r"[^0-9]", "", m["grouped"])
    frac = m["frac"] or m["dotfrac"]
    if m["frac"] and m["dotfrac"]:
        return None  # "1.5,3"
    value = Decimal(f"{integer}.{frac}" if frac else integer)
    return -value if m["sign"] in ("-", "\u2212") else value


def _decimal(text: str, lex: Lexicon) -> Decimal | None:
    text = text.strip()
    return _digits(text) if text[:1].isdigit() or text[:1] in "+-\u2212" else _number_word(text, lex)


def parse_number(text: str, lexicon: Lexicon | None = None) -> float | None:
    """The value of one written number: "7.644", "7 644", "1.234,5", "einundzwanzig".

    Articles ("ein", "eine") and ordinals ("21.") are no numbers here.
    """
    try:
        value = _decimal(text, lexicon or load_lexicon())
    except (InvalidOperation, ValueError):
        return None
    return _finite(value)


def _finite(value: Decimal | None) -> float | None:
    if value is None:
        return None
    f = float(value)
    return f if math.isfinite(f) else None


def _rank(words: list[str], lex: Lexicon) -> int | None:
    """größter → 1, zweitgrößter → 2, an erster Stelle → 1, Platz 2 → 2, 3. Platz → 3."""
    keys = [_key(w) for w in words]

    def ordinal(word: str) -> int | None:
        if _ORDINAL_DIGITS.match(word):
            return int(word[:-1])
        m = lex.ordinal_word_re.match(word.lower())
        return lex.ordinals[m["stem"]] if m else None

    if len(words) == 1:
        m = lex.rank_word_re.match(words[0].lower())
        return (lex.ordinals[m["stem"]] if m["stem"] else 1) if m else None
    if len(words) == 3 and keys[0] == "an":
        words, keys = words[1:], keys[1:]
    if len(words) != 2:
        return None
    if keys[1] in lex.places:
        return ordinal(words[0])
    if keys[0] in lex.places:
        value = parse_number(words[1], lex)
        if value is not None and value >= 1 and value == int(value):
            return int(value)
    return None


@lru_cache(maxsize=4096)  # the component asks again and again for "eine", "rund 900"; values are frozen
def normalise(text: str, lexicon: Lexicon | None = None) -> NumberValue | None:
    """The value of a whole numeric expression, or ``None`` if it is not one.

    ``normalise("mehr als 11,38 Mrd. USD")`` → money 11380000000 USD, bound gt. Context
    (years after "im", ordinals, identifiers, date spans) is the component's business.
    """
    try:
        return _normalise(text, lexicon or load_lexicon())
    except (InvalidOperation, ValueError, ArithmeticError):
        return None


def _normalise(text: str, lex: Lexicon) -> NumberValue | None:
    matches = list(_WORDS.finditer(text))
    words = [m.group() for m in matches]
    gaps = [""] + [text[a.end() : b.start()] for a, b in zip(matches, matches[1:])]
    if not words:
        return None
    written = text.strip()
    rank = _rank(words, lex)
    if rank is not None:
        return NumberValue(type="rank", amount=rank, text=written)

    keys = [_key(w) for w in words]
    bound, i = "eq", 0
    for cue, name in lex.bounds:
        if tuple(keys[: len(cue)]) == cue and len(words) > len(cue):
            bound, i = name, len(cue)
            break

    # "dreimal", "3-mal": a count on its own.
    times = lex.times_re.match(words[i].lower())
    if times and i == len(words) - 1:
        value = _decimal(times["head"].rstrip("-"), lex)
        if value is None or value == 1:
            return None  # "einmal" is mostly an adverb (noch einmal, auf einmal)
        return _value("count", value, None, bound, written)

    currency = lex.prefix_currencies.get(keys[i]) if i < len(words) - 1 else None
    i += currency is not None

    # The number: digits, digits in space-separated groups of three, or a word.
    first = words[i]
    is_article = keys[i] in lex.articles
    value = Decimal(1) if is_article else _decimal(first, lex)
    if value is None:
        return None
    i += 1
    groups = [first]
    if re.fullmatch(r"[0-9]{1,3}", first):
        while i < len(words) and re.fullmatch(r"[0-9]{3}(?:,[0-9]+|,[-\u2013])?", words[i]) and len(gaps[i]) == 1:
            groups.append(words[i])
            i += 1
            if "," in words[i - 1]:
                break  # a decimal part ends the number
        value = _digits(" ".join(groups)) if len(groups) > 1 else value
    if value is None:
        return None
    year_like = len(groups) == 1 and bool(_YEAR.fullmatch(first)) and lex.years[0] <= int(first) <= lex.years[1]

    scale = None
    if i < len(words) and keys[i] in lex.scales:
        scale = lex.scales[keys[i]]
        value *= scale
        i += 1

    # What follows decides the type; a number with nothing after it is a count.
    kind, unit, tail = "count", currency, None
    if currency is not None:
        kind = "money"
    elif i < len(words):
        tail = keys[i]
        if tail in lex.currencies:
            kind, unit = "money", lex.currencies[tail]
        elif tail in lex.percent:
            kind = "percent"
        elif tail in lex.units:
            kind, unit = "quantity", lex.units[tail]
        elif tail != lex.times or is_article:  # "drei Mal" is a count, "ein Mal" is not
            return None
        i += 1
    if i != len(words):
        return None  # "$5 €", "5 Mio. Russland"
    if is_article and scale is None and kind != "percent":
        return None  # "ein Abkommen"
    if year_like and scale is None and tail is None and currency is None:
        return None  # "2017", "über 2000": a year unless a unit says otherwise
    return _value(kind, value, unit, bound, written)


def _value(kind: str, value: Decimal | None, unit: str | None, bound: str, text: str) -> NumberValue | None:
    amount = _finite(value)
    if amount is None:
        return None
    return NumberValue(type=kind, amount=amount, unit=unit, bound=bound, text=text)


# ------------------------------------------------------------------------- component


def _forms(keys: Iterable[str]) -> list[str]:
    """Lower-case token texts for a LOWER/IN pattern: with and without the period."""
    return sorted({form for k in keys for form in (k, k + ".")})


def _phrase(text: str) -> list[dict[str, Any]]:
    """A multi-word lexicon entry as token patterns, one word per token."""
    return [{"LOWER": {"IN": _forms([_key(w)])}} for w in text.split()]


def _bound_patterns(lex: Lexicon) -> list[list[dict[str, Any]]]:
    """The cues of a bound before an amount: any one-word cue (optional), or a multi-word one."""
    one_word_cues = [cue[0] for cue, _ in lex.bounds if len(cue) == 1]
    bounds = [[{"LOWER": {"IN": _forms(one_word_cues)}, "OP": "?"}]]
    return bounds + [_phrase(" ".join(cue)) for cue, _ in lex.bounds if len(cue) > 1]


def build_patterns(lex: Lexicon, bounds: bool = True) -> dict[str, list[list[dict[str, Any]]]]:
    """Matcher patterns generated from the lexicon: candidates, not decisions.

    With ``bounds=False`` the amounts leave out the bound cues before them; the
    component adds those after matching (:meth:`Quantities.candidates`), which proposes
    the same candidates at a fraction of the matcher's cost.
    """
    number = {"TEXT": {"REGEX": _NUMBER_TOKEN}}
    group = {"TEXT": {"REGEX": _GROUP_TOKEN}}
    thin = {"TEXT": {"IN": _THIN_SPACES}, "OP": "?"}  # "7\u00a0644" tokenises as 7, nbsp, 644
    word = {"LOWER": {"REGEX": lex.number_word_re.pattern}}
    # Optional single tokens take "?"; the matcher then proposes every reading
    # ("11,38", "11,38 Mrd.", "11,38 Mrd. USD") and the longest valid one wins.
    leads = _bound_patterns(lex) if bounds else [[]]
    prefix = {"LOWER": {"IN": _forms(lex.prefix_currencies)}, "OP": "?"}
    numbers = [[number], [word]] + [[number] + [thin, group] * n for n in (1, 2, 3)]
    scale = {"LOWER": {"IN": _forms(lex.scales)}, "OP": "?"}
    tail = {"LOWER": {"IN": _forms([*lex.currencies, *lex.units, *lex.percent, lex.times])}, "OP": "?"}
    amounts = [b + [prefix] + n + [scale, tail] for b, n in product(leads, numbers)]
    amounts += [b + [{"LOWER": {"REGEX": lex.times_re.pattern}}] for b in leads]

    ordinal = {"LOWER": {"REGEX": lex.ordinal_word_re.pattern}}
    place = {"LOWER": {"IN": _forms(lex.places)}}
    ranks = [
        [{"LOWER": {"REGEX": lex.rank_word_re.pattern}}],
        [ordinal, place],
        [{"LOWER": "an"}, ordinal, place],
        [{"TEXT": {"REGEX": _ORDINAL_DIGITS.pattern}}, place],
        [place, number],
        [place, word],
    ]
    false_positives = [_phrase(p) for p in lex.raw["false_positives"]]
    return {"AMOUNT": amounts, "RANK": ranks, "FALSE_POSITIVE": false_positives}


@dataclass(frozen=True)
class TokenTest:
    """One token of a Matcher pattern (its predicate, not its OP) as a test of a word.

    It is the getter of a lexeme flag (``Vocab.add_flag``), so it sees the word's text
    only: patterns test TEXT or LOWER, never context. Equal tests share one flag.
    """

    attr: str  # "TEXT" or "LOWER"
    op: str  # "REGEX", "IN" or "==" (a plain value)
    value: str | frozenset[str]

    @classmethod
    def of(cls, token: dict[str, Any]) -> "TokenTest":
        ((attr, value),) = ((k, v) for k, v in token.items() if k != "OP")
        if attr not in ("TEXT", "LOWER"):
            raise ValueError(f"a token test reads TEXT or LOWER, not {attr}")
        if not isinstance(value, dict):
            return cls(attr, "==", value)
        ((op, arg),) = value.items()
        if op not in ("REGEX", "IN"):
            raise ValueError(f"a token test is REGEX, IN or a value, not {op}")
        return cls(attr, op, arg if op == "REGEX" else frozenset(arg))

    @cached_property
    def _regex(self) -> re.Pattern:
        return re.compile(self.value)

    def __call__(self, orth: str) -> bool:
        text = orth.lower() if self.attr == "LOWER" else orth
        if self.op == "REGEX":
            return self._regex.search(text) is not None
        return text in self.value if self.op == "IN" else text == self.value


@dataclass(frozen=True)
class AnyTest:
    """Whether a word passes any of the tests: a flag for many at once."""

    tests: tuple[TokenTest, ...]

    @cached_property
    def _folded(self) -> dict[str, tuple[frozenset[str], re.Pattern | None]]:
        """Per attribute, the tests' words as one set and their expressions as one
        alternation (group names dropped, as they may repeat): a flag is computed for
        every new word of the vocabulary, and trying each test in turn cost more than
        all other lexeme attributes together."""
        folded = {}
        for attr in ("TEXT", "LOWER"):
            tests = [t for t in self.tests if t.attr == attr]
            words = frozenset(w for t in tests if t.op != "REGEX" for w in (t.value if t.op == "IN" else (t.value,)))
            regexes = [re.sub(r"\(\?P<\w+>", "(?:", t.value) for t in tests if t.op == "REGEX"]
            folded[attr] = (words, re.compile("|".join(f"(?:{r})" for r in regexes)) if regexes else None)
        return folded

    def __call__(self, orth: str) -> bool:
        for attr, (words, regex) in self._folded.items():
            text = orth.lower() if attr == "LOWER" else orth
            if text in words or (regex is not None and regex.search(text)):
                return True
        return False


class Quantities:
    """Finds numeric expressions and attaches their normalised value (see module doc)."""

    def __init__(
        self,
        nlp: Language,
        name: str = "extract_quantities",
        *,
        spans_key: str = "quantity",
        timex_key: str = "timex",
        lexicon_path: str | None = None,
    ) -> None:
        self.name = name
        self.vocab = nlp.vocab
        self.spans_key = spans_key
        self.timex_key = timex_key
        self._set_lexicon(load_lexicon(lexicon_path))

    def _set_lexicon(self, lexicon: Lexicon) -> None:
        """Compile the patterns of :func:`build_patterns`, in a form that is cheaper to run.

        Amounts are matched without their bound cues, which are added to every match
        after it; the cues and the false positives are phrases, every spelling of them a
        PhraseMatcher pattern (``self.phrases``). Together they find
        exactly what the full patterns find in one Matcher, in a fraction of the time:
        a Matcher pays for every pattern at every token.

        Every token of the patterns becomes a lexeme flag (see :class:`TokenTest`): the
        Matcher checks a flag in C, where it calls Python for a REGEX or IN predicate at
        every token, and a flag is computed once per word of the vocabulary.
        """
        self.lexicon = lexicon
        patterns = build_patterns(lexicon, bounds=False)
        found = [*patterns["AMOUNT"], *patterns["RANK"]]
        tests = sorted({TokenTest.of(t) for pattern in found for t in pattern}, key=repr)
        flags = {test: vocab_flag(self.vocab, test) for test in tests}

        def flagged(pattern: list[dict[str, Any]]) -> list[dict[Any, Any]]:
            return [{flags[TokenTest.of(t)]: True, **({"OP": t["OP"]} if "OP" in t else {})} for t in pattern]

        self.matcher = Matcher(self.vocab, validate=False)  # the pattern schema knows no flag ids
        self.matcher.add("AMOUNT", [flagged(p) for p in patterns["AMOUNT"]])
        self.matcher.add("RANK", [flagged(p) for p in patterns["RANK"]])
        self._amount = self.vocab.strings["AMOUNT"]
        self._known: dict[tuple[int, ...], list[tuple[int, int, int]]] = {}  # see _matches
        # Each pattern needs a number, a number word or a rank word: a REGEX token that
        # is not optional. Flags for these and for all tokens find where to match.
        required = [[TokenTest.of(t) for t in p if "OP" not in t] for p in found]
        assert all(any(t.op == "REGEX" for t in p) for p in required), "every pattern needs a required REGEX token"
        self._fits = vocab_flag(self.vocab, AnyTest(tuple(tests)))
        self._anchor = vocab_flag(self.vocab, AnyTest(tuple(t for t in tests if t.op == "REGEX" and any(t in p for p in required))))
        self.phrases = PhraseMatcher(self.vocab, attr="LOWER")
        self.phrases.add("BOUND", self._spellings(_bound_patterns(lexicon)))
        self.phrases.add("FALSE_POSITIVE", self._spellings(patterns["FALSE_POSITIVE"]))
        self._bound = self.vocab.strings["BOUND"]

    def _spellings(self, patterns: list[list[dict[str, Any]]]) -> list[Doc]:
        """Phrase patterns (a LOWER IN set per token) as PhraseMatcher docs, one per spelling."""
        return [
            Doc(self.vocab, words=list(words))
            for pattern in patterns
            for words in product(*(sorted(t["LOWER"]["IN"]) for t in pattern))
        ]

    def _windows(self, doc: Doc, dates: Container[int] = ()) -> list[tuple[int, int]]:
        """Token ranges that hold every match: runs of tokens that fit some pattern token,
        around a token that fits a required REGEX token (every pattern has one). Most
        tokens of a text fit none, and the matcher pays for every pattern at every token.
        A run whose required tokens all lie in ``dates`` is left out: each of its matches
        covers a date, so none can be a quantity.
        """
        windows: list[tuple[int, int]] = []
        for i in doc.to_array([self._anchor]).nonzero()[0].tolist():
            if i in dates or windows and i < windows[-1][1]:
                continue
            start, end = i, i + 1
            while start > 0 and doc[start - 1].check_flag(self._fits):
                start -= 1
            while end < len(doc) and doc[end].check_flag(self._fits):
                end += 1
            windows.append((start, end))
        return windows

    def _matches(self, window: Span) -> list[tuple[int, int, int]]:
        """The matcher's matches in a window. They depend on its words alone (the patterns
        test lexeme flags), and a few windows make most of a text's ("eine", "ein",
        "einer" alone): these are kept per words, where the matcher pays for every call."""
        words = tuple(token.orth for token in window)
        matches = self._known.get(words)
        if matches is None:
            matches = self.matcher(window)
            if len(self._known) < 10_000:  # the frequent ones come first; numbers are endless
                self._known[words] = matches
        return matches

    def candidates(self, doc: Doc, dates: Container[int] = ()) -> tuple[set[tuple[int, int]], set[int]]:
        """Token ranges the patterns propose, and the tokens false positives cover; where
        ``dates`` (token indices) are given, leaving out runs whose matches all cover one."""
        blocked: set[int] = set()
        cues: dict[int, list[int]] = {}  # token after a bound cue -> lengths of the cues
        for match_id, start, end in self.phrases(doc):
            if match_id == self._bound:
                cues.setdefault(end, []).append(end - start)
            else:
                blocked.update(range(start, end))
        found = set()
        for w, end in self._windows(doc, dates):
            for match_id, start, end in self._matches(Span(doc, w, end)):
                start, end = w + start, w + end
                found.add((start, end))
                if match_id == self._amount:  # "rund 900", "mehr als 11,38 Mrd. USD"
                    found.update((start - n, end) for n in cues.get(start, ()))
        return found, blocked

    def __call__(self, doc: Doc) -> Doc:
        dates = {i for span in doc.spans.get(self.timex_key, ()) for i in range(span.start, span.end)}
        candidates, blocked = self.candidates(doc, dates)
        blocked |= dates
        # Keep the longest valid candidates, then the earliest, as filter_spans would over
        # all valid ones; valuing in that order skips the many that a kept one overlaps.
        spans, taken = [], set()
        for start, end in sorted(candidates, key=lambda c: (c[1] - c[0], -c[0]), reverse=True):
            if start in taken or end - 1 in taken or not blocked.isdisjoint(range(start, end)):
                continue
            value = self.value(Span(doc, start, end))
            if value is not None:
                taken.update(range(start, end))
                span = Span(doc, start, end, label=value.type)
                span._.quantity = value
                spans.append(span)
        doc.spans[self.spans_key] = sorted(spans, key=lambda span: span.start)
        return doc

    def value(self, span: Span) -> NumberValue | None:
        """The span's value, or ``None`` where its context says it is no quantity."""
        doc, lex = span.doc, self.lexicon
        # The text first: its value is cached, and most candidates (a lone "eine") have
        # none, so their context is never read.
        text, last = span.text, span[-1]
        glued = _GLUED_PERIOD.match(last.text)
        value = normalise(text[:-1] if glued else text, lex)  # the sentence's period, not the number's
        if value is None:
            return None
        if glued and _ORDINAL_DIGITS.match(last.text) and not self._ends_sentence(last):
            return None  # die 21. Runde
        if span.start > 0 and _key(doc[span.start - 1].text) in lex.identifiers:
            return None  # Level 1, Teil 1, Expo 2017
        if span.end < len(doc) and _key(doc[span.end].text) in lex.not_before:
            return None  # 16 Uhr
        for token in span:
            if _YEAR.fullmatch(token.text) and token.i > 0 and _key(doc[token.i - 1].text) in lex.year_cues:
                return None  # im Jahr 2019, seit 2014 (Milliarden …)
        return value

    def _ends_sentence(self, token: Token) -> bool:
        """Whether "900." ends a sentence rather than being the ordinal "21."."""
        doc, lex = token.doc, self.lexicon
        before = doc[token.i - 1] if token.i > 0 else None
        after = doc[token.i + 1] if token.i + 1 < len(doc) else None
        if before is None or (before.is_space and "\n" in before.text):
            return False  # list numbering: "2. Zur Hauptnavigation"
        if _key(before.text) in lex.determiners:
            return False  # "die 21.", "am 11."
        return after is None or after.is_space or after.text in lex.starters

    # Serialisation: the lexicon travels with a saved pipeline.
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        with open(path / "lexicon.yaml", "w", encoding="utf-8") as f:
            yaml.safe_dump(self.lexicon.raw, f, allow_unicode=True, sort_keys=False)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "Quantities":
        self._set_lexicon(read_lexicon(ensure_path(path) / "lexicon.yaml"))
        return self


@Language.factory(
    "extract_quantities",
    assigns=["doc.spans"],
    default_config={"spans_key": "quantity", "timex_key": "timex", "lexicon_path": None},
)
def make_quantities(nlp: Language, name: str, spans_key: str, timex_key: str, lexicon_path: str | None) -> Quantities:
    return Quantities(nlp, name, spans_key=spans_key, timex_key=timex_key, lexicon_path=lexicon_path)
