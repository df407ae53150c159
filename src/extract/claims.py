"""Claim assembly: relation rules over entities, dates and quantities (spec §3).

Rules are data (``data/relations.yaml``): cue patterns per relation and what fills its
arguments. The component works sentence by sentence on what earlier stages left on the
Doc — ``doc.ents`` (ids in ``kb_id_``), ``doc.spans["timex"]`` and
``doc.spans["quantity"]`` — so it runs the same with or without a trained model; where a
dependency parse exists, sentence boundaries come from it.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy
from spacy.attrs import IDX, LENGTH, SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from .extensions import doc_text
from .lexicon import lemma_lookup, load_data
from .models import SYMMETRIC, Claim, DateValue, Entity, Evidence, NumberValue, TextValue
from .patterns import CueIndex, finder, for_lowered, literal_starts, lower_case_only, lowered

_POSSESSIVES = {"sein", "seine", "seinem", "seinen", "seiner", "seines", "ihr", "ihre", "ihrem", "ihren", "ihrer", "ihres", "dessen", "deren", "unser", "unsere", "unserem", "unseren"}
_DETERMINERS = {"der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "einer", "eines"}
_CLAUSE_END = {".", ";", ":", "!", "?", "(", ")", "–", "—", "\n"}
_PREPOSITIONS = {"mit", "zu", "zur", "zum", "zwischen", "nach", "aus", "gegen", "in", "im", "über", "durch", "von", "vom",
                 "für", "bei", "gegenüber", "an", "am", "auf"}
_NUMERIC = {"money", "percent", "quantity", "count", "rank"}
_ZU_INFINITIVE = re.compile(r"[a-zäöü]{2,}zu[a-zäöüß]{2,}(en|ern|eln)")  # freizugeben, zurückzuziehen
_NAMING = {"bezeichnung", "namen", "namens", "genannt", "titel", "name", "motto", "codename"}
_LOCATIVE = {"in", "im", "auf", "am", "bei", "aus"}
_CUT = re.compile(r"[;:]")
_STATE_ID = re.compile(r"[A-Z]{3}")  # a state's id (ISO 3166-1 alpha-3), among a span's ids
# an organisation named for its members (EAWU-Staaten, NATO-Mitglieder): a group of states
_GROUP_NAME = re.compile(r"-(staaten|mitglieder|länder|partner)\w*$", re.IGNORECASE)
# a report that names its source (laut X, X zufolge), not a verb of saying: it attributes a speech act
_ATTRIBUTION = re.compile(r"laut|zufolge|nach angaben", re.IGNORECASE)
_QUOTED = re.compile(r"[„\"»‚']([^“\"«‘']{2,80})[“\"«‘']")


def _rx(patterns) -> re.Pattern | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE) if patterns else None


class Cues:
    """A relation's cue patterns, tried on every clause of every document: written in
    lower case, run on lowered text (``extract.patterns``). ``starts`` are their literal
    beginnings, where every pattern has some."""

    def __init__(self, patterns: list[str]):
        uppercase = [p for p in patterns if not lower_case_only(p)]
        if uppercase:
            raise ValueError(f"cue patterns are matched against lowered text; write them in lower case: {uppercase}")
        self.pattern = re.compile("|".join(f"(?:{p})" for p in patterns))
        starts = [literal_starts(p) for p in patterns]
        self.starts = sorted({s for found in starts for s in found}) if all(starts) else None


@dataclass
class Rule:
    relation: str
    cues: Cues
    actor: tuple[str, ...]
    partner: tuple[str, ...] = ()
    partner_preps: tuple[str, ...] = ()
    value: str = "none"
    value_types: tuple[str, ...] = ()
    value_preps: tuple[str, ...] = ()
    unit: str | None = None
    text_nouns: re.Pattern | None = None
    every_actor: bool = False
    needs_value: bool = False
    per_value: bool = False
    implicit: bool = False
    actor_where: bool = False
    actor_preps: tuple[str, ...] = ()
    prefer: tuple[str, ...] = ()
    speech: bool = False
    infinitive: re.Pattern | None = None
    skip_if: re.Pattern | None = None
    date_roles: tuple[str, ...] = ()
    free_preps: tuple[str, ...] = ()
    not_objects: re.Pattern | None = None
    count_min: float = 0
    value_window: int = 0
    count_of: re.Pattern | None = None
    standalone: bool = False
    negative_cues: re.Pattern | None = None
    qualifiers: dict = field(default_factory=dict)
    confidence: float = 0.5

    @classmethod
    def from_config(cls, relation: str, cfg: dict) -> "Rule":
        return cls(
            relation=relation,
            cues=Cues(cfg["cues"]),
            actor=tuple(cfg.get("actor", ())),
            partner=tuple(cfg.get("partner", ())),
            partner_preps=tuple(cfg.get("partner_preps", ())),
            value=cfg.get("value", "none"),
            value_types=tuple(cfg.get("value_types", ())),
            value_preps=tuple(cfg.get("value_preps", ())),
            unit=cfg.get("unit"),
            text_nouns=re.compile(cfg["text_nouns"], re.IGNORECASE) if cfg.get("text_nouns") else None,
            every_actor=cfg.get("every_actor", False),
            needs_value=cfg.get("needs_value", False),
            per_value=cfg.get("per_value", False),
            implicit=cfg.get("implicit", False),
            actor_where=cfg.get("actor_where", False),
            actor_preps=tuple(cfg.get("actor_preps", ())),
            prefer=tuple(cfg.get("prefer", ())),
            speech=cfg.get("speech", False),
            infinitive=_rx(cfg.get("infinitive")),
            skip_if=_rx(cfg.get("skip_if")),
            date_roles=tuple(cfg.get("date_roles", ())),
            free_preps=tuple(cfg.get("free_preps", ())),
            not_objects=_rx(cfg.get("not_objects")),
            count_min=cfg.get("count_min", 0),
            value_window=cfg.get("value_window", 0),
            count_of=re.compile(cfg["count_of"], re.IGNORECASE) if cfg.get("count_of") else None,
            standalone=cfg.get("standalone", False),
            negative_cues=_rx(cfg.get("negative_cues")),
            qualifiers={k: ({re.compile(p, re.IGNORECASE): v for p, v in spec.items()} if isinstance(spec, dict) else spec)
                        for k, spec in cfg.get("qualifiers", {}).items()},
            confidence=cfg.get("confidence", 0.5),
        )


@dataclass
class Mention:
    span: Span | None  # None: the document's topic, implied rather than named here
    label: str
    id: str
    prep: str | None  # the preposition right before it, if any
    text: str = ""  # the span's text; for an implied mention, a name of what it stands for
    subject: bool = False  # the clause's subject, where a parse says so

    def __post_init__(self):
        if not self.text and self.span is not None:
            self.text = self.span.text

    def entity(self) -> Entity:
        return _entity(self.id, self.label, self.text)


@lru_cache(maxsize=4096)
def _entity(id: str, type: str, text: str) -> Entity:
    """An entity of a claim. The models are immutable, and the same names come back in
    clause after clause and document after document: each is validated once."""
    return Entity(id=id, type=type, text=text)


class DocIndex:
    """What every clause of a document looks up, gathered once per document (asking the
    Doc each time rebuilds its entities and scans its annotations)."""

    def __init__(self, doc: Doc):
        self.doc = doc
        self.ents = _Positioned(list(doc.ents))
        # Normalised dates and numbers only, each value read once: an extension attribute
        # is a lookup through spaCy's Underscore object on every access.
        timexes = [(s, s._.timex) for s in doc.spans.get("timex", [])]
        quantities = [(s, s._.quantity) for s in doc.spans.get("quantity", [])]
        self.timexes = _Positioned([s for s, value in timexes if value])
        self.quantities = _Positioned([s for s, value in quantities if value])
        self._values = {id(s): value for s, value in timexes + quantities if value}  # the spans above are kept alive here
        self.parsed = doc.has_annotation("DEP")
        self.doc_id = doc._.doc_id or ""
        self.text = doc_text(doc)
        self.lower = lowered(self.text)
        self.starts, lengths = doc.to_array([IDX, LENGTH]).T.tolist() if len(doc) else ([], [])
        self.ends = [a + n for a, n in zip(self.starts, lengths)]  # each token's end (character offset)
        self.paren_at: dict[int, int | None] = {}

    def token_at(self, char: int, span: Span) -> int:
        """The token of ``span`` at a character offset of the document (the next one in
        whitespace, the last at the end)."""
        return min(max(bisect_right(self.ends, char), span.start), span.end - 1)

    def word(self, i: int) -> str:
        """Token ``i``'s text, without making a Token."""
        return self.text[self.starts[i]:self.ends[i]]

    def slice_text(self, a: int, b: int) -> str:
        """``doc[a:b].text`` (0 <= a), without making the Span and its Tokens."""
        b = min(b, len(self.ends))
        return self.text[self.starts[a]:self.ends[b - 1]] if a < b else ""

    def negated(self, negation: re.Pattern, tokens: tuple[int, int]) -> bool:
        """Whether ``negation`` occurs in the token range (on lowered text, as ``Sentence.search``)."""
        a, b = tokens
        b = min(b, len(self.ends))
        if a >= b:
            return False
        find, lower = finder(negation)
        return bool(find.search((self.lower if lower else self.text)[self.starts[a]:self.ends[b - 1]]))

    def value(self, span: Span) -> DateValue | NumberValue:
        """``span._.timex`` or ``span._.quantity`` of one of the index's own spans."""
        return self._values[id(span)]

    def lower_of(self, span: Span) -> str:
        return self.lower[span.start_char:span.end_char]

    def parens(self, i: int) -> int | None:
        """Where the parenthesis enclosing token ``i`` opens, if it stands inside one;
        worked out once per token."""
        if i not in self.paren_at:
            self.paren_at[i] = self._enclosing_paren(i)
        return self.paren_at[i]

    def _enclosing_paren(self, i: int, reach: int = 40) -> int | None:
        depth, word = 0, self.word
        for j in range(i - 1, max(-1, i - reach), -1):
            w = word(j)
            if w == ")":
                depth += 1
            elif w == "(":
                if depth == 0:
                    close = next((k for k in range(i, min(len(self.ends), i + reach)) if word(k) in {")", "(", "\n"}), None)
                    return j if close is not None and word(close) == ")" else None
                depth -= 1
            elif "\n" in w:
                break  # a parenthesis does not span lines
        return None


class _Positioned:
    """Spans of one kind, found by position rather than by a scan of them all."""

    def __init__(self, spans: list[Span]):
        self.spans = spans
        self.order = sorted(range(len(spans)), key=lambda k: spans[k].start)
        self.starts = [spans[k].start for k in self.order]

    def within(self, outer: Span) -> list[Span]:
        """The spans inside ``outer``, in their own order."""
        lo, hi = bisect_left(self.starts, outer.start), bisect_left(self.starts, outer.end)
        return [self.spans[k] for k in sorted(self.order[lo:hi]) if self.spans[k].end <= outer.end]


