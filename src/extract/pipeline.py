"""The spaCy pipeline: de_core_news_lg where installed, else the embedded German pipeline.

Either way the project's own components follow: entities → timex → quantities → claims.
"""

from __future__ import annotations

import logging
import re
import sys
from dataclasses import dataclass

import numpy
import spacy
from spacy.attrs import IS_ALPHA, IS_PUNCT, IS_SPACE, IS_TITLE, ORTH, SENT_START
from spacy.errors import Errors
from spacy.language import Language
from spacy.tokens import Doc

from . import extensions  # noqa: F401  (registers Doc/Span extensions)

DEFAULT_MODEL = "de_core_news_lg"
EMBEDDED = "embedded"
COMPONENTS = ("extract_entities", "extract_timex", "extract_quantities", "extract_claims")

log = logging.getLogger(__name__)

_SENT_END = {".", "!", "?", "…"}
_YEAR_STOP = re.compile(r"(1[0-9]|20)\d\d\.")  # a year with the sentence's period; "19." is an ordinal
_CLOSERS = {'"', "“", "”", "»", "«", "'", ")", "’"}


@Language.component("extract_sentences", assigns=["token.is_sent_start"])
def sentence_boundaries(doc: Doc) -> Doc:
    """Sentence starts after final punctuation and at line breaks of the cleaned text.

    Cleaning leaves a line break only between blocks (paragraphs, headings, navigation),
    so a break always ends a sentence. Abbreviations (Mrd., St., ca.) are single tokens
    in spaCy's German tokenizer and never end one.

    Worked out on arrays over all tokens at once rather than token by token.
    """
    if not len(doc):
        return doc
    attrs = doc.to_array([ORTH, IS_ALPHA, IS_PUNCT, IS_SPACE, IS_TITLE])
    alpha, punct, space, title = attrs[:, 1:].astype(bool).T
    newline, end, closer, year = _text_marks(doc, attrs[:, 0], ~alpha)
    start = numpy.zeros(len(doc), dtype=bool)
    # "im Juni 2017. Die …": the tokenizer keeps the sentence's period on the year
    start[1:] = newline[:-1] | (end[:-1] & ~closer[1:] & ~punct[1:]) | (year[:-1] & title[1:])
    start[2:] |= closer[1:-1] & end[:-2] & ~punct[2:]  # „… gesagt.“ Dann
    start &= ~space  # white space belongs to the sentence before it
    start[0] = True
    _set_sent_starts(doc, numpy.where(start, 1, -1))
    return doc


def _text_marks(doc: Doc, orth: numpy.ndarray, where: numpy.ndarray) -> numpy.ndarray:
    """Per token: holds a line break, ends a sentence, closes a quote or bracket, is a year
    with a period. Only the texts of the tokens ``where`` are looked at: a word of letters
    (``is_alpha``) is none of these, and looking texts up is most of the cost."""
    at = numpy.flatnonzero(where)
    strings = doc.vocab.strings
    texts = [strings[h] for h in orth[at].tolist()]
    marks = numpy.zeros((4, len(orth)), dtype=bool)
    marks[0, at] = ["\n" in t for t in texts]
    marks[1, at] = [t in _SENT_END for t in texts]
    marks[2, at] = [t in _CLOSERS for t in texts]
    marks[3, at] = [len(t) == 5 and _YEAR_STOP.fullmatch(t) is not None for t in texts]
    return marks


@Language.component("extract_paragraphs", assigns=["token.is_sent_start"])
def paragraph_boundaries(doc: Doc) -> Doc:
    """With a trained parser, only line breaks are forced; the parser finds the rest."""
    # A token's own trailing white space is a single space at most: breaks are in tokens.
    orth, alpha = doc.to_array([ORTH, IS_ALPHA]).T
    breaks = numpy.flatnonzero(_text_marks(doc, orth, alpha == 0)[0][:-1]) + 1
    if len(breaks):
        starts = doc.to_array(SENT_START).astype(numpy.int64)  # -1 stays -1
        starts[breaks] = 1
        _set_sent_starts(doc, starts)
    return doc


def _set_sent_starts(doc: Doc, starts) -> None:
    """Write every token's sentence start at once (1 start, -1 not, 0 unknown).

    Setting ``token.is_sent_start`` one token at a time checks the whole Doc for a
    parse on every call, which is quadratic in the document's length.
    """
    if not len(doc):
        return
    if doc.has_annotation("DEP"):
        raise ValueError(Errors.E043)  # what the token setter raises: a parse fixes the sentences
    doc.from_array([SENT_START], numpy.asarray(starts, dtype=numpy.int64).astype(numpy.uint64))


@dataclass(frozen=True)
class PipelineInfo:
    name: str
    version: str
    embedded: bool

    def label(self) -> str:
        return f"{self.name}=={self.version}" + (" (embedded)" if self.embedded else "")


def embedded_pipeline() -> Language:
    """Blank German with sentence splitting for cleaned text.

    No lemmatiser: lemmas would be looked up for every token of every document, and the
    rules ask for a few words' (``lexicon.lemma_lookup``: spaCy's lookup table, read once
    per process; the entity rules read it as the pipeline is built).
    """
    nlp = spacy.blank("de")
    nlp.add_pipe("extract_sentences")
    nlp.initialize()
    nlp.meta["name"] = EMBEDDED
    nlp.meta["version"] = spacy.__version__
    return nlp


def base_pipeline(model: str | None = None) -> tuple[Language, PipelineInfo]:
    """Load ``model`` (a package name or a path); by default de_core_news_lg, else embedded.

    An explicitly requested model that cannot be loaded is an error; only the default
    falls back, and says so once on stderr.
    """
    if model == EMBEDDED:
        nlp = embedded_pipeline()
        return nlp, PipelineInfo(EMBEDDED, spacy.__version__, True)
    name = model or DEFAULT_MODEL
    try:
        nlp = spacy.load(name, exclude=list(COMPONENTS))
    except OSError:
        if model:
            raise
        print(
            f"extract: the German model {DEFAULT_MODEL} is not installed; using the embedded pipeline "
            "(blank German, rule-based sentences). Run `make model` to install it.",
            file=sys.stderr,
        )
        nlp = embedded_pipeline()
        return nlp, PipelineInfo(EMBEDDED, spacy.__version__, True)
    if "parser" in nlp.pipe_names or "senter" in nlp.pipe_names:
        first = "parser" if "parser" in nlp.pipe_names else "senter"
        nlp.add_pipe("extract_paragraphs", before=first)
    elif not {"sentencizer", "extract_sentences"} & set(nlp.pipe_names):
        nlp.add_pipe("extract_sentences", first=True)
    meta = nlp.meta
    return nlp, PipelineInfo(f"{meta.get('lang', 'de')}_{meta.get('name', name)}", meta.get("version", "0"), False)


def load_pipeline(model: str | None = None, components: tuple[str, ...] = COMPONENTS) -> tuple[Language, PipelineInfo]:
    """The base pipeline followed by the project's own components."""
    from .ingest import MAX_BYTES

    _register_components()
    nlp, info = base_pipeline(model)
    nlp.max_length = max(nlp.max_length, MAX_BYTES)  # every document ingestion accepts fits
    for name in components:
        if name not in nlp.pipe_names:
            nlp.add_pipe(name)
    return nlp, info


def _register_components() -> None:
    # Importing the stage modules registers their factories with spaCy.
    from . import claims, entities, quantities, timex  # noqa: F401
