"""Access to the data files (gazetteers, lexicons, patterns) shipped in ``extract/data``."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=None)
def load_data(name: str):
    """A data file of the package, parsed once (``parse_data``); shared, so not to be changed."""
    return parse_data(name, resources.files("extract").joinpath("data", name).read_text(encoding="utf-8"))


def parse_data(name: str, text: str):
    """A data file's content, by its name's extension: ``.jsonl`` a list of records,
    ``.yaml`` with PyYAML, ``.txt`` a word list (one per line; ``#`` starts a comment
    line), anything else JSON."""
    if name.endswith(".jsonl"):
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    if name.endswith((".yaml", ".yml")):
        import yaml

        return yaml.safe_load(text)
    if name.endswith(".txt"):
        return [w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#")]
    return json.loads(text)


def vocab_flag(vocab, getter) -> int:
    """The vocab's lexeme flag that ``getter`` computes (from a word's text, once per word
    of the vocabulary), added once: a pipeline built again on the same vocab reuses it
    instead of taking another of the 63 flag bits. Equal getters share a flag."""
    for flag, known in vocab.lex_attr_getters.items():
        if known == getter:
            return flag
    return vocab.add_flag(getter)


@lru_cache(maxsize=1)
def lemma_lookup() -> dict[str, str]:
    """spaCy's German lookup lemmas (spacy-lookups-data) as a plain dict, word form →
    lemma, as spaCy's lookup lemmatiser reads them; empty where the package is missing.

    A plain dict rather than a ``Lookups`` table: that hashes every key into the string
    store, which costs seconds, and only a few words are ever asked for.
    """
    try:
        from spacy.util import load_language_data, registry

        return load_language_data(registry.lookups.get("de")["lemma_lookup"])
    except Exception:  # the lookups package is optional
        return {}
