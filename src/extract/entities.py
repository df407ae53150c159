"""Entity ruler: states, organisations, persons and places with the ids of spec §2.

The ``extract_entities`` component sets ``doc.ents`` (labels COUNTRY, ORG, PER, LOC; the
canonical id in ``kb_id_``) and ``Span._.ids``. It runs on a blank German pipeline
(tokenizer + sentencizer, optionally the lookup lemmatizer) and after de_core_news_lg,
whose PER/LOC/ORG/MISC entities it merges.

How a document is read
1. Registry. ``data/countries.jsonl`` (built by ``scripts/build_countries.py``),
   ``organisations.jsonl``, ``persons.jsonl`` and ``places.jsonl`` give base forms; the
   inflections (genitives, adjective endings, demonym plurals) are generated here and
   compiled once into a case-sensitive PhraseMatcher on ORTH. Abbreviations match
   exactly; names keep their case (Union, Rat are common words in lower case); adjectives
   and demonyms also match capitalised, as at the start of a sentence. Matching skips
   whitespace tokens, so a line break inside a name (raw PDF text) does not hide it.
2. Hyphenated compounds are one token in spaCy's German tokenizer (OSZE-Gipfeltreffen,
   kasachisch-amerikanischen). A token whose leading part is a registry form takes that
   entity; every registry id among its parts is kept in ``Span._.ids``
   (kasachisch-amerikanischen → KAZ with ids ["KAZ", "USA"]).
3. Context rules (no model needed), with the lexicons of ``data/roles.yaml`` and
   ``data/lexicon.yaml``: a role followed by capitalised name tokens is a person
   (per:<slug of the surname>, or the registry's id); a given name followed by a
   capitalised token is a person; organisation names from their head noun (Partei Ak Zhol,
   Konrad-Adenauer-Stiftung, Institut für …).
4. Resolution. A capital stands for its state unless it is the place of something:
   after a locative preposition (in Astana, nach Moskau — but not "die Führung in
   Nursultan") or in apposition to Stadt/Hauptstadt, where it is ``loc:<slug>``
   (``Span._.ids`` = [place, state]); a genitive (Astanas) always acts. A country
   adjective before a role with an office (der kasachische Präsident) is the person the
   text named for that office before, else the registry's holder at ``doc._.ref_date``,
   else the state; before an institution noun (Außenministerium, Führung, Firmen,
   Soldaten) it is the state, over both words.
5. Model entities (if ``doc.ents`` was set before): PER → registry id or
   per:<slug of surname>; LOC → COUNTRY if the registry knows it as a state, else
   loc:<slug>; ORG → org:<slug>; MISC dropped. Overlaps: the longest span wins, then
   registry over model over rules.
6. Document pass: a bare surname a rule or the model found before (… sagte Satpajew) gets
   that person's id; an abbreviation in brackets after an organisation ("(EKTU)") gets
   its id; "das Land", "die Republik", "das zentralasiatische Land" is the state of the
   sentence when the sentence starts with one, else the document's most frequently
   named state; "das Nachbarland" is the latest state named before it other than that
   most frequent one.

``entity_report(doc)`` lists the entities and the name-like words no entity covers.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections import ChainMap, Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional

import srsly
import yaml
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, Token
from spacy.util import ensure_path

from .extensions import as_date  # importing it registers Doc._.ref_date
from .lexicon import lemma_lookup, load_data, parse_data

DATA_DIR = Path(__file__).parent / "data"
# name → file; the component's whole state (written by to_disk, read by from_disk).
DATA_FILES = {
    "countries": "countries.jsonl",
    "organisations": "organisations.jsonl",
    "persons": "persons.jsonl",
    "places": "places.jsonl",
    "roles": "roles.yaml",
    "lexicon": "lexicon.yaml",
    "given_names": "given_names.txt",
}
LABELS = ("COUNTRY", "ORG", "PER", "LOC")
# Candidate priorities when two spans of equal length overlap.
REGISTRY, MODEL, RULE = 3, 2, 1
# When one surface form has several meanings, the lower rank keeps it.
KIND_RANK = {"name": 0, "abbr": 0, "seat": 1, "capital": 2, "person": 3, "weak": 3, "adj": 4, "dem": 4, "place": 5, "code": 6}

if not Span.has_extension("ids"):
    # Every id a span names, its kb_id_ first: both states of an adjective pair
    # (kasachisch-amerikanisch → ["KAZ", "USA"]), all registry parts of a compound
    # (EU-Russland-Gipfel → ["EU", "RUS"]), place and state of a capital read as a place
    # (in Astana → ["loc:astana", "KAZ"]). None when the span names only kb_id_.
    Span.set_extension("ids", default=None)


# --------------------------------------------------------------------------- data

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ı": "i", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d"})


@lru_cache(maxsize=10_000)  # names recur across documents
def slugify(text: str) -> str:
    """Spec §2 slug: lower case, ä→ae ö→oe ü→ue ß→ss, other accents dropped, rest → '-'."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFC", text).lower().translate(_FOLD))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def load_records(path: Path) -> dict[str, Any]:
    """Read the data files of a directory (the package's data dir or a to_disk dir)."""
    return {key: parse_data(name, (Path(path) / name).read_text(encoding="utf-8")) for key, name in DATA_FILES.items()}


def write_records(records: dict[str, Any], path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    for key, name in DATA_FILES.items():
        if name.endswith(".jsonl"):
            text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records[key])
        elif name.endswith(".yaml"):
            text = yaml.safe_dump(records[key], allow_unicode=True, sort_keys=False)
        else:
            text = "".join(w + "\n" for w in records[key])
        (path / name).write_text(text, encoding="utf-8")


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """German word forms and lemmas (spacy-lookups-data): a capitalised token in here is a
    common noun or a sentence-initial word, not a name (Männer, Gespräche, Regierung)."""
    table = lemma_lookup()  # empty without the lookups package: degrade, don't fail
    return frozenset(table) | frozenset(table.values())


def is_common(text: str, common: frozenset[str], suffixes: tuple[str, ...] = ()) -> bool:
    """A German word, also as a compound whose last part is one (Handelspartner) or with
    a common-noun ending (Versorgung): names rarely are either."""
    if text in common or text.lower() in common or text.lower().endswith(suffixes):
        return True
    word = text.rsplit("-", 1)[-1]
    return any(_cap(word[i:]) in common for i in range(2, len(word) - 3))


# --------------------------------------------------------------------------- inflection

_ADJ_ENDINGS = ("e", "en", "er", "es", "em")
_ARTICLES = frozenset("der die das den dem des ein eine einen einem eines einer".split())
_ADJ_TAIL = re.compile(r"(e|en|er|es|em)$")
_ANAPHOR_ADJ = re.compile(r"^[a-zäöüß-]+(e|en|er|es|em)$")


