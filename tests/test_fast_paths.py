"""Fast paths find exactly what the plain formulation of the same rule finds."""

import random

import pytest
import spacy
from spacy.matcher import Matcher

from extract.ingest import _words, clean, find_pull_quotes, read_source
from extract.pipeline import _set_sent_starts
from extract.quantities import build_patterns, load_lexicon


def _pull_quotes_by_all_pairs(text, containment=0.8, min_words=8):
    """find_pull_quotes as first written: every sentence against every longer one."""
    import re

    sentences = [(m.start(), m.end(), _words(m.group())) for m in re.finditer(r"[^.!?\n]+[.!?]?", text)]
    sentences = [s for s in sentences if len(s[2]) >= min_words]
    quotes = []
    for start, end, words in sentences:
        for ostart, _, other in sentences:
            if ostart == start or len(other) <= len(words):
                continue
            if sum(1 for w in words if any(o.startswith(w[:6]) for o in other)) / len(words) >= containment:
                quotes.append((start, end))
                break
    return quotes


def _texts_with_pull_quotes(corpus_files, n=60):
    """Corpus texts, and texts of their sentences with shortened, reordered repeats."""
    rng = random.Random(1)
    texts = [clean(read_source(f).text).text for f in corpus_files]
    out = list(texts)
    for _ in range(n):
        sents = [s.strip() for s in rng.choice(texts).replace("\n", " ").split(". ") if s.strip()]
        picked = rng.sample(sents, min(len(sents), rng.randint(2, 20)))
        for s in picked[:4]:
            words = s.split()
            rng.shuffle(words)
            picked.append(" ".join(words[: rng.randint(max(1, len(words) // 2), len(words))]))
        rng.shuffle(picked)
        out.append(". ".join(picked) + ".")
    return out


@pytest.mark.parametrize("containment,min_words", [(0.8, 8), (0.5, 3), (1.0, 1), (0.0, 2), (0.95, 5)])
def test_pull_quotes_are_those_of_the_all_pairs_comparison(corpus_files, containment, min_words):
    for text in _texts_with_pull_quotes(corpus_files):
        assert find_pull_quotes(text, containment, min_words) == _pull_quotes_by_all_pairs(text, containment, min_words)


def test_quantity_candidates_are_those_of_the_full_patterns(nlp, corpus_files):
    """Bounds added after matching and false positives as phrases: the same as one Matcher
    over build_patterns() with bounds inside the amounts."""
    component = nlp.get_pipe("extract_quantities")
    lex = load_lexicon()
    full = Matcher(nlp.vocab)
    for key, patterns in build_patterns(lex).items():
        full.add(key, patterns)
    words = [" ".join(cue) for cue, _ in lex.bounds] + list(lex.prefix_currencies) + list(lex.scales)
    words += list(lex.currencies)[:20] + list(lex.units)[:20] + list(lex.percent) + lex.raw["false_positives"]
    words += ["7", "644", "1.234,5", "11,38", "2019", "21.", "drei", "dreimal", "3-mal", "Mal", "Platz", "zweitgrößter",
              "an", "erster", "Stelle", "\u00a0", "\n", ",", ".", "Russland", "die", "000", "eine", "Million", "Mrd."]
    rng = random.Random(2)
    texts = [clean(read_source(f).text).text for f in corpus_files]
    texts += [" ".join(rng.choice(words) for _ in range(rng.randint(1, 30))) for _ in range(500)]
    for text in texts:
        doc = nlp.make_doc(text)
        candidates, blocked = set(), set()
        for match_id, start, end in full(doc):
            if nlp.vocab.strings[match_id] == "FALSE_POSITIVE":
                blocked.update(range(start, end))
            else:
                candidates.add((start, end))
        assert component.candidates(doc) == (candidates, blocked), text


def test_sentence_starts_written_at_once_equal_token_by_token():
    nlp = spacy.blank("de")
    rng = random.Random(3)
    text = "Ein Satz. Noch einer!\nUnd hier « zitiert » der dritte ? Ende"
    for _ in range(50):
        values = [rng.choice([1, -1, 0]) for _ in nlp.make_doc(text)]
        fast, slow = nlp.make_doc(text), nlp.make_doc(text)
        _set_sent_starts(fast, values)
        for token, v in zip(slow, values):
            token.is_sent_start = {1: True, -1: False, 0: None}[v]
        assert [t.is_sent_start for t in fast] == [t.is_sent_start for t in slow]
    _set_sent_starts(nlp.make_doc(""), [])  # an empty doc has nothing to set