class Sentence:
    """What one sentence offers a rule: its mentions, dates and numbers."""

    def __init__(self, sent: Span, prepositions: set[str], shared: "DocIndex | None" = None, sentence: Span | None = None):
        self.span = sent
        self.sentence = sentence if sentence is not None else sent.sent  # the whole sentence a clause is of
        doc = sent.doc
        shared = shared or DocIndex(doc)
        self.shared = shared
        self.text = shared.text[sent.start_char:sent.end_char]
        self.lower = shared.lower[sent.start_char:sent.end_char]
        self.prepositions = prepositions
        self._cues: dict[str, list[re.Match]] = {}
        self._searched: dict[re.Pattern, re.Match | None] = {}
        self._boundaries: dict[bool, list[int]] = {}
        # Where the patterns of the document's CueIndex (``indexed``) may begin in the clause;
        # None: not known, search the clause.
        self.cue_starts: dict[str | re.Pattern, list[int] | None] | None = None
        self.indexed: frozenset = frozenset()
        self.cues: dict[str, list[tuple[int, str]]] = {}  # value kind → (token, relation) of every cue

    # Most clauses hold no cue and are never asked for more than their text.

    @cached_property
    def mentions(self) -> list[Mention]:
        mentions = []
        for ent in self.shared.ents.within(self.span):
            if not ent.kb_id_ or ent.label_ not in ("COUNTRY", "ORG", "PER", "LOC"):
                continue
            if self.shared.parsed:  # de_core_news_lg: the dependency parse (TIGER labels) says it
                prep, subject = _parsed_role(ent, self.prepositions)
            else:  # the embedded pipeline: the words around it
                prep, subject = _preceding_word(self.span.doc, ent.start, self.prepositions), False
            text = self.shared.text[ent.start_char:ent.end_char]  # ent.text makes a Token per word
            mentions.append(Mention(ent, ent.label_, ent.kb_id_, prep, text, subject=subject))
        return mentions

    @cached_property
    def timexes(self) -> list[Span]:
        return self.shared.timexes.within(self.span)

    @cached_property
    def quantities(self) -> list[Span]:
        return self.shared.quantities.within(self.span)

    @cached_property
    def previous(self) -> Span | None:
        """The sentence before the clause's sentence (None for the first), which "dort" and
        "hierfür" refer back to."""
        start = self.sentence.start
        return self.span.doc[start - 1].sent if start > 0 else None

    @cached_property
    def evidence(self) -> Evidence:
        text = self.text.strip()
        start = self.span.start_char + (len(self.text) - len(self.text.lstrip()))
        return Evidence(start=start, end=start + len(text), text=text)

    def search(self, pattern: re.Pattern) -> re.Match | None:
        """``pattern.search`` in the clause's text (lowered, where the pattern allows);
        several rules ask the same."""
        if pattern not in self._searched:
            find, lower = finder(pattern)
            if lower and self.cue_starts is not None and find.pattern in self.indexed:
                found = self._find_cues(find.pattern, self.cue_starts.get(find.pattern, ()), first=True)
                self._searched[pattern] = found[0] if found else None
            else:
                self._searched[pattern] = find.search(self.lower if lower else self.text)
        return self._searched[pattern]

    def cue_matches(self, rule: "Rule") -> list[re.Match]:
        """The rule's cues in this clause (offsets as in ``text``)."""
        if rule.relation not in self._cues:
            self._cues[rule.relation] = self._find_cues(rule.cues.pattern, self.cue_starts.get(rule.relation, ())
                                                        if self.cue_starts is not None else None)
        return self._cues[rule.relation]

    def _find_cues(self, pattern: re.Pattern, starts: list[int] | None, first: bool = False) -> list[re.Match]:
        """What ``pattern.finditer`` finds in the lowered clause (the first only, with
        ``first``), tried only where a match may begin (``CueIndex``); every match begins
        at one of them."""
        if starts is None:
            return list(pattern.finditer(self.lower))
        found, end = [], 0
        for at in starts:
            if at >= end and (m := pattern.match(self.lower, at)):
                found.append(m)
                if first:
                    break
                end = m.end()
        return found

    def cue(self, rule: "Rule") -> re.Match | None:
        """The rule's first cue in this clause."""
        return next(iter(self.cue_matches(rule)), None)

    def segment(self, i: int, clauses_only: bool = False) -> tuple[int, int]:
        """The stretch of the clause around token ``i`` up to the nearest subordinate-clause
        boundaries (a comma before dass/weil/…, a relative pronoun; unless ``clauses_only``,
        also a dash, a colon or a bracket)."""
        if clauses_only not in self._boundaries:  # found once per clause, from its text
            doc, stops, found = self.span.doc, _CLAUSE_STOPS if clauses_only else _SEGMENT_STOPS, set()
            for m in _BOUNDARY_MARKS.finditer(self.text):
                j = self.token_at(m.start())
                word = self.shared.word(j)
                if word in stops or (word == "," and j + 1 < self.span.end and doc[j + 1].lower_ in _SUBORDINATE_OPENERS):
                    found.add(j)
            self._boundaries[clauses_only] = sorted(found)
        bounds, first, end = self._boundaries[clauses_only], self.span.start, self.span.end
        before, after = bisect_left(bounds, i), bisect_left(bounds, i + 1)
        start = i if i <= first else (bounds[before - 1] + 1 if before else first)
        stop = i + 1 if i + 1 >= end else (bounds[after] if after < len(bounds) else end)
        return start, stop

    def token_at(self, char: int) -> int:
        """Index (in the doc) of the token at a character offset of the sentence text."""
        return self.shared.token_at(self.span.start_char + char, self.span)


def _parsed_role(ent: Span, prepositions: set[str]) -> tuple[str | None, bool]:
    """A mention's preposition and whether it is a subject, from a TIGER dependency parse.

    The noun of a prepositional phrase hangs from its preposition as ``nk``; an
    adjective (russische Soldaten) takes its noun's place; a subject is ``sb``.
    """
    root = ent.root
    while root.dep_ in ("nk", "pnc", "ag", "app", "cj") and root.head is not root and root.head.pos_ not in ("ADP",) \
            and root.head.pos_ in ("NOUN", "PROPN", "ADJ", "X"):
        root = root.head  # from a name or adjective up to the noun phrase's head
    head = root.head
    prep = head.lower_ if head is not root and head.pos_ == "ADP" and head.lower_ in prepositions else None
    return prep, root.dep_ in ("sb", "sbp")


def _preceding_word(doc: Doc, i: int, prepositions: set[str]) -> str | None:
    """The preposition governing the noun phrase a mention at ``i`` heads or ends.

    Passes back over articles, possessives, adjectives, other mentions and a role noun
    ("mit seinem ukrainischen Amtskollegen Volodymyr Selenskyj" → mit), stopping at
    punctuation or anything verb-like.
    """
    j, nouns = i - 1, 0
    while j >= 0 and i - j <= 6:
        t = doc[j]
        low = t.lower_
        if low in prepositions:
            return low
        if t.is_punct or t.is_space or t.like_num or _verbish(t):
            return None
        if t.ent_type_ and not t.is_lower:
            return None  # another named thing stands between: the preposition is its own
        if low in _DETERMINERS or low in _POSSESSIVES or t.ent_type_:
            j -= 1
            continue
        if t.is_lower and low.endswith(("e", "en", "er", "es", "em")):
            j -= 1  # an adjective
            continue
        if t.is_title and nouns == 0 and not t.ent_type_:
            nouns += 1  # one role noun (Präsidenten, Amtskollegen, Hauptstadt)
            j -= 1
            continue
        return None
    return None


def _fold(found: dict[str, Claim], in_quote: dict[str, bool], blank: dict, into, folded) -> None:
    """Fold each claim ``folded`` accepts into one ``into`` accepts that says the same
    once the fields in ``blank`` are blanked: one claim, the evidence of both in document
    order; in a pull quote only if both are."""
    targets = {_key(c.model_copy(update=blank)): k for k, c in found.items() if into(c)}
    for k, c in list(found.items()):
        other = targets.get(k) if folded(c) else None
        if other is not None and other in found:
            kept = found[other]
            evidence = {(e.start, e.end): e for e in kept.evidence + c.evidence}
            found[other] = kept.model_copy(update={"evidence": sorted(evidence.values(), key=lambda e: e.start)})
            in_quote[other] = in_quote[other] and in_quote[k]
            del found[k]


def _claim(rule: Rule, ctx: Sentence, actor: Entity, **fields) -> Claim:
    """A claim the rule found in the clause, with its document, relation, the clause as
    evidence and the rule's confidence."""
    return Claim(claim_id="", doc_id=ctx.shared.doc_id, relation=rule.relation, actor=actor, evidence=[ctx.evidence],
                 confidence=rule.confidence, **fields)


def _distance(span: Span | None, cue: int) -> int:
    if span is None:
        return 10_000
    return 0 if span.start <= cue < span.end else min(abs(span.start - cue), abs(span.end - 1 - cue))