def _cap(word: str) -> str:
    return word[:1].upper() + word[1:]


def adjective_forms(stem: str) -> Iterator[str]:
    """kasachisch → kasachisch, kasachische, … and the capitalised forms."""
    for ending in ("",) + _ADJ_ENDINGS:
        yield stem + ending
        yield _cap(stem + ending)


def demonym_forms(bases: list[str]) -> Iterator[str]:
    """Kasache → Kasachen, Kasachin, Kasachinnen; Ukrainer → Ukrainers, Ukrainern, …
    A listed feminine (Französin) replaces the generated one."""
    listed_fem = any(b.endswith("in") for b in bases)
    for b in bases:
        yield b
        if b.endswith("in"):
            yield b + "nen"
            continue
        if b.endswith("e"):
            yield b + "n"
            stem = b[:-1]
        elif b.endswith("er"):
            yield from (b + "s", b + "n")
            stem = b
        elif b[-1] in "aiouy":
            yield b + "s"
            continue
        else:
            yield b + "en"
            stem = b
        if not listed_fem:
            yield from (stem + "in", stem + "innen")


def _noun_forms(noun: str) -> set[str]:
    """Genitive and dative-plural endings of a head noun (harmless where not a word)."""
    forms = {noun}
    if noun[-1] not in "sxzß":
        forms.add(noun + "s")
    if noun[-1] not in "aeiouäöüysxzß-.":
        forms.add(noun + "es")
    if noun.endswith("e"):
        forms.add(noun + "n")
    return forms


def name_forms(name: str, function_words: frozenset[str] = frozenset()) -> set[str]:
    """Russische Föderation → der Russischen Föderation; Weißes Haus → des Weißen Hauses;
    Kasachstan → Kasachstans. Leading adjectives take every ending together, the head
    noun its genitive."""
    toks = name.split(" ")
    n_adj = 0
    while (
        n_adj < len(toks) - 1
        and toks[n_adj].isalpha()
        and len(toks[n_adj]) > 3
        and _ADJ_TAIL.search(toks[n_adj])
        and toks[n_adj].lower() not in function_words
    ):
        n_adj += 1
    stems = [_ADJ_TAIL.sub("", t) for t in toks[:n_adj]]
    endings = _ADJ_ENDINGS if n_adj else ("",)
    forms = {name}
    for ending in endings:
        adjs = [s + ending for s in stems] if n_adj else []
        for head in _noun_forms(toks[n_adj]):
            forms.add(" ".join(adjs + [head] + toks[n_adj + 1 :]))
    if name[:1].islower():  # "westliche Allianz" at the start of a sentence
        forms |= {_cap(f) for f in forms}
    return forms


def role_forms(base: str, adj: bool = False, fixed: bool = False) -> set[str]:
    if fixed:
        return {base}
    if adj:  # Abgeordnete → Abgeordneter, Abgeordneten, Abgeordnetem
        stem = base[:-1] if base.endswith("e") else base
        return {stem + e for e in _ADJ_ENDINGS}
    if base.endswith("e"):  # Politologe → Politologen, Politologin
        return {base, base + "n", base[:-1] + "in", base[:-1] + "innen"}
    if base.endswith("er"):  # Minister → Ministers, Ministern, Ministerin
        return {base, base + "s", base + "n", base + "in", base + "innen"}
    # Präsident → Präsidenten, Präsidentin; Chef → Chefs; Generalsekretär → Generalsekretärs
    return {base, base + "s", base + "es", base + "e", base + "en", base + "in", base + "innen"}


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class Entry:
    """What a registry surface form stands for."""

    label: str  # COUNTRY | ORG | PER | LOC
    id: str
    kind: str  # name | abbr | weak | adj | dem | capital | seat | place | person | code
    place: str = ""  # a capital's own place id (its LOC reading)

    @property
    def key(self) -> str:
        return f"{self.label}|{self.id}|{self.kind}|{self.place}"


@dataclass(frozen=True)
class Role:
    office: Optional[str] = None
    country: Optional[str] = None
    org_head: bool = False


@dataclass
class Cand:
    start: int
    end: int
    label: str
    id: str
    prio: int
    ids: Optional[tuple[str, ...]] = None
    kind: str = ""


def _date(value: Any) -> Optional[dt.date]:
    """An office's first or last day in the registry: read as any date is (``as_date``),
    but a malformed one is an error in the data, not an unknown date."""
    found = as_date(value)
    if found is None and value not in (None, ""):
        raise ValueError(f"bad date in the registry: {value!r}")
    return found


