"""The fast matching of rule patterns finds exactly what plain ``re`` finds."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extract.claims import Cues
from extract.lexicon import load_data
from extract.patterns import CueIndex, Finder, for_lowered, literal_starts, lowered


@pytest.mark.parametrize("pattern, starts", [
    (r"\bmitglied(?!er des )", ["mitglied"]),
    (r"\bbeitr(itt|eten|at)", ["beitritt", "beitreten", "beitrat"]),
    (r"\bw(a|i)rft?\b[^.;]{0,60}?\bvor\b", ["warf", "wirf"]),
    (r"\berk[ae]nn\w*", ["erkann", "erkenn"]),
    (r"\bbesuch(t|te|ten|s|)\b", ["besucht", "besuchte", "besuchten", "besuchs", "besuch"]),
    (r"übung(en)?\b", ["übungen", "übung"]),
    (r"\b(gesprächs)?runde\b", ["gesprächsrunde", "runde"]),
    (r"a(b)??c", ["abc", "ac"]),
    (r"a(bc)d?e", ["abc"]),
    (r"a(b\w)?d", ["a"]),
    (r"a(b)*d", ["a"]),
    (r"abc?d", ["ab"]),
    (r"(gespräch|runde\b|treffen$)", ["gespräch", "runde", "treffen"]),
    (r"(soldat|truppe)|(^basis$)", ["soldat", "truppe", "basis"]),
    (r"(?:foo|bar)baz", ["foobaz", "barbaz"]),
    (r"(a\w*|b)x", ["a", "b"]),
    (r"\bgespräche?", ["gespräch"]),
    (r"(?i)foo", None),
    (r"\s*dort", None),
    (r"foo|.bar", None),
])
def test_literal_starts(pattern, starts):
    assert literal_starts(pattern) == starts


def _rule_patterns() -> list[str]:
    cfg = load_data("relations.yaml")
    found = []
    for spec in cfg["relations"].values():
        found += spec["cues"]
    for key in ("anaphoric", "date_anaphora"):
        found += cfg.get(key, [])
    for patterns in cfg["modality"].values():
        found += patterns
    return found


# Texts of what the patterns match, words they name, and noise, in any case.
_WORDS = sorted({w for p in _rule_patterns() for w in re.findall(r"[a-zäöüß]{2,}", p)})
_word = st.one_of(st.sampled_from(_rule_patterns()).flatmap(lambda p: st.from_regex(re.compile(p), fullmatch=True)),
                  st.sampled_from(_WORDS), st.text("abcdeinrstuäöüß", min_size=1, max_size=6))
_cased = st.tuples(_word, st.sampled_from([str.lower, str.title, str.upper])).map(lambda wc: wc[1](wc[0]))
_text = st.lists(st.tuples(_cased, st.sampled_from([" ", " ", ", ", ". ", "; ", "-", ""])), max_size=25).map(
    lambda parts: "".join(w + sep for w, sep in parts))


@settings(max_examples=300, deadline=None)
@given(text=_text, pattern=st.sampled_from(_rule_patterns()))
def test_finder_finds_what_search_finds(text, pattern):
    plain = re.compile(pattern, re.IGNORECASE)
    fast = for_lowered(plain)
    assert fast is not None
    expected = plain.search(text)
    found = Finder(fast).search(lowered(text))
    assert (found.span() if found else None) == (expected.span() if expected else None)


_CUES = {rel: Cues(spec["cues"]) for rel, spec in load_data("relations.yaml")["relations"].items()}
_INDEX = CueIndex({rel: c.starts for rel, c in _CUES.items()})  # built once: the examples only vary the text


@settings(max_examples=200, deadline=None)
@given(text=_text)
def test_every_cue_begins_where_the_index_says(text):
    low = lowered(text)
    here = _INDEX.within(_INDEX.positions(low), 0, len(low))
    for rel, c in _CUES.items():
        for m in c.pattern.finditer(low):
            assert here.get(rel, []) is None or m.start() in here[rel], (rel, m.group())


def test_cue_patterns_must_be_lower_case():
    with pytest.raises(ValueError, match="lower case"):
        Cues([r"\bVertrag"])