def _clauses(sent: Span, shared: DocIndex) -> list[Span]:
    """A sentence cut at semicolons (and colons before a capital): each part states its own facts."""
    doc, cuts = sent.doc, []
    for m in _CUT.finditer(shared.text, sent.start_char, sent.end_char):
        t = doc[shared.token_at(m.start(), sent)]
        if t.text == ";" or (t.text == ":" and t.i + 1 < sent.end and doc[t.i + 1].is_title):
            cuts.append(t.i)
    if not cuts:
        return [sent]
    bounds = [sent.start, *[c + 1 for c in cuts], sent.end]
    return [Span(doc, a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def _state_of(m: Mention) -> str | None:
    """The state a mention stands for or lies in (Astana → KAZ, St. Petersburg → RUS)."""
    if m.label == "COUNTRY":
        return m.id
    if m.label == "LOC":
        ids = m.span._.ids if m.span is not None and m.span.has_extension("ids") else None
        for i in ids or ():
            if _STATE_ID.fullmatch(i):
                return i
        return _place_states().get(m.id)
    return None


@lru_cache(maxsize=1)
def _place_states() -> dict[str, str]:
    """Which state each place of the registry lies in (Almaty → KAZ)."""
    return {r["id"]: r["country"] for r in load_data("places.jsonl") if r.get("country")}


def topics_of(shared: DocIndex) -> list[Mention]:
    """The states a document is about, most salient first (at most two).

    Country profiles leave their subject implicit ("ist Russland größter Handelspartner" —
    of the country the page is about), and a bilateral page its second state ("das
    bilaterale Handelsvolumen"), so rules that need a state fall back to these.
    """
    counts: dict[str, float] = {}
    first: dict[str, Span] = {}
    names: dict[str, str] = {}  # each id's first name as a noun (Russland, not russischen or Russlands)
    doc, full = shared.doc, shared.text
    for ent in shared.ents.spans:
        kb = ent.kb_id_
        if kb not in names:
            text = full[ent.start_char:ent.end_char]  # ent.text makes a Token per word
            if text[:1].isupper() and not text.endswith("s"):
                names[kb] = text
        if ent.label_ == "COUNTRY" and kb:
            # a state the text talks about is its subject; one it only relates to stands
            # after prepositions (mit Russland, gegen Russland)
            weight = 0.3 if _preceding_word(doc, ent.start, _PREPOSITIONS) else 1.0
            counts[kb] = counts.get(kb, 0) + weight
            first.setdefault(kb, ent)
    ranked = sorted(counts, key=lambda k: (-counts[k], first[k].start))[:2]
    return [Mention(None, "COUNTRY", k, None, names.get(k) or full[first[k].start_char:first[k].end_char]) for k in ranked]


class ClaimAssembler:
    def __init__(self, nlp: Language, name: str = "extract_claims", *, rules: str = "relations.yaml"):
        self.name = name
        cfg = load_data(rules)
        self.rules = [Rule.from_config(rel, spec) for rel, spec in cfg["relations"].items()]
        self.modality = [(m, _rx(p)) for m, p in cfg["modality"].items()]
        self.modality_named = dict(self.modality)
        self.negation = _rx(cfg["negation"])
        self.prepositions = set(cfg["prepositions"])
        self.date_ignore = {w.lower() for w in cfg.get("date_ignore", [])}
        self.object_end = _rx(cfg.get("object_end"))
        self.presence = {k: re.compile(v) for k, v in cfg["relations"]["military_presence"]["nouns"].items()}
        self.number_words = set(cfg.get("number_words", []))
        self.signing = _rx(cfg["relations"]["agreement"]["signing"])
        self.person_states = {r["id"]: r.get("country") for r in load_data("persons.jsonl")}
        self.government = re.compile(cfg.get("government", "^regierung$"), re.IGNORECASE)
        self.leaving = re.compile(cfg["relations"]["member_of"].get("leaving", "$^"), re.IGNORECASE)
        self.joining = re.compile(cfg["relations"]["member_of"].get("joining", "$^"), re.IGNORECASE)
        self.population_nouns = re.compile(cfg.get("population_nouns", "bevölkerung"))
        self.anaphoric = _rx(cfg.get("anaphoric", [r"\bhierfür\b"]))
        self.date_anaphora = _rx(cfg.get("date_anaphora", [r"\bdort\b"]))
        events = cfg["relations"]["hosts_event"]
        self.event_nouns = re.compile(events["event_nouns"])
        # the token patterns above, loosened to find in a clause's text whether any may match
        loose = lambda *ps: re.compile("|".join(p.replace("^", "").replace("$", "") for p in ps))  # noqa: E731
        presence = cfg["relations"]["military_presence"]["nouns"]
        self.noun_cues = {"hosts_event": loose(events["event_nouns"]),
                          "military_presence": loose(presence["troops"], presence["facilities"])}
        self.institutional = re.compile(events["institutional"])
        self.venue_cues = _rx(events.get("venue_cues"))
        cues = {r.relation: r.cues.starts for r in self.rules} | {
            f"noun:{k}": literal_starts(v.pattern) for k, v in self.noun_cues.items()}
        self.cue_kinds = frozenset(cues)
        # The patterns clauses are searched for (Sentence.search) go into the same scan,
        # where they have sure beginnings.
        searched = [self.anaphoric, self.date_anaphora, self.venue_cues, self.signing, *(p for _, p in self.modality),
                    *(p for r in self.rules for p in (r.skip_if, r.negative_cues))]
        lowered_patterns = {fast for p in searched if p is not None and (fast := for_lowered(p)) is not None}
        self.cue_index = CueIndex(cues | {p: starts for p in lowered_patterns if (starts := literal_starts(p.pattern))})

    def __call__(self, doc: Doc) -> Doc:
        found: dict[str, Claim] = {}
        shared = DocIndex(doc)
        topics = topics_of(shared)
        positions = self.cue_index.positions(shared.lower)
        quotes = [(s.start_char, s.end_char) for s in doc.spans.get("pull_quote", [])]
        in_quote: dict[str, bool] = {}
        cued_sentences = self._cued_sentences(shared, positions)
        for sentence, sent in ((sentence, unit) for sentence in cued_sentences for unit in _clauses(sentence, shared)):
            if not self.cue_index.holds(positions, sent.start_char, sent.end_char, self.cue_kinds):
                continue  # no cue can begin in the clause
            here = self.cue_index.within(positions, sent.start_char, sent.end_char)
            ctx = Sentence(sent, self.prepositions, shared, sentence)
            if not ctx.text.strip():
                continue
            ctx.cue_starts, ctx.indexed = here, self.cue_index.kinds
            nouns = [relation for relation, nouns in self.noun_cues.items()
                     if f"noun:{relation}" in here and nouns.search(ctx.lower)]
            if not nouns and not any(rule.relation in here and ctx.cue_matches(rule) for rule in self.rules):
                continue  # no cue of any relation in the clause: nothing to assemble
            # a clause that names no one speaks only through an anaphoric "hierfür"
            anaphoric = bool(ctx.search(self.anaphoric))
            rules = self.rules if ctx.mentions else [
                r for r in self.rules if r.standalone or (r.relation == "agreement" and anaphoric)]
            if not rules:
                continue
            cued = set()
            for rule in rules:
                if rule.relation not in here:
                    continue
                for m in ctx.cue_matches(rule):
                    ctx.cues.setdefault(rule.value, []).append((ctx.token_at(m.start()), rule.relation))
                    cued.add(rule.relation)
            cued.update(nouns)  # nouns that make a claim without a verb cue
            quoted = any(a <= sent.start_char and sent.end_char <= b + 1 for a, b in quotes)
            for rule in rules:
                if rule.relation not in cued:
                    continue  # no cue of this relation in the clause: nothing to assemble
                for claim in self._apply(rule, ctx, doc, topics, found):
                    key = _key(claim)
                    if key in found:
                        old = found[key]
                        if all(e.start != claim.evidence[0].start for e in old.evidence):
                            found[key] = old.model_copy(update={"evidence": old.evidence + claim.evidence})
                        in_quote[key] = in_quote[key] and quoted
                    else:
                        found[key] = claim
                        in_quote[key] = quoted
        # An exercise first named without its name and time is the one named later.
        _fold(found, in_quote, {"date": None, "value": None},
              into=lambda c: c.relation == "military_exercise" and c.value is not None,
              folded=lambda c: c.relation == "military_exercise" and c.value is None)
        # The same fact stated once with its date and once without is one claim.
        _fold(found, in_quote, {"date": None}, into=lambda c: c.date is not None, folded=lambda c: c.date is None)
        # A fact found only in a pull quote is left to the body text that states it.
        doc._.claims = [c for k, c in found.items() if not in_quote[k]]
        return doc

    def _cued_sentences(self, shared: DocIndex, positions: list[tuple[int, frozenset]]) -> Iterator[Span]:
        """The sentences in which a cue may begin, in order: found from where cues begin,
        rather than by making every sentence's Span and asking it."""
        doc = shared.doc
        if not self.cue_index.anywhere.isdisjoint(self.cue_kinds) or not doc.has_annotation("SENT_START"):
            yield from doc.sents  # a cue may begin anywhere (or spaCy's own error: a Doc without sentences)
            return
        starts = [0, *(numpy.flatnonzero(doc.to_array(SENT_START)[1:] == 1) + 1).tolist(), len(doc)]
        last = -1
        for at, kinds in positions:
            if kinds.isdisjoint(self.cue_kinds):
                continue
            k = bisect_right(starts, bisect_right(shared.ends, at)) - 1
            if k > last and starts[k] < len(doc):
                last = k
                yield Span(doc, starts[k], starts[k + 1])

    # ------------------------------------------------------------------ one rule

    def _apply(self, rule: Rule, ctx: Sentence, doc: Doc, topics: list[Mention], found_so_far: dict) -> list[Claim]:
        topic = topics[0] if topics else None
        if rule.skip_if is not None and ctx.search(rule.skip_if):
            return []
        if rule.speech:
            return self._speech(rule, ctx, doc, topic)
        if rule.relation == "hosts_event":
            return self._events(rule, ctx, doc)
        if rule.relation == "military_presence":
            return self._presence(rule, ctx, doc)
        if rule.relation == "agreement":
            return self._agreements(rule, ctx, doc, found_so_far, topic)
        if rule.relation == "member_of":
            return self._memberships(rule, ctx, doc, topic, found_so_far)
        if rule.relation == "military_exercise":
            return self._exercises(rule, ctx, doc, topic, found_so_far)
        match = ctx.cue(rule)
        if not match:
            return []
        cue = ctx.token_at(match.start())
        modality, attributed = self._modality(rule, ctx, doc)
        polarity = "negative" if self._negative(rule, ctx, cue) else "positive"

        named = {m.id for m in ctx.mentions}
        sides = _between(ctx, cue) if rule.relation in SYMMETRIC and rule.partner else None
        if sides and len({m.id for m in ctx.mentions if m.label == "PER"}) >= 2 and \
                not all(m.label == "PER" for side in sides for m in side):
            sides = None  # two named persons meeting outrank "zwischen X und kasachischen Vertretern"
        pair = _compound_pair(ctx) if rule.relation in SYMMETRIC else None

        claims = []
        for value, value_span in self._values(rule, ctx, cue):
            if rule.needs_value and value is None:
                continue
            if isinstance(value, Entity) and value_span is not None:
                # "dem Netzwerk deutscher Partnerschulen PASCH": deutscher modifies the organisation
                taken_mods = {id(m.span) for m in ctx.mentions
                              if value_span.start - 4 <= m.span.end <= value_span.start and m.text[:1].islower()
                              and not any(_verbish(t) or t.is_punct for t in ctx.span.doc[m.span.end:value_span.start])}
            else:
                taken_mods = set()
            # With one claim per value, the value's own position anchors its arguments.
            anchor = value_span.start if rule.per_value and value_span is not None else cue
            taken = ({id(value_span)} if value_span is not None else set()) | taken_mods
            if sides:
                date, qualifiers = self._date(ctx, anchor), self._qualifiers(rule, ctx)
                for a in sides[0]:
                    for b in sides[1]:
                        if a.id != b.id:
                            claims.append(_claim(
                                rule, ctx, a.entity(), partner=b.entity(), value=value, date=date,
                                qualifiers=qualifiers, modality=modality, polarity=polarity, attributed_to=attributed))
                continue
            if pair:  # "der deutsch-usbekische Handel": both states in one word
                actors, partners = [pair[0]], [pair[1]]
            elif rule.implicit and rule.partner and topic is not None and (
                    topic.id not in named or (rule.per_value and rule.value in ("money", "percent") and not rule.actor_preps
                                              and _near_state(ctx, anchor, topic.id))):
                # The state the text is about goes unnamed (or only ranks the figure's partner:
                # "größter Handelspartner Usbekistans, gefolgt von China (8,9 Mrd.)"): the
                # state named with the figure is its partner, unless a preposition marks it as
                # the actor (Importe nach Deutschland).
                # The state the text is about goes unnamed: the named one is its partner,
                # unless a preposition marks it as the actor (Importe nach Deutschland).
                marked = [m for m in ctx.mentions if m.prep in rule.actor_preps and m.label in rule.actor
                          and id(m.span) not in taken]
                if marked:
                    actors, partners = self._rank(rule, marked, anchor)[:1], [topic]
                else:
                    actors = [topic]
                    partners = self._partners(rule, ctx, anchor, taken)
            elif rule.relation == "trade_partner_rank":
                actors, partners = self._ranked(ctx, taken, anchor)
            elif rule.relation in SYMMETRIC and rule.prefer[:1] == ("PER",) and \
                    len(persons := _unique(sorted((m for m in ctx.mentions if m.label == "PER"),
                                                  key=lambda m: _distance(m.span, anchor)))) >= 2:
                actors, partners = persons[:1], persons[1:2]  # two named persons meet, whatever their cases
            else:
                actors = self._actors(rule, ctx, anchor, taken)
                if rule.every_actor:
                    actors = _unique(actors + self._group(ctx, cue, found_so_far, value))
                else:
                    actors = actors[:1]
                partners = self._partners(rule, ctx, anchor, taken | {id(m.span) for m in actors})
                partners = [m for m in partners if m.id not in {a.id for a in actors}]
            if rule.implicit and topics:
                ids = {m.id for m in actors} | {m.id for m in partners}
                named_states = {m.id for m in ctx.mentions if m.label == "COUNTRY"}
                # the second state of a bilateral text only where the first is the one named
                spare = [t for t in topics[: 2 if named_states == {topics[0].id} else 1] if t.id not in ids]
                if rule.partner and not partners and ctx.search(self.anaphoric):
                    # "auf diesen Routen": the states of the sentence before
                    spare = [m for m in self._previous_states(ctx) if m.id not in ids] + spare
                if not actors and spare:
                    actors = spare[:1]
                elif rule.partner and not partners and spare:
                    partners = spare[:1]
            if not actors:
                continue
            if attributed is not None and len(actors) > 1:  # the source is not the one acting
                actors = [m for m in actors if m.id != attributed.id]
            if not rule.every_actor:
                actors = actors[:1]
            partners = partners[:1]
            if not rule.partner:
                partners = []
            date = self._date(ctx, anchor, numeric=rule.value in _NUMERIC)
            qualifiers = self._qualifiers(rule, ctx)
            if rule.relation == "visit" and (place := next(
                    (m.id for m in ctx.mentions if m.label == "LOC" and m.span is value_span), None)):
                qualifiers["place"] = place  # the city visited, which ``_values`` gave as its state
            for actor in actors:
                if rule.every_actor and actor.span is not None and len(actors) > 1:
                    # coordinated members may sit in another (relative) clause than the date
                    date = self._date(ctx, anchor, numeric=rule.value in _NUMERIC,
                                      segment=ctx.segment(actor.span.start, clauses_only=True))
                if date is not None and rule.date_roles and date.role not in rule.date_roles:
                    date = None  # a membership dates from when it began, not from any date nearby
                for partner in partners or [None]:
                    if partner is not None and partner.id == actor.id:
                        continue
                    if rule.partner and partner is None and (rule.relation in SYMMETRIC or rule.implicit):
                        continue
                    claims.append(_claim(
                        rule, ctx, actor.entity(), partner=partner.entity() if partner else None, value=value,
                        date=date, qualifiers=qualifiers, modality=modality, polarity=polarity,
                        attributed_to=attributed))
        return claims


    # ------------------------------------------------------------------ speech acts

    def _speech(self, rule: Rule, ctx: Sentence, doc: Doc, topic: Mention | None = None) -> list[Claim]:
        """Stances and requests: every cue in the clause is its own act of speaking.

        Each cue gets the segment of the clause it stands in (cut at subordinate
        clauses); its speaker is the subject there: before the cue, after it in a
        verb-second clause (Im Oktober forderte Astana Kiew auf), a pronoun's person, a
        government's state; its object is the phrase it governs; each state the object
        names is a claim of its own.
        """
        claims = []
        reported, attributed, attribution = None, None, (0, 0)
        for name, pattern in self.modality:
            m = ctx.search(pattern) if name == "reported" else None
            if m and _ATTRIBUTION.search(m.group(0)):
                reported, attributed = "reported", self._source(ctx, m)
                cue_at = ctx.token_at(m.start())
                src = [x for x in ctx.mentions if attributed and x.id == attributed.id]
                attribution = (min([cue_at] + [x.span.start for x in src]), max([cue_at + 1] + [x.span.end for x in src]))
        seen_spans: set[tuple[int, int]] = set()
        spans_done: list[int] = []  # where earlier cues of the clause ended
        previous: Mention | None = None  # the speaker of the clause's previous cue
        for match in ctx.cue_matches(rule):
            first, last = ctx.token_at(match.start()), ctx.token_at(max(match.end() - 1, match.start()))
            if (first, last) in seen_spans:
                continue
            seen_spans.add((first, last))
            seg_start, seg_end = ctx.segment(first)
            if previous is not None and first > ctx.span.start and doc[first - 1].lower_ in ("und", "sowie", "aber"):
                speaker = previous  # "verurteilte … und forderte Baku … auf": one subject, two verbs
            else:
                speaker = self._speaker(rule, ctx, first, last, seg_start, seg_end, attribution, topic)
            agent = _agent(ctx, first, seg_end, rule.actor) if doc[first].text[:1].isupper() else None
            if agent is not None:  # a nominal act: "die Anerkennung der Volksrepubliken durch Moskau"
                speaker, seg_end = agent, agent.span.start
            if speaker is None:
                continue
            previous = speaker
            infinitive = rule.relation == "request" or bool(rule.infinitive and rule.infinitive.search(match.group(0)))
            prior = [c for c in spans_done if c < first]
            obj = _object(ctx, first, last, max([seg_start] + prior), seg_end, speaker, infinitive, self.object_end)
            spans_done.append(last + 1)
            if obj is None:
                continue
            o_start, o_end = obj
            text = ctx.shared.slice_text(o_start, o_end).strip(" ,")
            if not text or (rule.not_objects is not None and rule.not_objects.search(text)):
                continue
            negative = bool(rule.negative_cues and rule.negative_cues.search(match.group(0))) or bool(
                ctx.shared.negated(self.negation, (max(seg_start, first - 3), min(seg_end, last + 3))))
            if infinitive:
                # the addressee (request) or the accused (vorwerfen) stands between speaker and content
                lo = min(first, speaker.span.end if speaker.span is not None else first)
                addressees = [m for m in ctx.mentions if m.label in rule.partner and m is not speaker
                              and m.id != speaker.id and lo <= m.span.start < o_start
                              and not attribution[0] <= m.span.start < attribution[1]]
                partners = addressees[-1:] if rule.relation != "request" else addressees[:1]
                between = {t.lower_ for t in doc[lo:o_start]}
                if not partners and between & {"ihm", "ihn"}:
                    persons = [m for m in ctx.mentions if m.label == "PER" and m.span.end <= first and m is not speaker]
                    partners = persons[-1:]  # "die ihm vorwerfen, …": the man named before
                if not partners and between & {"beide", "beiden"}:  # "rief beide Seiten … auf"
                    partners = self._group(ctx, o_start, {}, None)
            else:
                partners = [m for m in ctx.mentions if m.label in rule.partner and o_start <= m.span.start < o_end
                            and m.prep not in _LOCATIVE and m.id != speaker.id and not _compound_prefix(m)]
                partners += [m for m in ctx.mentions if m.prep in rule.partner_preps and seg_start <= m.span.start < seg_end
                             and m not in partners and m.id != speaker.id]
            date = self._date(ctx, first)
            qualifiers = self._qualifiers(rule, ctx)
            segment_text = ctx.shared.slice_text(seg_start, seg_end)
            modality = reported or next((name for name, pattern in self.modality
                                         if name != "reported" and pattern.search(segment_text)), "asserted")
            for partner in _unique(partners) or [None]:
                claims.append(_claim(
                    rule, ctx, speaker.entity(), partner=partner.entity() if partner else None,
                    value=TextValue(type="text", text=text), date=date, qualifiers=qualifiers,
                    modality=modality, polarity="negative" if negative else "positive",
                    attributed_to=attributed if modality == "reported" else None,
                ))
        return claims

    def _speaker(self, rule: Rule, ctx: Sentence, first: int, last: int, seg_start: int, seg_end: int,
                 attribution: tuple[int, int], topic: Mention | None) -> Mention | None:
        """Who takes a position or makes a request at the cue ``first``…``last``."""
        doc = ctx.span.doc

        def government(m: Mention) -> Mention | None:  # "das Außenministerium in Eriwan": the state
            state = _state_of(m)
            if m.prep == "in" and state and any(
                    self.government.search(t.lower_) for t in doc[max(ctx.span.start, m.span.start - 3) : m.span.start]):
                return Mention(m.span, "COUNTRY", state, None, m.text)
            return None

        candidates = [g for m in ctx.mentions if not attribution[0] <= m.span.start < attribution[1]
                      for g in ([m] if m.label in rule.actor and m.prep is None else [government(m)]) if g is not None]
        subjects = [m for m in candidates if m.subject and seg_start <= m.span.start < seg_end]
        if subjects:  # a parse names the subject, whatever the word order
            return min(subjects, key=lambda m: _distance(m.span, first))
        if doc[seg_start].lower_ in _SUBORDINATORS:  # "dass Nursultan … nicht anerkenne": its subject comes first
            inside = [m for m in candidates if seg_start <= m.span.start < first]
            if inside:
                return inside[0]
        comma = max([t.i for t in doc[seg_start:first] if t.text == ","], default=seg_start - 1)
        local = [m for m in candidates if comma < m.span.start and m.span.end <= first]
        if local:  # "Kamilow erklärte …, Usbekistan erkenne … nicht an": the reported clause's own subject
            return self._rank(rule, local, first)[0]
        if last + 1 < seg_end and doc[last + 1].lower_ in ("er", "sie") or ctx.shared.slice_text(first + 1, first + 2).lower() in ("er", "sie"):
            return _last_subject(ctx.shared, ctx.span.start)  # "forderte er Armenien auf"
        before = [m for m in candidates if seg_start <= m.span.start and m.span.end <= first]
        after = [m for m in candidates if first < m.span.start < seg_end and m.span.start <= last + 3]
        if before:
            return self._rank(rule, before, first)[0]
        if after:  # verb-second: the subject follows the verb
            return self._rank(rule, after, first)[0]
        earlier = [m for m in candidates if m.span.end <= first]
        pronoun = any(t.lower_ in ("er", "sie") for t in doc[seg_start:first])
        persons = [m for m in earlier if m.label == "PER"]
        if pronoun and persons:  # "nachdem er … seine Unterstützung geäußert hatte"
            earlier = persons
        if earlier:  # the main clause's subject, or the antecedent of a relative pronoun
            return max(earlier, key=lambda m: m.span.start)
        if topic is not None and any(self.government.search(t.lower_) for t in doc[ctx.span.start:first]):
            return topic  # "Die Regierung hat zugesichert, … einzuhalten": the state the text is about
        return None

    # ------------------------------------------------------------------ events

    def _events(self, rule: Rule, ctx: Sentence, doc: Doc) -> list[Claim]:
        """Hosted events: an event noun, and a host named by a host cue's subject
        (Gastgeber, richtete … aus, moderierte) or by the place the event is in
        (fand in der kasachischen Hauptstadt statt, ein Forum in Kasachstan)."""
        host_cue = ctx.cue(rule)
        venue_cue = ctx.search(self.venue_cues) if self.venue_cues else None
        modality = "asserted"
        for name in ("planned", "intended"):
            if ctx.search(self.modality_named[name]):
                modality = name
                break
        claims = []
        covered = -1  # an event noun inside the last event's phrase is part of its name
        there: list[Mention] | None = None
        shared = ctx.shared
        for i in range(ctx.span.start, ctx.span.end):
            word = shared.word(i)  # the words are read as text: most are no event noun
            if i < covered or word.islower() or not self.event_nouns.search(word.lower()):
                continue
            head = doc[i]
            a, b = _event_phrase(ctx, head.i)
            covered = b
            hosts: list[tuple[str, str, str | None]] = []  # (id, label, place)
            if host_cue:
                cue = ctx.token_at(host_cue.start())
                # a name inside the event's own phrase (den SOZ-Gipfel) is no host of it
                free = [m for m in ctx.mentions if m.prep is None and m.label in rule.actor + ("LOC",)
                        and not a <= m.span.start < b]
                subjects = [m for m in free if m.span.end <= max(cue, head.i) and abs(m.span.start - min(cue, head.i)) <= 12]
                subjects = subjects or [m for m in free if cue < m.span.start <= cue + 3]
                if subjects:
                    host = min(subjects, key=lambda m: _distance(m.span, cue))
                    state = host.id if host.label != "LOC" else _state_of(host)
                    if state:
                        hosts.append((state, "ORG" if host.label == "ORG" else "COUNTRY", host.id if host.label == "LOC" else None))
            venues = [m for m in ctx.mentions if m.prep in ("in", "im") and _state_of(m)
                      and (head.i < m.span.start <= b + 2 or (venue_cue and m.span.end <= head.i))]
            if not venues and (host_cue or venue_cue):
                if there is None:  # "fand dort … statt": where the sentence before was; found once
                    there = self._previous_place(ctx) if any(t.lower_ == "dort" for t in ctx.span) else []
                venues = there
            if venues and (host_cue or venue_cue or self.institutional.search(head.lower_)):
                v = min(venues, key=lambda m: _distance(m.span, head.i))
                hosts.append((_state_of(v), "COUNTRY", v.id if v.label == "LOC" else None))
            if not hosts:
                continue
            text = ctx.shared.slice_text(a, b).strip(" ,")
            date = self._date(ctx, head.i)
            for host_id, label, place in {h[0]: h for h in hosts}.values():
                qualifiers = {"place": place} if place else {}
                claims.append(_claim(
                    rule, ctx, _entity(host_id, label, next((m.text for m in ctx.mentions if m.id == host_id), host_id)),
                    value=TextValue(type="text", text=text), date=date, qualifiers=qualifiers, modality=modality,
                ))
        return claims

    # ------------------------------------------------------------------ memberships

    def _memberships(self, rule: Rule, ctx: Sentence, doc: Doc, topic: Mention | None, found: dict) -> list[Claim]:
        """Every membership cue of a clause with the organisations of its own stretch:
        "ist seit 1961 Mitglied der Vereinten Nationen, trat 2012 der OSZE bei und gehört
        seit 1997 der WTO an" is three memberships, each with its date; a list of
        organisations after one cue is one membership each; leaving (trat … aus) dates
        the end; "ist es nicht", "gehört … nicht an" deny it."""
        matches = ctx.cue_matches(rule)
        if not matches:
            return []
        cues = [(ctx.token_at(m.start()), ctx.token_at(max(m.end() - 1, m.start())), m) for m in matches]
        orgs_all = [m for m in ctx.mentions if m.label in rule.value_types and not _GROUP_NAME.search(m.text)]
        # "der NATO-Initiative Partnership for Peace": the initiative itself, not NATO
        orgs_all = [m for m in orgs_all if not ("-" in m.text and any(
            o.span.start in (m.span.end, m.span.end + 1) for o in orgs_all if o is not m))]
        modifiers = {id(m.span) for m in ctx.mentions for o in orgs_all
                     if m.text[:1].islower() and o.span.start - 4 <= m.span.end <= o.span.start}
        states = [m for m in ctx.mentions if m.label in rule.actor and m.prep in (None, "neben")
                  and id(m.span) not in modifiers and not _attached_genitive(m)]
        modality, attributed = self._modality(rule, ctx, doc)
        claims = []
        for k, (first, last, match) in enumerate(cues):
            lo = cues[k - 1][1] + 1 if k else ctx.span.start
            hi = cues[k + 1][0] if k + 1 < len(cues) else ctx.span.end
            seg = ctx.segment(first, clauses_only=True)
            # a bracketing cue holds its organisation (trat 2012 der OSZE bei), where it holds one
            orgs = [m for m in orgs_all if first < m.span.start and m.span.end <= last] or \
                [m for m in orgs_all if lo <= m.span.start < hi]
            if not orgs and doc[seg[0]].lower_ in _RELATIVES:  # "…, dem auch Tadschikistan angehört"
                orgs = [m for m in orgs_all if m.span.start < seg[0]][-1:]
            if not orgs:
                continue
            members = [m for m in states if seg[0] <= m.span.start < seg[1]]
            members = _unique(members + self._group(ctx, first, found, None, within=seg))
            if not members and topic is not None and any(t.lower_ in ("es", "sie") for t in doc[seg[0]:seg[1]]):
                members = [topic]  # "Der SOZ gehört es seit ihrer Gründung an": the state spoken of
            negative = bool(ctx.shared.negated(self.negation, (lo, hi)))
            date = self._date(ctx, first, segment=(lo, hi))
            if date is not None and self.leaving.search(match.group(0)):
                date = date.model_copy(update={"role": "end"})  # trat 2012 aus: the membership ended
            elif date is not None and self.joining.search(match.group(0)) and date.role == "point":
                date = date.model_copy(update={"role": "start"})  # trat 2012 der OSZE bei: it began then
            elif date is not None and date.role not in rule.date_roles:
                date = None  # a membership dates from when it began, not from any date nearby
            for org in _unique(orgs):
                for member in members:
                    claims.append(_claim(
                        rule, ctx, member.entity(), value=org.entity(), date=date, modality=modality,
                        attributed_to=attributed, polarity="negative" if negative else "positive",
                    ))
        return claims

    # ------------------------------------------------------------------ exercises

    def _exercises(self, rule: Rule, ctx: Sentence, doc: Doc, topic: Mention | None, found: dict) -> list[Claim]:
        """Joint exercises: every pair of the states and alliances that hold one (hielten
        Usbekistan, Russland und Tadschikistan ein Manöver ab; mit Russland hält die
        Armee …), with its quoted name; "Die Übungen …" continues the last exercise."""
        match = ctx.cue(rule)
        if not match:
            return []
        cue = ctx.token_at(match.start())
        held = [m for m in ctx.mentions if m.label in rule.actor and m.prep in (None, "mit", "neben")
                and not _attached_genitive(m) and not (m.text[:1].islower() and m.span.end < len(doc)
                                                       and not doc[m.span.end].is_title)]
        held = _unique(held)
        if len(held) == 1 and topic is not None and held[0].id != topic.id and \
                any(t.lower_ in ("armee", "streitkräfte", "truppen", "land") for t in ctx.span):
            held.append(topic)  # "Mit Russland hält die Armee … ab": the state the text is about
        if not held and doc[ctx.span.start].lower_ in ("die", "das", "der", "diese") and doc[ctx.span.start + 1].i == cue:
            last = [c for c in found.values() if c.relation == "military_exercise"][-1:]
            if last:  # "Die Übungen … werden bis zum 27. September dauern"
                held = [Mention(None, last[0].actor.type, last[0].actor.id, None, last[0].actor.text)]
                if last[0].partner:
                    held.append(Mention(None, last[0].partner.type, last[0].partner.id, None, last[0].partner.text))
        if len(held) < 2:
            return []
        name = self._text(rule, ctx, cue)
        value = TextValue(type="text", text=name) if name else None
        modality, attributed = self._modality(rule, ctx, doc)
        date = self._date(ctx, cue)
        return [_claim(rule, ctx, x.entity(), partner=y.entity(), value=value, date=date, modality=modality,
                       attributed_to=attributed)
                for i, x in enumerate(held) for y in held[i + 1:] if x.id != y.id]

    # ------------------------------------------------------------------ military presence

    def _presence(self, rule: Rule, ctx: Sentence, doc: Doc) -> list[Claim]:
        """Troops or facilities of one state in another: "rund 900 russische Soldaten
        stationiert", "mietet Russland in Kasachstan den Weltraumbahnhof Baikonur",
        "US-Truppen in Afghanistan". The owner is the troops' adjective or the clause's
        subject, the host the state "in"/"nach" which they are."""
        cfg = self.presence
        verb = ctx.cue(rule)
        modality, attributed = self._modality(rule, ctx, doc)
        claims = []
        covered = -1
        for head in ctx.span:
            if head.i < covered:
                continue
            troops = cfg["troops"].search(head.lower_) and not head.is_lower
            facility = cfg["facilities"].search(head.lower_) and not head.is_lower
            if not (troops or facility):
                continue
            # the host: in/nach X, auf aserbaidschanischem Gebiet, bei Agdam
            hosts = [m for m in ctx.mentions if m.prep in ("in", "im", "nach", "auf", "bei") and _state_of(m)]
            near_host = [m for m in hosts if head.i < m.span.start <= head.i + 3]
            if not hosts or not (verb or near_host):
                continue
            host = (near_host or sorted(hosts, key=lambda m: _distance(m.span, head.i)))[0]
            owner = None
            if troops:  # russische Soldaten, US-Truppen, kasachischer Friedenstruppen
                owner = next((m for m in ctx.mentions if m.span.start <= head.i < m.span.end or
                              (m.span.end == head.i and m.text[:1].islower())), None)
            if owner is None and verb is not None:
                cue = ctx.token_at(verb.start())
                subjects = [m for m in ctx.mentions if m.prep is None and m.label in rule.actor and m is not host
                            and not m.text[:1].islower() and abs(m.span.start - cue) <= 8]
                owner = min(subjects, key=lambda m: _distance(m.span, cue)) if subjects else None
            if owner is None or _state_of(host) == (owner.id if owner.label != "LOC" else _state_of(owner)):
                continue
            value = None
            if troops:
                counts = [q for q in ctx.quantities if ctx.shared.value(q).type == "count" and 0 < head.i - q.end + 1 <= 3]
                value = ctx.shared.value(counts[-1]) if counts else None
            else:
                a, b = head.i, head.i + 1
                while a - 1 >= ctx.span.start and (doc[a - 1].like_num or doc[a - 1].lower_ in self.number_words
                                                    or (doc[a - 1].is_lower and doc[a - 1].lower_.endswith(("e", "en", "er", "es")))
                                                    and doc[a - 1].lower_ not in _DETERMINERS):
                    a -= 1
                while b < ctx.span.end and doc[b].is_title and not doc[b].is_punct:
                    b += 1
                covered = b
                value = TextValue(type="text", text=ctx.shared.slice_text(a, b))
            owner_entity = owner.entity() if owner.label != "LOC" else _entity(_state_of(owner), "COUNTRY", owner.text)
            denied = any(t.lower_.startswith("kein") for t in doc[max(ctx.span.start, head.i - 3) : head.i])
            claims.append(_claim(
                rule, ctx, owner_entity,
                partner=_entity(_state_of(host), "COUNTRY", host.text), value=value,
                date=self._date(ctx, head.i), modality=modality, attributed_to=attributed,
                polarity="negative" if denied else "positive",  # "keine russischen Truppen stationiert"
            ))
        return claims

    # ------------------------------------------------------------------ agreements

    def _previous_place(self, ctx: Sentence) -> list[Mention]:
        """The last place (a city, or a state after in/im) the sentence before names."""
        if ctx.previous is None:
            return []
        doc = ctx.span.doc
        for e in reversed(ctx.shared.ents.within(ctx.previous)):
            if e.kb_id_ and (e.label_ == "LOC" or e.label_ == "COUNTRY" and
                             _preceding_word(doc, e.start, self.prepositions) in ("in", "im")):
                m = Mention(e, e.label_, e.kb_id_, "in")
                if _state_of(m):
                    return [m]
        return []

    def _previous_states(self, ctx: Sentence) -> list[Mention]:
        """The states the sentence before this one names, for an anaphoric "hierfür"."""
        if ctx.previous is None:
            return []
        out: list[Mention] = []
        for e in ctx.shared.ents.within(ctx.previous):
            if e.label_ == "COUNTRY" and e.kb_id_ and e.kb_id_ not in {m.id for m in out}:
                out.append(Mention(e, "COUNTRY", e.kb_id_, None))
        return out[:2]

    def _agreements(self, rule: Rule, ctx: Sentence, doc: Doc, found: dict, topic: Mention | None) -> list[Claim]:
        """Every agreement noun of a clause that signs, concludes or names one is an
        agreement: its name as written, its own date, and its parties: the signatories by
        name where named (one claim per pair), else the states, else the states of the
        sentence before an anaphoric "hierfür"."""
        if not ctx.cue(rule):
            return []
        signed = bool(ctx.search(self.signing))
        claims = []
        covered = -1
        for head in ctx.span:
            if head.i < covered or head.is_lower or not rule.text_nouns.search(head.lower_):
                continue
            a, b = _noun_phrase(ctx, head.i)
            covered = b
            dated = any(_in_timex(ctx, k) for k in range(b, min(b + 3, ctx.span.end)))
            sides = _between(ctx, head.i)
            if not (signed or dated or sides):
                continue  # "nach Artikel 2 des Bündnisvertrags" names an agreement, states none
            text = ctx.shared.slice_text(a, b).strip(" ,„“\"")
            if b - a == 1:  # "das Abkommen": the agreement named before
                earlier = [c.value.text for c in found.values() if c.relation == "agreement"
                           and isinstance(c.value, TextValue) and c.value.text.lower().endswith(head.lower_)]
                text = earlier[-1] if earlier else text
            pairs = self._parties(rule, ctx, head.i, a, b, sides, topic)
            date, qualifiers, modality = self._date(ctx, head.i), self._qualifiers(rule, ctx), self._modality(rule, ctx, doc)[0]
            polarity = "negative" if ctx.shared.negated(self.negation, (b, ctx.span.end)) and not signed else "positive"
            for actor, partner in pairs:
                claims.append(_claim(
                    rule, ctx, actor.entity(), partner=partner.entity() if partner else None,
                    value=TextValue(type="text", text=text), date=date, qualifiers=qualifiers, modality=modality,
                    polarity=polarity,
                ))
        return claims

    def _parties(self, rule: Rule, ctx: Sentence, head: int, a: int, b: int, sides, topic: Mention | None):
        """Who concluded an agreement, as (actor, partner) pairs."""
        if sides:
            return [(x, y) for x in sides[0] for y in sides[1] if x.id != y.id]
        pool = [m for m in ctx.mentions if m.label in rule.actor and not a <= m.span.start < b
                and m.prep not in ("von", "vom", "aus", "am", "auf", "in", "im", "nach")]
        persons = _unique([m for m in pool if m.label == "PER" and m.prep is None])
        words = {t.lower_ for t in ctx.span}
        if len(persons) < 2 and words & {"beide", "beiden", "beider"} and "präsidenten" in words:
            persons = _unique(persons + [Mention(e, "PER", e.kb_id_, None) for e in
                                         [e for e in ctx.shared.ents.spans if e.label_ == "PER" and e.end <= ctx.span.start and e.kb_id_][-2:]])
        if len(persons) >= 2:  # the signatories by name: one claim per pair
            return [(x, y) for i, x in enumerate(persons) for y in persons[i + 1:] if x.id != y.id]
        parties = _unique([m for m in pool if m.label != "PER"])
        if not parties and words & {"beider", "beide"}:
            parties = self._group(ctx, head, {}, None)  # "die Regierungen beider Länder"
        if not parties and persons and self.person_states.get(persons[0].id):
            state = self.person_states[persons[0].id]  # signed on Xi's visit: China
            parties = [Mention(persons[0].span, "COUNTRY", state, None, persons[0].text)]
        if not parties and ctx.search(self.anaphoric):
            parties = self._previous_states(ctx)  # "Die Grundlage hierfür bildet der Vertrag …"
        if not parties:
            return []
        parties = self._rank(rule, parties, head)
        if len(parties) == 1 and parties[0].label == "COUNTRY" and topic is not None and topic.id != parties[0].id:
            parties.append(topic)
        return [(parties[0], parties[1] if len(parties) > 1 else None)]

    # ------------------------------------------------------------------ arguments

    def _group(self, ctx: Sentence, cue: int, found: dict, value, within: tuple[int, int] | None = None) -> list[Mention]:
        """States a group word stands for: "Beide" (the last two states named), "alle anderen
        EAWU-Staaten" (the states this document already made members of the EAWU)."""
        doc = ctx.span.doc
        words = {t.lower_ for t in doc[max(ctx.span.start, cue - 4) : cue]}
        out: list[Mention] = []
        if words & {"beide", "beiden"}:
            states: list[str] = []
            ents = ctx.shared.ents.spans
            for e in reversed([e for e in ents if e.label_ == "COUNTRY" and e.end <= ctx.span.start and e.kb_id_]):
                if e.kb_id_ not in states:
                    states.append(e.kb_id_)
                if len(states) == 2:
                    break
            first = {e.kb_id_: e for e in ents if e.label_ == "COUNTRY"}
            out += [Mention(first[i], "COUNTRY", i, None) for i in states if len(states) == 2]
        for m in ctx.mentions:
            if within is not None and not within[0] <= m.span.start < within[1]:
                continue
            if m.label == "ORG" and _GROUP_NAME.search(m.text):
                before = {t.lower_ for t in doc[max(ctx.span.start, m.span.start - 2) : m.span.start]}
                if "alle" in before:
                    members = [c.actor for c in found.values() if c.relation == "member_of"
                               and isinstance(c.value, Entity) and c.value.id == m.id]
                    out += [Mention(None, "COUNTRY", a.id, None, a.text) for a in members]
        return out

    def _rank(self, rule: Rule, mentions: list[Mention], cue: int) -> list[Mention]:
        """Preferred labels first (a meeting is between persons where named), then nearest."""
        order = {label: i for i, label in enumerate(rule.prefer)}
        return sorted(mentions, key=lambda m: (order.get(m.label, len(order)), not m.subject, _distance(m.span, cue)))

    def _actors(self, rule: Rule, ctx: Sentence, cue: int, taken: set[int]) -> list[Mention]:
        pool = [m for m in ctx.mentions if m.label in rule.actor and id(m.span) not in taken]
        if rule.actor_where:
            # the state where a group lives: "in Kasachstan", "Kasachstans Bevölkerung";
            # a bare demonym (Russen, Ukrainer) names the group, not the place
            doc = ctx.span.doc
            seg = ctx.segment(cue, clauses_only=True)
            where = [m for m in pool if _distance(m.span, cue) <= 12 and seg[0] <= m.span.start < seg[1] and (
                m.prep in ("in", "nach") or _genitive(m)
                or (m.span.end < len(doc) and self.population_nouns.search(doc[m.span.end].lower_)))]
            return _unique(sorted(where, key=lambda m: (m.span.start > cue, _distance(m.span, cue))))
        marked = [m for m in pool if m.prep in rule.actor_preps]
        if marked:
            return _unique(self._rank(rule, marked, cue))
        if rule.prefer[:1] == ("PER",):
            doc = ctx.span.doc
            near = doc[max(ctx.span.start, cue - 3) : min(ctx.span.end, cue + 3)]
            if any(t.lower_ in ("er", "sie") for t in near):  # "Dort traf er …": the person last spoken of
                referent = _last_subject(ctx.shared, ctx.span.start)
                if referent is not None and referent.id not in {m.id for m in pool}:
                    return [referent]
        free = [m for m in pool if (m.prep is None or m.prep not in self.prepositions or m.prep in rule.free_preps)
                and not (_attached_genitive(m) and not rule.cues.pattern.search(ctx.span.doc[m.span.start - 1].lower_))]
        if rule.every_actor and rule.prefer[:1] == ("PER",) and any(m.label == "PER" for m in free):
            free = [m for m in free if m.label == "PER"]  # the persons listed, not their states
        if not free and rule.value == "none":
            free = pool
        if rule.every_actor and free:  # the nearest and those listed with it
            return _unique(_coordination(ctx, free, self._rank(rule, free, cue)[0]))
        return _unique(self._rank(rule, free, cue))

    def _partners(self, rule: Rule, ctx: Sentence, cue: int, taken: set[int]) -> list[Mention]:
        if not rule.partner:
            return []
        pool = [m for m in ctx.mentions if m.label in rule.partner and id(m.span) not in taken]
        marked = [m for m in pool if m.prep in rule.partner_preps]
        rest = [m for m in pool if m not in marked]
        if rule.prefer:  # a named person outranks a marked state: "Gespräche … mit Minister X"
            order = {label: i for i, label in enumerate(rule.prefer)}
            return _unique(sorted(pool, key=lambda m: (order.get(m.label, len(order)), m not in marked, _distance(m.span, cue))))
        return _unique(self._rank(rule, marked, cue) + self._rank(rule, rest, cue))

    def _ranked(self, ctx: Sentence, taken: set[int], anchor: int) -> tuple[list[Mention], list[Mention]]:
        """``X ist (für Y | Ys) größter Handelspartner``: Y ranks X; X is the partner; with
        several ranks in a sentence, each ranks the state nearest to it (gefolgt von China
        als zweitgrößtem)."""
        doc = ctx.span.doc
        states = [m for m in ctx.mentions if m.label == "COUNTRY" and id(m.span) not in taken]
        rankers = [m for m in states if m.prep == "für" or (_genitive(m) and not m.prep)]
        ranked = [m for m in states if m not in rankers and m.prep in (None, "mit", "von")
                  # "X ist größter Handelspartner, gefolgt von China": China ranks after, not here
                  and not (m.prep == "von" and m.span.start - 2 > anchor and doc[m.span.start - 2].lower_ == "gefolgt")]
        return _unique(rankers), _unique(sorted(ranked, key=lambda m: _distance(m.span, anchor)))

    def _values(self, rule: Rule, ctx: Sentence, cue: int) -> list[tuple]:
        """The value(s) a cue takes: the nearest one, or with ``per_value`` each in turn."""
        kind = rule.value
        if kind == "none":
            return [(None, None)]
        if kind == "entity":
            pool = [m for m in ctx.mentions if m.label in rule.value_types
                    or (rule.value_types == ("COUNTRY",) and m.label == "LOC" and _state_of(m))]
            if rule.value_preps:  # besuchte Usbekistan, reiste nach Usbekistan, in Usbekistan
                pool = [m for m in pool if m.prep in rule.value_preps or m.label == "LOC"
                        or (m.prep is None and m.span.start > cue and not ctx.span.doc[cue].is_title)]
            if not pool:
                return [(None, None)]
            best = min(pool, key=lambda m: (_distance(m.span, cue), m.span.start < cue))
            if best.label == "LOC":  # a city visited stands for its state (the city is the visit's place)
                return [(_entity(_state_of(best), "COUNTRY", best.text), best.span)]
            after = [m for m in pool if m.span.start in (best.span.end, best.span.end + 1)]
            if best.span[-1].text.count("-") and after:
                best = after[0]  # "der NATO-Initiative Partnership for Peace": the initiative itself
            return [(best.entity(), best.span)]
        if kind == "text":
            text = self._text(rule, ctx, cue)
            return [(TextValue(type="text", text=text), None) if text else (None, None)]
        pool = [
            span for span in ctx.quantities
            if (q := ctx.shared.value(span)).type == kind and not (rule.unit and q.unit != rule.unit)
            and q.amount >= rule.count_min
            and (rule.count_of is None or rule.count_of.search(span.text)
                 or (span.end < ctx.span.end and rule.count_of.search(ctx.span.doc[span.end].lower_)))
        ]
        if rule.value_window:
            pool = [span for span in pool if _distance(span, cue) <= rule.value_window]
        if not pool:
            return [(None, None)]
        if rule.per_value:
            # a value nearer another relation's cue of the same kind belongs to that one
            rivals = [c for c in ctx.cues.get(kind, ()) if c[1] != rule.relation]
            own = [c for c in ctx.cues.get(kind, ()) if c[1] == rule.relation] or [(cue, rule.relation)]

            def reach(span, c):  # a cue governs the figure after it (Handelsvolumen bei 8,75 Mrd.)
                return _distance(span, c) + (0.5 if c > span.start else 0)

            pool = [span for span in pool
                    if min(reach(span, c) for c, _ in own) <= min((reach(span, c) for c, _ in rivals), default=10_000)]
            return [(ctx.shared.value(span), span) for span in pool]
        best = min(pool, key=lambda s: _distance(s, cue))
        return [(ctx.shared.value(best), best)]

    def _text(self, rule: Rule, ctx: Sentence, cue: int) -> str | None:
        """A name in quotes that is the cue's own (Übungen … mit der Bezeichnung
        "Steppenadler-2008"), not some other quoted title in the sentence."""
        doc = ctx.span.doc
        for m in _QUOTED.finditer(ctx.text):
            at = ctx.token_at(m.start())
            between = doc[min(cue, at) : max(cue, at)]
            if 0 < at - cue <= 2 or (at > cue and any(t.lower_ in _NAMING for t in between) and at - cue <= 12):
                return m.group(1).strip()
        return None

    def _date(self, ctx: Sentence, cue: int, numeric: bool = False, segment: tuple[int, int] | None = None) -> DateValue | None:
        """The claim's own time: the nearest date in its clause (its segment, where given),
        never one inside a parenthesis that does not hold the cue; a figure "Stand …"
        takes its as-of date; a clause without any falls back to its sentence."""
        shared = ctx.shared
        pool = [s for s in ctx.timexes if shared.lower_of(s) not in self.date_ignore]
        if not pool:
            pool = [s for s in shared.timexes.within(ctx.sentence) if shared.lower_of(s) not in self.date_ignore]
        if not pool and ctx.search(self.date_anaphora):
            # "Dort traf er …": the time of the sentence before
            prev = ctx.previous
            pool = [s for s in shared.timexes.within(prev) if shared.lower_of(s) not in self.date_ignore] if prev is not None else []
            cue = prev.end if prev is not None else cue
        pool = [s for s in pool if _span_years(shared.value(s).value) <= 20]  # "in diesem Jahrhundert" dates nothing
        if segment is not None:
            pool = [s for s in pool if segment[0] <= s.start < segment[1]]
        # a date in brackets belongs to what the brackets follow: the figure right before them
        pool = [s for s in pool if (p := shared.parens(s.start)) is None or p == shared.parens(cue) or 0 <= p - cue <= 6]
        if numeric and any(shared.value(s).role == "as_of" for s in pool):
            pool = [s for s in pool if shared.value(s).role == "as_of"]
        if not pool:
            return None
        best = min(pool, key=lambda s: _distance(s, cue))
        t: DateValue = shared.value(best)
        return t if t.value else None

    def _modality(self, rule: Rule, ctx: Sentence, doc: Doc) -> tuple[str, Entity | None]:
        speech_act = rule.relation in ("stance", "request")
        for modality, pattern in self.modality:
            m = ctx.search(pattern)
            if not m:
                continue
            if modality == "reported":
                if speech_act and not _ATTRIBUTION.search(m.group(0)):
                    continue
                return "reported", self._source(ctx, m)
            return modality, None
        return "asserted", None

    def _source(self, ctx: Sentence, match: re.Match) -> Entity | None:
        """Who a report is attributed to: the speaker nearest the reporting cue; a person
        before an organisation before a state, and a noun before the adjective that
        describes it (laut dem russischen Außenminister Lawrow → Lawrow)."""
        cue = ctx.token_at(match.start())
        before = "zufolge" in match.group(0).lower()
        pool = [m for m in ctx.mentions if (m.span.end <= cue if before else m.span.start > cue)
                and m.label in ("PER", "ORG", "COUNTRY") and _distance(m.span, cue) <= 8]
        if not pool:
            return None
        order = {"PER": 0, "ORG": 1, "COUNTRY": 2}
        best = min(pool, key=lambda m: (m.text[:1].islower(), order[m.label], _distance(m.span, cue)))
        return best.entity()

    def _negative(self, rule: Rule, ctx: Sentence, cue: int) -> bool:
        if rule.negative_cues is not None and ctx.search(rule.negative_cues):
            return True
        doc = ctx.span.doc
        if ctx.shared.negated(self.negation, (max(ctx.span.start, cue - 3), min(ctx.span.end, cue + 4))):
            return True
        # "unterhalten Armenien und Aserbaidschan nicht", "erkennt … nicht an": a clause's
        # own "nicht" stands at its end, before the verb's last part at most
        start, k = ctx.segment(cue)
        last: list[Token] = []  # the segment's last two words, the last first
        while k > start and len(last) < 2:
            k -= 1
            if not (doc[k].is_punct or doc[k].is_space):
                last.append(doc[k])
        return bool(last) and (last[0].lower_ == "nicht" or last[-1].lower_ == "nicht" and last[0].is_lower)

    def _qualifiers(self, rule: Rule, ctx: Sentence) -> dict[str, str]:
        out = {}
        for key, spec in rule.qualifiers.items():
            if isinstance(spec, str):
                out[key] = spec
                continue
            for pattern, value in spec.items():
                if ctx.search(pattern):
                    out[key] = value
                    break
        return out



_SUBORDINATORS = {"denn", "dass", "weil", "wobei", "ohne", "nachdem", "obwohl", "da", "damit", "sodass", "indem", "während", "wenn", "falls"}
_RELATIVES = {"der", "die", "das", "dem", "den", "deren", "dessen", "welche", "welcher", "welches"}
_ADJUNCT_PREPS = {"in", "im", "bei", "beim", "auf", "vor", "während", "nach"}
_OBJECT_SKIP = {"will", "wollen", "wollte", "soll", "sollen", "möchte", "bislang", "weiterhin", "nun", "entschieden", "grundsätzlich", "scharf", "vehement", "jedoch", "bezüglich", "hinsichtlich", "betreffend", "zwar", "aber", "dennoch", "jedoch", "auch", "doch", "deshalb", "daher", "ferner", "offen", "klar",
                "nicht", "nie", "niemals", "kein", "keine", "unmissverständlich", "ausdrücklich", "wiederholt", "erneut",
                "sich", "für", "sei", "seine", "ihre", "sein", "ihr", "ebenfalls", "bereits", "stets", "immer", "noch"}


_PARTICLES = frozenset({"aus", "an", "ab", "vor", "ein", "auf", "zurück", "fest", "bei"})
_CLAUSE_STOPS = frozenset({";"})
_BOUNDARY_MARKS = re.compile(r"[;:–—(),]")
_SEGMENT_STOPS = frozenset({";", ":", "–", "—", "(", ")"})
_SUBORDINATE_OPENERS = _SUBORDINATORS | _RELATIVES | {"als", "so"}


def _after_mentions(ctx: Sentence, first: int, last: int, speaker: Mention) -> tuple[int, int] | None:
    """What a request asks for when no zu-infinitive says it: what follows its speaker and
    addressee, inside a separable verb (lud X zu einem Gegenbesuch ein) or before a final
    one (will die OVKS um Konsultationen bitten)."""
    doc = ctx.span.doc
    lo = first + 1 if last > first + 1 else (speaker.span.end if speaker.span is not None and speaker.span.end <= first else first)
    hi = last if last > first + 1 else first
    others = [m for m in ctx.mentions if lo <= m.span.start < hi and m is not speaker and m.id != speaker.id]
    a = lo
    if speaker.span is not None and lo <= speaker.span.start < hi:
        a = speaker.span.end
    if others:
        a = max(a, others[0].span.end)  # past the addressee
    elif a + 1 < hi and doc[a].lower_ in ("beide", "beiden", "alle"):
        a += 2  # "rief beide Seiten zur Zurückhaltung auf": the addressees are a group
    while a < hi and (_in_timex(ctx, a) or doc[a].lower_ in _OBJECT_SKIP or doc[a].is_punct):
        a += 1
    return (a, hi) if hi > a else None


def _agent(ctx: Sentence, cue: int, seg_end: int, labels: tuple[str, ...]) -> Mention | None:
    """The agent of a nominalised act, marked by "durch" after it in the same segment."""
    for m in ctx.mentions:
        if cue < m.span.start < seg_end and m.prep == "durch" and m.label in labels:
            return m
    return None



def _closing_quote(ctx: Sentence, i: int, reach: int = 10) -> int | None:
    """Where a quoted name opening at token ``i`` closes („Expo 2017“), if it opens there."""
    doc = ctx.span.doc
    if i >= ctx.span.end or doc[i].text not in "„\"»":
        return None
    return next((k for k in range(i + 1, min(ctx.span.end, i + reach)) if doc[k].text in "“\"«"), None)


def _event_phrase(ctx: Sentence, head: int) -> tuple[int, int]:
    """An event as written: a name-like adjective or ordinal before its noun, and a quoted
    name, the organisation holding it (der NATO) or a complement (über …, zur …,
    zwischen …) after it, never the place."""
    doc = ctx.span.doc
    a = head
    if a - 1 >= ctx.span.start and (doc[a - 1].is_title and doc[a - 1].lower_.endswith(("en", "e", "er"))
                                    and doc[a - 1].lower_ not in _DETERMINERS  # "Den SOZ-Gipfel": an article
                                    or re.fullmatch(r"\d+\.", doc[a - 1].text)):
        a -= 1
    b = head + 1
    if (close := _closing_quote(ctx, b)) is not None:
        return a, close + 1
    if b + 1 < ctx.span.end and doc[b].lower_ in ("der", "des") and doc[b + 1].ent_type_ == "ORG":
        k = b + 2  # "der Gipfel der Organisation der Turkstaaten": the organisation's own
        while k < ctx.span.end and doc[k].ent_iob_ == "I":
            k += 1
        return a, k
    if b < ctx.span.end and doc[b].lower_ in {"über", "zur", "zum", "zu", "zwischen", "für", "gegen"}:
        stops = {"in", "im", "statt", "unter"} | ({"und"} if doc[b].lower_ != "zwischen" else set())
        k = b + 1
        while k < ctx.span.end and k - b < 8 and not doc[k].is_punct and doc[k].lower_ not in stops:
            k += 1
        b = k
    return a, b


def _between(ctx: Sentence, cue: int) -> tuple[list[Mention], list[Mention]] | None:
    """The two sides of "zwischen A (, B …) und C": states or persons on each side.

    An organisation that stands for a listed group (E3+3 (Großbritannien, …)) gives way
    to its listed members.
    """
    doc = ctx.span.doc
    z = next((t.i for t in ctx.span if t.lower_ == "zwischen" and t.i >= cue - 1), None)
    if z is None:
        return None
    end = next((t.i for t in _outside_parens(doc, z, ctx.span.end) if t.text in {".", ";", ","}), ctx.span.end)
    ands = [t.i for t in _outside_parens(doc, z, end) if t.lower_ == "und"]
    if not ands:
        return None
    cut = ands[-1]

    def side(a: int, b: int) -> list[Mention]:
        ms = [m for m in ctx.mentions if a <= m.span.start < b and m.label in ("COUNTRY", "PER", "ORG")]
        if any(m.label != "ORG" for m in ms):
            ms = [m for m in ms if m.label != "ORG"]
        return _unique(ms)

    left, right = side(z, cut), side(cut, end)
    return (left, right) if left and right else None


def _outside_parens(doc: Doc, a: int, b: int) -> Iterator[Token]:
    """The tokens of ``doc[a:b]`` not inside a parenthesis opened at or after ``a``."""
    depth = 0
    for t in doc[a:b]:
        if depth <= 0:
            yield t
        depth += (t.text == "(") - (t.text == ")")


def _compound_pair(ctx: Sentence) -> tuple[Mention, Mention] | None:
    """Two states named in one hyphenated word (deutsch-usbekisch), from ``Span._.ids``."""
    for m in ctx.mentions:
        ids = m.span._.ids if m.span is not None and m.span.has_extension("ids") else None
        states = [i for i in (ids or ()) if _STATE_ID.fullmatch(i)]
        if len(states) >= 2 and states[0] != states[1]:
            return (Mention(m.span, "COUNTRY", states[0], None, m.text),
                    Mention(m.span, "COUNTRY", states[1], None, m.text))
    return None


def _near_state(ctx: Sentence, anchor: int, topic: str) -> bool:
    """Whether a state other than the topic is named nearer the figure than the topic."""
    states = sorted((m for m in ctx.mentions if m.label == "COUNTRY"), key=lambda m: _distance(m.span, anchor))
    return bool(states) and states[0].id != topic


def _span_years(value: str | None) -> int:
    """How many years a date value covers (0 for a single date)."""
    if not value or "/" not in value:
        return 0
    a, b = value.split("/")
    return int(b[:4]) - int(a[:4])


def _coordination(ctx: Sentence, pool: list[Mention], seed: Mention) -> list[Mention]:
    """``seed`` and the mentions of ``pool`` listed with it, no verb between them
    ("Russland, Frankreich und die USA innehaben, wirft Alijew": not Alijew), in the
    order of the text."""
    doc = ctx.span.doc
    listed = sorted(pool, key=lambda m: m.span.start)
    lo = hi = listed.index(seed)

    def joined(a: Mention, b: Mention) -> bool:
        return not any(_verbish(t) or t.text in (";", ":") for t in doc[a.span.end:b.span.start])

    while lo > 0 and joined(listed[lo - 1], listed[lo]):
        lo -= 1
    while hi + 1 < len(listed) and joined(listed[hi], listed[hi + 1]):
        hi += 1
    return listed[lo:hi + 1]


def _compound_prefix(m: Mention) -> bool:
    """A name that only opens a compound (das UN-Recht, die EU-Kommission's staff)."""
    return m.span is not None and len(m.span) == 1 and "-" in m.text and not m.text.endswith("-") \
        and m.text.split("-")[-1][:1].isupper() and len(m.text.split("-")[-1]) > 3


def _attached_genitive(m: Mention) -> bool:
    """A genitive right after a noun belongs to that noun (ein Verbündeter Moskaus)."""
    if m.span is not None and m.span.root.has_dep():  # a parse says
        return m.span.root.dep_ == "ag"
    if m.span is None or not _genitive(m) or m.span.start == 0:
        return False
    prev = m.span.doc[m.span.start - 1]
    return prev.is_title and not prev.ent_type_ and not prev.is_sent_start



def _noun_phrase(ctx: Sentence, head: int) -> tuple[int, int]:
    """A named thing as written: its modifiers (erweitertes Partnerschafts- und …) and its
    complement (über Freundschaft, Zusammenarbeit …) up to a date, a purpose or a verb."""
    doc = ctx.span.doc
    a = head
    while a - 1 >= ctx.span.start and _modifier(doc[a - 1]):
        a -= 1
    b = head + 1
    if (close := _closing_quote(ctx, b)) is not None:
        return a, close + 1
    if b < ctx.span.end and doc[b].lower_ in {"über", "von", "zwischen", "zu", "für", "gegen"}:
        while b < ctx.span.end and b - head < 12 and doc[b].text not in _CLAUSE_END | {"“", "\""} \
                and doc[b].lower_ not in {"vom", "am", "im", "mit", "sowie", "in", "seit", "bis", "zur", "zum", "ist", "sind",
                                          "wurde", "wurden", "dass", "das", "die", "der"} - ({"die", "der", "das"} if b == head + 2 else set()) \
                and not _in_timex(ctx, b) and not _verbish(doc[b]):
            b += 1
    return a, b


def _last_subject(shared: DocIndex, before: int) -> Mention | None:
    """The person a pronoun most likely stands for: the last one named as a subject (not
    after a preposition) before token ``before``, else the last one named at all."""
    persons = [e for e in shared.ents.spans if e.label_ == "PER" and e.end <= before and e.kb_id_]
    subjects = [e for e in persons if _preceding_word(shared.doc, e.start, _PREPOSITIONS) is None]
    chosen = (subjects or persons)[-1:]
    return Mention(chosen[0], "PER", chosen[0].kb_id_, None) if chosen else None

def _verbish(token) -> bool:
    """A finite verb without a tagger: lower case, and its lemma an infinitive."""
    return _verbish_form(token.text, token.lemma_)


@lru_cache(maxsize=8192)
def _verbish_form(text: str, lemma: str) -> bool:
    """``_verbish`` of a word and its lemma: the model's; for the embedded pipeline, which
    has no lemmatiser (only this rule asks, for a few words of each document), spaCy's
    German lookup table's."""
    if not text.islower() or text in _DETERMINERS:
        return False
    lemma = lemma or lemma_lookup().get(text, text)
    return lemma != text and lemma.endswith(("en", "ern", "eln"))


def _object(ctx: Sentence, first: int, last: int, seg_start: int, seg_end: int, speaker: Mention,
            infinitive: bool, end_words: re.Pattern | None = None) -> tuple[int, int] | None:
    """What a position is about, as a token range.

    A separable verb holds its object inside (erkannte das UN-Recht an); after a verb in
    second place the object follows it (favorisierte das Prinzip …); a verb at the end of
    its clause has it before (dass Nursultan Taiwan … nicht anerkenne); a request's
    content is the zu-infinitive after it (forderte Kiew auf, den Botschafter … zu ersetzen).
    """
    doc = ctx.span.doc

    def trim(a: int, b: int) -> tuple[int, int] | None:
        if a == seg_start and a < b and doc[a].lower_ in _RELATIVES:
            a += 1  # the relative pronoun opening the clause is its subject, not its object
        while True:  # adjuncts of time and setting before the object: am Dienstag, in einer Rede
            while a < b and (_in_timex(ctx, a) or doc[a].lower_ in _OBJECT_SKIP or doc[a].is_punct):
                a += 1
            if a < b and doc[a].lower_ in _ADJUNCT_PREPS:
                k = a + 1
                while k < b and not doc[k].is_title and k - a <= 3:
                    k += 1
                if k < b - 1 and doc[k].is_title:
                    a = k + 1
                    continue
            break
        while a < b and (doc[a].is_punct or doc[a].lower_ in _OBJECT_SKIP or doc[a].is_space):
            a += 1
        while b > a and (doc[b - 1].is_punct or doc[b - 1].lower_ in _OBJECT_SKIP | {"hat", "haben", "werde", "wird", "habe", "und", "oder"}
                         or doc[b - 1].is_space):
            b -= 1
        if b - 1 > a and doc[b - 1].lower_ in _PARTICLES and all(t.is_punct or t.is_space for t in doc[b:seg_end]):
            b -= 1  # the verb's own particle closing the clause (sprach sich für … aus)
        return (a, b) if b > a else None

    if infinitive:
        j = last + 1
        while j < ctx.span.end and doc[j].text != ",":
            j += 1
        k = j + 1
        while k < ctx.span.end and k - j < 20 and doc[k].text not in {".", ";"}:
            if doc[k].lower_ == "zu" and k + 1 < ctx.span.end:
                return trim(j + 1, k + 2)
            if k > j + 1 and _ZU_INFINITIVE.fullmatch(doc[k].lower_):
                return trim(j + 1, k + 1)  # zurückzuziehen, anzuerkennen
            k += 1
        # no zu-infinitive: the request's content is inside the separable verb, after its
        # addressee (forderte Baku zum sofortigen Abzug auf), or before a final verb (um … bitten)
        found = _after_mentions(ctx, first, last, speaker)
        return trim(*found) if found else trim(last + 1, min(seg_end, last + 12))
    if last + 2 < ctx.span.end and doc[last + 1].text == "," and doc[last + 2].lower_ == "dass":
        # "bekräftigt, dass die territoriale Integrität … gewahrt werden müsse"
        k = last + 3
        while k < ctx.span.end and doc[k].text not in {".", ";", ":"} and not (
                doc[k].text == "," and k + 1 < ctx.span.end and doc[k + 1].lower_ in _SUBORDINATORS | _RELATIVES):
            k += 1
        return trim(last + 3, k)
    if last > first + 1:  # separable verb or "lehnte … ab": the object sits inside
        a = first + 1
        if speaker.span is not None and first < speaker.span.start < last:
            a = speaker.span.end  # "lehnte Präsident Alijew … ab": past the subject
        inner = trim(a, last)
        if inner:
            return inner
    lead = last + 1
    if speaker.span is not None and speaker.span.start == last + 1:
        lead = speaker.span.end
        named = {m.span.start: m.span.end for m in ctx.mentions}
        while lead + 1 < seg_end and doc[lead].lower_ in ("und", "sowie") and lead + 1 in named:
            lead = named[lead + 1]  # "bekräftigten Moskau und Astana ihr Engagement"
    after = trim(lead, seg_end)  # past a subject that follows its verb (kritisierte Kasachstan …)
    if after and (not doc[after[0]].is_lower or doc[after[0]].lower_ in _RELATIVES | {"ein", "eine", "einen", "solche"}):
        # German noun phrases start with an article or a capitalised noun; the phrase ends
        # where a coordinated verb or a verb of utterance takes over
        a, b = after[0], min(after[1], after[0] + 14)
        for k in range(a + 1, b):
            if (doc[k].lower_ in {"und", "oder", "aber"} and k + 1 < b and _verbish(doc[k + 1])) or \
                    (end_words is not None and end_words.match(ctx.shared.slice_text(k, b))):
                b = k
                break
        return trim(a, b)
    before_start = speaker.span.end if speaker.span is not None and seg_start <= speaker.span.start < first else seg_start
    before = trim(before_start, first)
    if before and all(_in_timex(ctx, k) for k in range(*before)):
        return None  # only a date stands before the verb: no object
    return before


def _modifier(token) -> bool:
    """A word that belongs to the noun phrase left of its head (adjective, compound part),
    not a participle that tells what happened to it (die am … unterzeichnete Vereinbarung)."""
    if token.lower_ in _DETERMINERS or token.is_punct:
        return False
    if token.text.endswith("-") or token.lower_ == "und":
        return True
    return token.is_lower and token.lower_.endswith(("e", "en", "er", "es")) and not (
        _verbish(token) and token.lower_.endswith(("te", "ten", "tete")) and not token.lower_.startswith("er"))


def _in_timex(ctx: Sentence, i: int) -> bool:
    return any(s.start <= i < s.end for s in ctx.timexes)


def _genitive(m: Mention) -> bool:
    text = m.text
    return m.label == "COUNTRY" and text.endswith("s") and not text.endswith(("ss", "USA")) and len(text) > 4


def _unique(mentions: list[Mention]) -> list[Mention]:
    seen, out = set(), []
    for m in mentions:
        if m.id not in seen:
            seen.add(m.id)
            out.append(m)
    return out


def _key(claim: Claim) -> str:
    """One fact per document: the fields that make two claims the same (spec §6)."""
    ids = [claim.actor.id, claim.partner.id if claim.partner else ""]
    if claim.relation in SYMMETRIC:
        ids.sort()
    value = claim.value
    if isinstance(value, Entity):
        v = value.id
    elif isinstance(value, NumberValue):
        v = f"{value.type}:{value.amount}:{value.unit}"
    elif isinstance(value, TextValue):
        v = value.text.lower()
    else:
        v = ""
    return "|".join([claim.relation, *ids, v, claim.date.value if claim.date else "", claim.polarity])


@Language.factory(
    "extract_claims",
    assigns=["doc._.claims"],
    requires=["doc.ents", "doc.spans"],
    default_config={"rules": "relations.yaml"},
)
def make_claims(nlp: Language, name: str, rules: str) -> ClaimAssembler:
    return ClaimAssembler(nlp, name, rules=rules)