class Registry:
    """Surface forms, offices and lexicons compiled from the data records."""

    def __init__(self, records: dict[str, Any]):
        lex = records["lexicon"]
        self.not_names = frozenset(lex["not_names"])
        self.function_words = frozenset(w.lower() for w in lex["not_names"]) | frozenset(lex["anaphor_determiners"])
        self.forms: dict[str, Entry] = {}
        self._add_organisations(records["organisations"])
        self._add_countries(records["countries"])
        self._add_persons(records["persons"])
        self._add_places(records["places"])
        self.hyphen_forms = {f for f in self.forms if "-" in f and " " not in f}
        self._add_roles(records["roles"])
        self.given_names = frozenset(records["given_names"])
        self.place_preps = frozenset(lex["place_prepositions"])
        self.government_nouns = frozenset(lex["government_nouns"])
        self.city_nouns = frozenset(lex["city_nouns"])
        self.institutions = frozenset(f for n in lex["institution_nouns"] for f in _noun_forms(n) | {n + "n", n + "en"})
        self.anaphor_dets = list(lex["anaphor_determiners"])
        self.anaphor_nouns = list(lex["anaphor_nouns"])
        self.neighbour_nouns = frozenset(lex["neighbour_nouns"])
        self.possessives = frozenset(lex["anaphor_possessives"])
        self.regions: dict[str, list[str]] = lex["anaphor_regions"]
        self.org_name_after = frozenset(lex["org_name_after"])
        self.org_heads: dict[str, str] = dict(lex["org_heads"])
        self.org_heads_with_name = frozenset(lex["org_heads_with_name"])
        self.compound_stop_heads = frozenset(lex["compound_stop_heads"])
        self.particles = frozenset(lex["name_particles"])
        self.noun_suffixes = tuple(lex["common_noun_suffixes"])
        # Most tokens trigger no rule; these sets (and a hyphen, for compounds) let the
        # passes over all tokens skip them.
        self.person_triggers = frozenset(self.roles) | self.given_names
        self.org_triggers = self.org_name_after | frozenset(self.org_heads)
        # das Land / das zentralasiatische Land / des Nachbarlandes: read back from the
        # nouns by _anaphor_spans, as a Matcher with a REGEX predicate would cost a regex
        # search on every token.
        self.anaphor_triggers = frozenset(self.anaphor_nouns) | self.neighbour_nouns
        self.triggers = self.person_triggers | self.org_triggers | self.anaphor_triggers

    def _add(self, forms: Iterable[str], entry: Entry) -> None:
        for form in forms:
            old = self.forms.get(form)
            if old is None or KIND_RANK[entry.kind] < KIND_RANK[old.kind]:
                self.forms[form] = entry

    def _add_organisations(self, records: list[dict]) -> None:
        for r in records:
            org = Entry("ORG", r["id"], "name")
            self._add((f for n in r.get("names", []) for f in name_forms(n, self.function_words)), org)
            self._add(r.get("abbr", []), Entry("ORG", r["id"], "abbr"))
            self._add((f for n in r.get("weak", []) for f in _noun_forms(n)), Entry("ORG", r["id"], "weak"))
            for city in r.get("capitals", []):  # Brüssel stands for the EU
                self._add_capital(city, "ORG", r["id"])

    def _add_countries(self, records: list[dict]) -> None:
        for r in records:
            cid = r["id"]
            self._add((f for n in r["names"] for f in name_forms(n, self.function_words)), Entry("COUNTRY", cid, "name"))
            self._add((f for a in r["adjectives"] for f in adjective_forms(a)), Entry("COUNTRY", cid, "adj"))
            self._add(demonym_forms(r["demonyms"]), Entry("COUNTRY", cid, "dem"))
            self._add((f for s in r["seats"] for f in name_forms(s, self.function_words)), Entry("COUNTRY", cid, "seat"))
            for city in r["capitals"]:
                self._add_capital(city, "COUNTRY", cid, place="loc:" + slugify(r["capitals"][0]))
            if not r["historical"]:  # "DEU ratifizierte": the ISO code itself, lowest rank
                self._add([cid], Entry("COUNTRY", cid, "code"))

    def _add_capital(self, city: str, label: str, sid: str, place: str = "") -> None:
        place = place or "loc:" + slugify(city)
        self._add([city], Entry(label, sid, "capital", place))
        # A genitive capital acts (Astanas Fähigkeit): a seat, never a place.
        self._add(name_forms(city) - {city}, Entry(label, sid, "seat"))

    def _add_persons(self, records: list[dict]) -> None:
        self.persons = {r["id"]: r for r in records}
        self.person_country = {r["id"]: r["country"] for r in records}
        self.offices: dict[tuple[str, str], list[tuple[dt.date, Optional[dt.date], str]]] = {}
        for r in records:
            forms = set(r["names"]) | {n + "s" for n in r["names"] if n[-1] not in "sxzß"}
            self._add(forms, Entry("PER", r["id"], "person"))
            for o in r.get("offices", []):
                term = (_date(o["from"]), _date(o.get("to")), r["id"])
                self.offices.setdefault((o["of"], o["office"]), []).append(term)

    def _add_places(self, records: list[dict]) -> None:
        for r in records:
            self._add((f for n in r["names"] for f in name_forms(n, self.function_words)), Entry("LOC", r["id"], "place"))

    def _add_roles(self, data: dict) -> None:
        self.roles: dict[str, Role] = {}
        for group in data["roles"]:
            role = Role(group.get("office"), group.get("country"), bool(group.get("org_head")))
            for base in group["forms"]:
                for form in role_forms(base, bool(group.get("adj")), bool(group.get("fixed"))):
                    old = self.roles.get(form)  # a form in two groups keeps the office it has
                    self.roles[form] = role if old is None else Role(old.office or role.office, old.country or role.country, old.org_head or role.org_head)
        self.deputy = tuple(s.lower() for s in data["deputy"])
        self.former = tuple(s.lower() for s in data["former"])
        self.office_aliases: dict[str, list[str]] = data.get("office_aliases", {})

    def role(self, text: str) -> Optional[Role]:
        """The role a token names, also as the last part of a compound (Duma-Abgeordneten)."""
        role = self.roles.get(text)
        if role is None and "-" in text[1:]:
            role = self.roles.get(text.rsplit("-", 1)[1])
        return role

    def holder(self, of: str, office: str, date: Optional[dt.date], former: bool = False) -> Optional[str]:
        """Who held an office of a state or organisation on a date (former: the one
        whose term ended last before it)."""
        if date is None:
            return None
        for key in self.office_aliases.get(office, [office]):
            terms = self.offices.get((of, key), [])
            current = [pid for start, end, pid in terms if start <= date and (end is None or date <= end)]
            if former:
                past = [(end, pid) for start, end, pid in terms if end is not None and end < date and pid not in current]
                if past:
                    return max(past)[1]
            elif current:
                return current[0]
        return None

    def modifier(self, low: str, stems: tuple[str, ...]) -> bool:
        """Whether a lower-case word ("" for none) is one of the adjectives (any ending)
        given by their stems."""
        if not low:
            return False
        return any(low.startswith(s) and low[len(s) :] in ("", *_ADJ_ENDINGS) for s in stems)


# --------------------------------------------------------------------------- component


@Language.factory(
    "extract_entities",
    assigns=["doc.ents", "span._.ids"],
    default_config={"data_dir": None, "merge_ents": True, "anaphora": True},
)
def make_entity_ruler(nlp: Language, name: str, data_dir: Optional[str], merge_ents: bool, anaphora: bool) -> "EntityRuler":
    return EntityRuler(nlp, name, data_dir=data_dir, merge_ents=merge_ents, anaphora=anaphora)


class EntityRuler:
    """Registry + context rules → ``doc.ents`` with spec §2 ids (see the module docstring).

    data_dir: a directory with the data files (default: the package's ``data/``).
    merge_ents: read entities already in ``doc.ents`` (a statistical NER) as candidates.
    anaphora: resolve "das Land", "die Republik", "das Nachbarland" to a state.
    """

    def __init__(self, nlp: Language, name: str = "extract_entities", *, data_dir: Optional[str] = None, merge_ents: bool = True, anaphora: bool = True):
        self.nlp = nlp
        self.name = name
        self.merge_ents = merge_ents
        self.anaphora = anaphora
        self.data_dir = Path(data_dir) if data_dir else DATA_DIR
        self.set_records(load_records(self.data_dir))

    # -- state ---------------------------------------------------------------

    def set_records(self, records: dict[str, Any]) -> None:
        """Compile the data records into the registry and the matchers."""
        self.records = records
        self.reg = reg = Registry(records)
        self.common = common_words()
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        self._entries: dict[int, Entry] = {}
        by_entry: dict[Entry, list[str]] = {}
        for form, entry in reg.forms.items():
            by_entry.setdefault(entry, []).append(form)
        # Words a multi-word form goes on after / comes after: only where both meet
        # across a line break must matching rebuild the doc without whitespace tokens.
        self._joins_before: set[str] = set()
        self._joins_after: set[str] = set()
        for entry, forms in by_entry.items():
            self._entries[self.nlp.vocab.strings.add(entry.key)] = entry
            # A form with a whitespace token never matches, as matching skips them.
            patterns = [p for p in self.nlp.tokenizer.pipe(forms) if not any(t.is_space for t in p)]
            for p in patterns:
                self._joins_before.update(t.text for t in p[:-1])
                self._joins_after.update(t.text for t in p[1:])
            self.matcher.add(entry.key, patterns)
        self._anaphor_dets = frozenset(reg.anaphor_dets)

    def initialize(self, get_examples: Optional[Callable] = None, *, nlp: Optional[Language] = None, data_dir: Optional[str] = None) -> None:
        """Reload the registry from ``data_dir`` ([initialize.components]) or the
        configured directory, so that edited data files take effect."""
        if data_dir:
            self.data_dir = Path(data_dir)
        self.set_records(load_records(self.data_dir))

    def to_disk(self, path: Any, *, exclude: Iterable[str] = tuple()) -> None:
        write_records(self.records, ensure_path(path))

    def from_disk(self, path: Any, *, exclude: Iterable[str] = tuple()) -> "EntityRuler":
        self.set_records(load_records(ensure_path(path)))
        return self

    def to_bytes(self, *, exclude: Iterable[str] = tuple()) -> bytes:
        return srsly.msgpack_dumps(self.records)

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = tuple()) -> "EntityRuler":
        self.set_records(srsly.msgpack_loads(data))
        return self

    # -- annotation ----------------------------------------------------------

    def __call__(self, doc: Doc) -> Doc:
        model_ents = list(doc.ents) if self.merge_ents else []
        state = _DocState(doc, self.reg)
        cands = self._persons(doc, state)  # first: they record who holds which office
        cands += self._registry(doc, state)
        cands += self._compounds(doc, state)
        cands += self._organisations(doc, state)
        cands += self._model(doc, model_ents, state)
        chosen = _longest(cands)
        chosen = _add_uncovered(chosen, self._document_pass(doc, chosen, state))
        if self.anaphora:
            chosen = _add_uncovered(chosen, self._anaphora(doc, chosen, state))
        spans = []
        for c in chosen:
            span = Span(doc, c.start, c.end, label=c.label, kb_id=c.id)
            if c.ids and len(set(c.ids)) > 1:
                span._.ids = list(dict.fromkeys(c.ids))
            spans.append(span)
        doc.set_ents(spans)  # what doc.ents = spans does, without copying every Span
        return doc

    # registry matches ------------------------------------------------------

    def _registry(self, doc: Doc, state: "_DocState") -> list[Cand]:
        cands = []
        for match_id, start, end in self._registry_matches(state):
            entry = self._entries[match_id]
            if entry.kind == "capital":
                if self._is_place(state, start):
                    cands.append(Cand(start, end, "LOC", entry.place, REGISTRY, (entry.place, entry.id), "capital"))
                else:
                    cands.append(Cand(start, end, entry.label, entry.id, REGISTRY, kind="capital"))
            elif entry.kind == "adj":
                cands.append(self._adjective(doc, state, start, end, entry))
            elif entry.kind == "weak":
                # "Sicherheitsrat" alone is the UN's unless an adjective says whose
                # (der russische / Nationale Sicherheitsrat).
                prev = state.prev(start)
                low = state.lower(prev)
                if prev is None or low in self.reg.function_words or not (state.texts[prev].isalpha() and _ADJ_TAIL.search(low)):
                    cands.append(Cand(start, end, entry.label, entry.id, REGISTRY, kind="weak"))
            else:
                cands.append(Cand(start, end, entry.label, entry.id, REGISTRY, kind=entry.kind))
        return cands

    def _registry_matches(self, state: "_DocState") -> list[tuple[int, int, int]]:
        """Registry matches as if whitespace tokens (line breaks in raw text) were absent.
        Building that doc costs more than matching; it is needed only when a form may run
        across a line break."""
        texts = state.texts
        if not any(texts[a] in self._joins_before and texts[b] in self._joins_after for a, b in state.breaks()):
            return self.matcher(state.doc)
        solid = [i for i in range(len(texts)) if i not in state.spaces]
        words = [texts[i] for i in solid]
        matches = self.matcher(Doc(self.nlp.vocab, words=words, spaces=[True] * len(words)))
        return [(m, solid[s], solid[e - 1] + 1) for m, s, e in matches]

    def _is_place(self, state: "_DocState", start: int) -> bool:
        """A capital is a place after a locative preposition (unless a government noun
        precedes it: die Führung in Nursultan) or after Stadt/Hauptstadt."""
        prev = state.prev(start)
        if prev is None:
            return False
        low = state.lower(prev)
        if low in self.reg.city_nouns:
            return True
        if low in self.reg.place_preps:
            return state.lower(state.prev(prev)) not in self.reg.government_nouns
        return False

    def _adjective(self, doc: Doc, state: "_DocState", start: int, end: int, entry: Entry) -> Cand:
        """kasachische → KAZ; + role → the office holder; + institution → the state."""
        nxt = state.next(end - 1)
        if nxt is not None:
            text = state.texts[nxt]
            role = self.reg.role(text)
            if role is not None and role.office and self._name_after_role(state, nxt) is None:
                mod = state.lower(state.prev(start))
                former = self.reg.modifier(mod, self.reg.former) or text.startswith("Ex-")
                deputy = self.reg.modifier(mod, self.reg.deputy)
                pid = None if deputy else state.office_holder(entry.id, role.office, start, former)
                if pid:
                    return Cand(start, nxt + 1, "PER", pid, REGISTRY, kind="office")
                return Cand(start, nxt + 1, "COUNTRY", entry.id, REGISTRY, kind="office")
            if text in self.reg.institutions:
                return Cand(start, nxt + 1, "COUNTRY", entry.id, REGISTRY, kind="institution")
        return Cand(start, end, "COUNTRY", entry.id, REGISTRY, kind="adj")

    # hyphenated compounds ---------------------------------------------------

    def _compounds(self, doc: Doc, state: "_DocState") -> list[Cand]:
        reg, cands = self.reg, []
        for i in state.marked:
            text = state.texts[i]
            if "-" not in text and "." not in text:
                continue
            if text.endswith(".") and text not in reg.forms and (entry := reg.forms.get(text[:-1])) and entry.kind in ("abbr", "name", "code"):
                # The tokenizer keeps a sentence's final period on mixed-case
                # abbreviations ("der PfP.", "der G20.").
                cands.append(Cand(i, i + 1, entry.label, entry.id, REGISTRY, kind=entry.kind))
                continue
            if "-" not in text[1:] or text in reg.forms:
                continue
            parts = text.split("-")
            if parts[-1] in reg.compound_stop_heads or parts[-1] in reg.org_heads:
                continue  # 40 000 US-Dollar; Nasarbajew-Universität is an organisation
            entry = self._compound_head(text, parts)
            if entry is None or entry.kind == "weak":
                continue
            ids = [entry.id] + [e.id for p in parts[1:] if (e := reg.forms.get(p)) and e.label in ("COUNTRY", "ORG", "LOC")]
            label = "LOC" if entry.kind == "place" else entry.label
            cand = Cand(i, i + 1, label, entry.id, REGISTRY, tuple(ids), "compound")
            role = reg.role(text)  # US-Präsident, NATO-Generalsekretär without a name
            if role and role.office and label in ("COUNTRY", "ORG") and self._name_after_role(state, i) is None:
                mod = state.lower(state.prev(i))
                deputy = reg.modifier(mod, reg.deputy)
                former = text.startswith("Ex-") or reg.modifier(mod, reg.former)
                pid = None if deputy else state.office_holder(entry.id, role.office, i, former)
                if pid:
                    cand = Cand(i, i + 1, "PER", pid, REGISTRY, tuple(ids), "office")
            cands.append(cand)
        return cands

    def _compound_head(self, text: str, parts: list[str]) -> Optional[Entry]:
        """The registry form a compound starts with: a hyphenated name continued
        (VN-Sicherheitsrat|smitglied), else its longest leading run of parts."""
        forms = self.reg.forms
        for length in range(len(text) - 1, 2, -1):
            prefix = text[:length]
            if prefix in self.reg.hyphen_forms:
                return forms[prefix]
        for k in range(len(parts) - 1, 0, -1):
            entry = forms.get("-".join(parts[:k]))
            if entry is not None:
                return entry
        return None

    # persons ----------------------------------------------------------------

    def _persons(self, doc: Doc, state: "_DocState") -> list[Cand]:
        """Role + name (Präsident Tokajew, Herausgeber der Asia Times, Pepe Escobar) and
        given name + surname (Alexandra Sitenko)."""
        reg, cands = self.reg, []
        for i in state.marked:
            text = state.texts[i]
            if text not in reg.person_triggers and "-" not in text:
                continue
            role = reg.role(text)
            if role is not None:
                # Modifiers stand before the role or before its country adjective:
                # der (stellvertretende) (kasachische) Außenminister.
                prev = state.prev(i)
                adj = reg.forms.get(state.texts[prev]) if prev is not None else None
                adj = adj if adj is not None and adj.kind == "adj" else None
                mod = state.lower(state.prev(prev) if adj is not None else prev)
                deputy = reg.modifier(mod, reg.deputy)
                former = text.startswith("Ex-") or reg.modifier(mod, reg.former)
                found = self._name_after_role(state, i)
                if found is None:
                    if role.office and role.country and adj is None and not deputy:
                        # "der Bundeskanzler" names the holder at the document date
                        pid = state.office_holder(role.country, role.office, i, former)
                        if pid:
                            cands.append(Cand(i, i + 1, "PER", pid, RULE, kind="office"))
                    continue
                (start, end), org = found
                pid = self._person_id(state, start, end)
                cands.append(Cand(start, end, "PER", pid, RULE, kind="role"))
                if org is not None:
                    cands.append(Cand(org[0], org[1], "ORG", "org:" + slugify(state.span_text(*org)), RULE, kind="org"))
                if adj is not None:  # des kasachischen Politologen X: X is Kazakh
                    state.person_country.setdefault(pid, adj.id)
                if role.office and not deputy and not former:
                    of = self._office_of(state, i, role, pid)
                    if of:
                        state.offices.append((i, of, role.office, pid))
            elif text in reg.given_names or text.split("-")[0] in reg.given_names:
                if state.lower(state.prev(i)) in _ARTICLES:
                    continue  # "der Roman Tolstois": after an article a given name is a noun
                chunk = self._name_chunk(state, i)
                if chunk and chunk[1] - chunk[0] > 1 and state.texts[chunk[1] - 1] not in reg.given_names:
                    cands.append(Cand(chunk[0], chunk[1], "PER", self._person_id(state, *chunk), RULE, kind="given"))
        return cands

    def _office_of(self, state: "_DocState", i: int, role: Role, pid: str) -> Optional[str]:
        """Whose office a role names: the adjective before it (der kasachische Präsident X),
        the compound's first part (US-Präsident X), the role's own state (Bundeskanzler),
        else the office the registry gives the person."""
        prev = state.prev(i)
        entry = self.reg.forms.get(state.texts[prev]) if prev is not None else None
        if entry is not None and entry.kind == "adj":
            return entry.id
        text = state.texts[i]
        if "-" in text[1:]:
            head = self._compound_head(text, text.split("-"))
            if head is not None and head.label in ("COUNTRY", "ORG"):
                return head.id
        if role.country:
            return role.country
        for o in self.reg.persons.get(pid, {}).get("offices", []):
            if o["office"] in self.reg.office_aliases.get(role.office, [role.office]):
                return o["of"]
        return None

    def _name_after_role(self, state: "_DocState", i: int) -> Optional[tuple[tuple[int, int], Optional[tuple[int, int]]]]:
        """The name after the role token at i, directly (Präsident Tokajew) or after a
        complement and a comma (Botschafter in Kasachstan, Petro Wrublewski). Returns the
        name's span and, for roles heading an organisation, the complement's span when it
        is a name nothing else knows (Herausgeber der Asia Times)."""
        reg, texts = self.reg, state.texts
        nxt = state.next(i)
        if nxt is None:
            return None
        chunk = self._name_chunk(state, nxt)
        if chunk:
            return chunk, None
        if state.lower(nxt) not in ("der", "des", "von", "vom", "in", "im", "aus", "bei"):
            return None
        toks: list[int] = []
        t = state.next(nxt)
        while t is not None and len(toks) < 4 and (self._name_like(texts[t]) or texts[t].isupper() or texts[t] in reg.forms):
            toks.append(t)
            t = state.next(t)
        if not toks or t is None or texts[t] != ",":
            return None
        after = state.next(t)
        chunk = self._name_chunk(state, after) if after is not None else None
        if chunk is None:
            return None
        org = None
        role = reg.role(state.texts[i])
        if role and role.org_head and not any(state.texts[k] in reg.forms for k in toks) and not any(self._common(state.texts[k]) for k in toks):
            org = (toks[0], toks[-1] + 1)
        return chunk, org

    def _name_chunk(self, state: "_DocState", i: int) -> Optional[tuple[int, int]]:
        """Up to four capitalised name tokens from i (across single line breaks), not a
        registry state/organisation/place, not a common word after the first unless the
        previous one is a given name; a first token that is a common word needs a second."""
        doc, reg, texts = state.doc, self.reg, state.texts
        toks: list[int] = []
        k = i
        while k < len(texts) and len(toks) < 4:
            text = texts[k]
            if k in state.spaces:
                if "\n\n" in text:
                    break
                k += 1
                continue
            if toks and doc[k].is_sent_start:
                break
            if text in ("Dr.", "Prof.") and not toks:
                k += 1
                continue
            if toks and text in reg.particles:
                nxt = state.next(k)
                if nxt is not None and self._name_like(texts[nxt]):
                    toks.append(k)
                    k += 1
                    continue
                break
            entry = reg.forms.get(text)
            if entry is not None and entry.label != "PER" and text in reg.given_names and not toks:
                nxt = state.next(k)  # Nursultan Nasarbajew: a given name that is also a capital
                nxt_entry = reg.forms.get(texts[nxt]) if nxt is not None else None
                if nxt is not None and self._name_like(texts[nxt]) and (nxt_entry is None or nxt_entry.label == "PER"):
                    entry = None
            if not self._name_like(text) or (entry is not None and entry.label != "PER"):
                break
            prev_given = bool(toks) and texts[toks[-1]] in reg.given_names
            if toks and not prev_given and not entry and is_common(text, self.common, reg.noun_suffixes):
                break
            toks.append(k)
            k += 1
        while toks and texts[toks[-1]] in reg.particles:
            toks.pop()
        if not toks:
            return None
        first = texts[toks[0]]
        if len(toks) == 1 and self._common(first) and first not in reg.given_names and first not in reg.forms:
            return None
        return toks[0], toks[-1] + 1

    def _name_like(self, text: str) -> bool:
        return (
            len(text) > 1
            and text[0].isupper()
            and text not in self.reg.not_names
            and not text.endswith("-")
            # Most names are plain words, which these string tests settle without a
            # loop over their characters.
            and (text[1:].islower() or any(c.islower() for c in text))
            and (text.isalpha() or all(c.isalpha() or c in "-'’." for c in text))
        )

    def _common(self, text: str) -> bool:
        # str.lower is how spaCy sets Token.lower_.
        return text in self.common or text.lower() in self.common

    def _person_id(self, state: "_DocState", start: int, end: int) -> str:
        """The registry's id for the name or its surname, else per:<slug of surname>."""
        forms, texts = self.reg.forms, state.texts
        for key in (state.span_text(start, end), texts[end - 1]):
            entry = forms.get(key)
            if entry is not None and entry.label == "PER":
                return entry.id
        surname = texts[end - 1]
        # Surnames with particles keep them (von der Leyen → per:von-der-leyen).
        first_particle = next((k for k in range(start, end) if texts[k] in self.reg.particles), None)
        if first_particle is not None:
            surname = state.span_text(first_particle, end)
        return "per:" + slugify(surname)

    # organisations ------------------------------------------------------------

    def _organisations(self, doc: Doc, state: "_DocState") -> list[Cand]:
        reg, texts, cands = self.reg, state.texts, []
        for i in state.marked:
            text = texts[i]
            if text not in reg.org_triggers and "-" not in text:
                continue
            if text in reg.org_name_after:
                span = self._name_after_trigger(state, i)
                if span is not None:
                    cands.append(Cand(span[0], span[1], "ORG", "org:" + slugify(state.span_text(*span)), RULE, kind="org"))
            head = reg.org_heads.get(text) or (reg.org_heads.get(text.rsplit("-", 1)[1]) if "-" in text[1:] else None)
            if head is None:
                continue
            start, end = i, i + 1
            p = state.prev(start)
            for _ in range(2):  # at most two modifiers: Freie Universität, Robert Bosch Stiftung
                if p is None or not self._org_modifier(state, p):
                    break
                start = p
                p = state.prev(start)
            nxt = state.next(i)
            if nxt is not None and state.lower(nxt) == "für":
                end = self._fuer_tail(state, nxt) or end
            elif nxt is not None and head in reg.org_heads_with_name:
                while nxt is not None and end - i < 3 and self._name_like(texts[nxt]) and not doc[nxt].is_sent_start and (
                    not self._common(texts[nxt]) or getattr(self.reg.forms.get(texts[nxt]), "label", None) in ("LOC", "COUNTRY")
                ):
                    end = nxt + 1
                    nxt = state.next(nxt)
            if start == i and end == i + 1 and "-" not in text[1:]:
                continue  # a bare "die Stiftung" names nothing
            cands.append(Cand(start, end, "ORG", "org:" + slugify(self._org_nominative(doc, start, end, i, head)), RULE, kind="org"))
        return cands

    def _org_modifier(self, state: "_DocState", k: int) -> bool:
        """A capitalised word before an organisation's head: an adjective (Technischen,
        Deutsch-Kasachische) or a name (Robert Bosch Stiftung)."""
        text = state.texts[k]
        if not self._name_like(text) or text in self.reg.forms and self.reg.forms[text].kind not in ("adj",):
            return False
        prev = state.prev(k)
        given = text in self.reg.given_names or (prev is not None and state.texts[prev] in self.reg.given_names)
        return bool(_ADJ_TAIL.search(text)) or not self._common(text) or "-" in text or given

    def _fuer_tail(self, state: "_DocState", i: int) -> Optional[int]:
        """End of "für [das] Wissenschaft und Technologie": capitalised words, und,
        lower-case adjectives; ends on a capitalised word."""
        texts = state.texts
        end, t = None, state.next(i)
        if t is not None and state.lower(t) in ("das", "die", "den", "der"):
            t = state.next(t)
        while t is not None:
            if texts[t][:1].isupper() and texts[t].isalpha() and texts[t] not in self.reg.not_names:
                end = t + 1
            elif not (state.lower(t) in ("und", "-") or (texts[t].islower() and _ADJ_TAIL.search(state.lower(t)))):
                break
            t = state.next(t)
        return end

    def _name_after_trigger(self, state: "_DocState", i: int) -> Optional[tuple[int, int]]:
        """The name after Partei/Nachrichtenagentur/Portal…: quoted, or capitalised or
        upper-case words that are not common German words."""
        doc, texts = state.doc, state.texts
        nxt = state.next(i)
        if nxt is None:
            return None
        if doc[nxt].is_quote or texts[nxt] in "„“”‚‘’«»\"":
            toks, t = [], state.next(nxt)
            while t is not None and len(toks) < 8 and not (doc[t].is_quote or texts[t] in "„“”‚‘’«»\""):
                toks.append(t)
                t = state.next(t)
            return (toks[0], toks[-1] + 1) if toks and t is not None else None
        toks, t = [], nxt
        while t is not None and len(toks) < 4 and (self._name_like(texts[t]) or (texts[t].isupper() and texts[t].isalpha() and len(texts[t]) > 1)) and not self._common(texts[t]):
            entry = self.reg.forms.get(texts[t])
            if entry is not None and entry.label != "ORG":
                break
            toks.append(t)
            t = state.next(t)
        return (toks[0], toks[-1] + 1) if toks else None

    def _org_nominative(self, doc: Doc, start: int, end: int, head_i: int, head: str) -> str:
        """The name as its nominative, so that every case gets one id: adjectives before
        the head take -e (der Technischen → Technische), the head its base form."""
        words = []
        for k in range(start, end):
            text = doc[k].text
            norm = _ADJ_TAIL.sub("e", text)
            if k < head_i and norm != text and ("-" in text or any(w in self.common for w in (text, text.lower(), norm, norm.lower()))):
                text = norm
            elif k == head_i:
                text = text.rsplit("-", 1)[0] + "-" + head if "-" in text[1:] else head
            if not doc[k].is_space:
                words.append(text)
        return " ".join(words)

    # model entities -------------------------------------------------------------

    def _model(self, doc: Doc, ents: list[Span], state: "_DocState") -> list[Cand]:
        cands = []
        for ent in ents:
            label, text = ent.label_, ent.text
            if ent.kb_id_ and label in LABELS:  # ours from an earlier run
                cands.append(Cand(ent.start, ent.end, label, ent.kb_id_, MODEL, kind="model"))
                continue
            entry = self.reg.forms.get(text)
            if entry is not None:  # the registry decides; its own match covers the span
                continue
            if label in ("PER", "PERSON"):
                end = ent.end
                while end > ent.start + 1 and not doc[end - 1].is_alpha:
                    end -= 1
                pid = self._person_id(state, ent.start, end)
                surname = doc[end - 1].text
                if surname.endswith("s") and surname[:-1] in state.words and pid == "per:" + slugify(surname):
                    pid = "per:" + slugify(surname[:-1])  # Satpajews → per:satpajew
                cands.append(Cand(ent.start, ent.end, "PER", pid, MODEL, kind="model"))
            elif label in ("LOC", "GPE"):
                cands.append(Cand(ent.start, ent.end, "LOC", "loc:" + slugify(text), MODEL, kind="model"))
            elif label == "ORG":
                cands.append(Cand(ent.start, ent.end, "ORG", "org:" + slugify(self._org_nominative(doc, ent.start, ent.end, ent.end, "")), MODEL, kind="model"))
        return cands

    # document pass ---------------------------------------------------------------

    def _document_pass(self, doc: Doc, chosen: list[Cand], state: "_DocState") -> list[Cand]:
        """Bare surnames of persons found by rule or model; "(ABBR)" after an organisation."""
        covered = _covered(chosen)
        surnames: dict[str, str] = {}
        abbrs: dict[str, Cand] = {}
        for c in chosen:
            last = state.texts[c.end - 1]
            if c.label == "PER" and c.prio < REGISTRY and not self._common(last):
                surnames[last] = c.id
                surnames[last + "s"] = c.id
            if c.label == "ORG" and c.kind not in ("compound", "adj"):
                o = state.next(c.end - 1)
                a = state.next(o) if o is not None and state.texts[o] == "(" else None
                cl = state.next(a) if a is not None else None
                if a is not None and cl is not None and state.texts[cl] == ")" and a not in covered and re.fullmatch(r"[A-ZÄÖÜ][A-Za-zÄÖÜ]*[A-ZÄÖÜ][A-Za-zÄÖÜ]*", state.texts[a]):
                    abbrs[state.texts[a]] = c
        new = []
        for i in state.find(surnames.keys() | abbrs.keys()):
            text = state.texts[i]
            if i in covered:
                continue
            if text in surnames and self._name_like(text):
                new.append(Cand(i, i + 1, "PER", surnames[text], RULE, kind="surname"))
            elif text in abbrs:
                c = abbrs[text]
                new.append(Cand(i, i + 1, c.label, c.id, RULE, kind="abbr"))
        return new

    def _anaphora(self, doc: Doc, chosen: list[Cand], state: "_DocState") -> list[Cand]:
        """"das Land", "die Republik" → the state the sentence starts with, else the
        document's most salient state (most often named by its name; an adjective with a
        region, "das zentralasiatische Land", limits the choice to that region's states);
        "sein Land" → the state of the first person the sentence names; "das Nachbarland"
        → the latest state named before it other than the most salient one."""
        countries = [c for c in chosen if c.label == "COUNTRY"]
        anaphors = list(self._anaphor_spans(state)) if countries else []
        if not anaphors:
            return []
        names = Counter(c.id for c in countries if c.kind in ("name", "code"))
        ranking = [cid for cid, _ in names.most_common()] + [cid for cid, _ in Counter(c.id for c in countries).most_common()]
        starts = {c.start: c for c in countries}
        covered = _covered(chosen)
        persons = [c for c in chosen if c.label == "PER"]
        has_sents = doc.has_annotation("SENT_START")  # once: without sentences it scans the whole document
        new = []
        for start, end in anaphors:
            span = (start + 1, end)
            if any(k in covered for k in range(*span)):
                continue
            region = next((set(ids) for k in range(start + 1, end - 1) for stem, ids in self.reg.regions.items() if state.lower(k).startswith(stem)), None)
            salient = next((cid for cid in ranking if region is None or cid in region), None)
            sent = doc[start].sent if has_sents else doc[:]
            if state.texts[end - 1] in self.reg.neighbour_nouns:
                before = [c.id for c in countries if c.end <= start and c.id != ranking[0]]
                cid = before[-1] if before else None
            elif state.lower(start) in self.reg.possessives:
                owner = next((state.person_country.get(p.id) for p in persons if sent.start <= p.start < start and state.person_country.get(p.id)), None)
                cid = owner or salient
            else:
                first = starts.get(next((t.i for t in sent if not t.is_space), sent.start))
                cid = first.id if first is not None and first.end <= start and (region is None or first.id in region) else salient
            if cid:
                new.append(Cand(span[0], span[1], "COUNTRY", cid, RULE, kind="anaphor"))
        return new

    def _anaphor_spans(self, state: "_DocState") -> Iterator[tuple[int, int]]:
        """Determiner, up to two lower-case adjectives, anaphor noun: what the Matcher
        pattern [det, adj?, adj?, noun] finds, each (start, end) once."""
        texts = state.texts
        for noun in state.marked:
            if texts[noun] not in self.reg.anaphor_triggers:
                continue
            end = noun + 1
            for n_adj in range(3):
                det = noun - 1 - n_adj
                if det < 0 or (n_adj and not _ANAPHOR_ADJ.search(texts[det + 1].lower())):
                    break
                if texts[det].lower() in self._anaphor_dets:
                    yield det, end


class _DocState:
    """Per-document helpers: the token texts, neighbours across whitespace tokens, and
    the offices the text has named (position, of, office, person), read by "der
    kasachische Präsident"."""

    def __init__(self, doc: Doc, reg: Registry):
        self.doc, self.reg = doc, reg
        # The passes over all tokens read this plain list: a spaCy Token is made anew on
        # every doc[i] and every attribute read, which costs more than the rules.
        strings = doc.vocab.strings
        self.texts: list[str] = [strings[orth] for orth in doc.to_array(ORTH).tolist()]
        # Whitespace tokens (line breaks) are few. str.isspace is how spaCy sets Token.is_space.
        self.spaces = {i for i, text in enumerate(self.texts) if text.isspace()}
        # The tokens that may trigger a rule, found in one scan: the passes over all
        # tokens read only these (no whitespace token is one).
        self.marked = [i for i, text in enumerate(self.texts) if text in reg.triggers or "-" in text or "." in text]
        self.offices: list[tuple[int, str, str, str]] = []
        # Persons' states, as the registry gives them and as the text adds them.
        self.person_country: ChainMap[str, str] = ChainMap({}, reg.person_country)
        self.ref_date = as_date(doc._.ref_date)

    @cached_property
    def words(self) -> set[str]:
        return set(self.texts)

    def span_text(self, start: int, end: int) -> str:
        """doc[start:end].text, without making a Span for a single token."""
        return self.texts[start] if end - start == 1 else self.doc[start:end].text

    def find(self, words: set[str]) -> list[int]:
        """The positions of the tokens with these texts."""
        return [i for i, text in enumerate(self.texts) if text in words] if words else []

    def prev(self, i: int) -> Optional[int]:
        """The token before i across whitespace tokens; an index, as the rules read
        texts, not Tokens."""
        k = i - 1
        while k in self.spaces:
            k -= 1
        return k if k >= 0 else None

    def next(self, i: int) -> Optional[int]:
        k = i + 1
        while k in self.spaces:
            k += 1
        return k if k < len(self.texts) else None

    def lower(self, k: Optional[int]) -> str:
        """Token k's lower-case text, "" for none (str.lower is how spaCy sets Token.lower_)."""
        return self.texts[k].lower() if k is not None else ""

    def breaks(self) -> Iterator[tuple[int, int]]:
        """The tokens on either side of each run of whitespace tokens inside the doc."""
        for k in self.spaces:
            if k > 0 and k - 1 not in self.spaces:
                end = k + 1
                while end in self.spaces:
                    end += 1
                if end < len(self.texts):
                    yield k - 1, end

    def office_holder(self, of: str, office: str, position: int, former: bool = False) -> Optional[str]:
        """The person the text named for this office before, else the registry's holder
        at the document date."""
        if not former:
            named = [pid for i, o, off, pid in self.offices if i < position and o == of and off == office]
            if named:
                return named[-1]
        return self.reg.holder(of, office, self.ref_date, former)


def _covered(cands: list[Cand]) -> set[int]:
    return {k for c in cands for k in range(c.start, c.end)}


def _longest(cands: list[Cand]) -> list[Cand]:
    """Non-overlapping candidates: longest first, then registry > model > rules, then
    leftmost."""
    chosen, taken = [], set()
    for c in sorted(cands, key=lambda c: (c.start - c.end, -c.prio, c.start)):
        if taken.isdisjoint(range(c.start, c.end)):
            chosen.append(c)
            taken.update(range(c.start, c.end))
    return sorted(chosen, key=lambda c: c.start)


def _add_uncovered(chosen: list[Cand], new: list[Cand]) -> list[Cand]:
    """_longest(chosen + new) for new candidates on tokens no chosen one covers (what the
    document pass and the anaphora find): every chosen one stays, so only the new ones
    need sorting out."""
    return sorted(chosen + _longest(new), key=lambda c: c.start)


# --------------------------------------------------------------------------- report


@lru_cache(maxsize=1)
def _default_lexicon() -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    lex = load_data(DATA_FILES["lexicon"])
    return frozenset(lex["not_names"]), common_words(), tuple(lex["common_noun_suffixes"])


def entity_report(doc: Doc) -> dict[str, Any]:
    """The entities of a processed doc, and what looks like a name but got no entity:
    runs of two or more capitalised words and capitalised words that are not at the
    start of a sentence and not common German words, with counts (what the registry
    lacks)."""
    not_names, common, suffixes = _default_lexicon()
    entities = [
        {"start": e.start_char, "end": e.end_char, "text": e.text, "label": e.label_, "id": e.kb_id_}
        for e in doc.ents
    ]
    covered = {k for e in doc.ents for k in range(e.start, e.end)}

    def capitalised(t: Token) -> bool:
        return t.text[:1].isupper() and any(c.islower() for c in t.text) and t.text not in not_names and not t.like_num

    def name_like(t: Token) -> bool:
        return capitalised(t) and t.is_alpha and not is_common(t.text, common, suffixes)

    unresolved: Counter[str] = Counter()
    run: list[Token] = []
    for t in list(doc) + [None]:  # type: ignore[list-item]
        if t is not None and t.is_space and run and "\n\n" not in t.text:
            continue
        if t is not None and t.i not in covered and capitalised(t) and not (run and t.is_sent_start):
            run.append(t)
            continue
        if len(run) > 1 and any(name_like(r) for r in run):
            unresolved[" ".join(r.text for r in run)] += 1
        elif len(run) == 1 and name_like(run[0]) and not run[0].is_sent_start:
            unresolved[run[0].text] += 1
        run = [t] if t is not None and t.i not in covered and capitalised(t) else []
        if t is not None and t.i not in covered and t.is_upper and t.is_alpha and 1 < len(t) < 7 and t.text not in not_names:
            unresolved[t.text] += 1  # abbreviations: LNR, ZAS
    return {
        "entities": entities,
        "unresolved": [{"text": text, "count": n} for text, n in unresolved.most_common()],
    }
