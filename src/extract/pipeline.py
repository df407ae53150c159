"""The spaCy pipeline: de_core_news_lg where installed, else the embedded German pipeline.

Either way the project's own components follow: entities → timex → quantities → claims.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from . import extensions  # noqa: F401  (registers Doc/Span extensions)

DEFAULT_MODEL = "de_core_news_lg"
EMBEDDED = "embedded"
COMPONENTS = ("extract_entities", "extract_timex", "extract_quantities", "extract_claims")

log = logging.getLogger(__name__)

_SENT_END = {".", "!", "?", "…"}
_CLOSERS = {'"', "“", "”", "»", "«", "'", ")", "’"}


@Language.component("extract_sentences", assigns=["token.is_sent_start"])
def sentence_boundaries(doc: Doc) -> Doc:
    """Sentence starts after final punctuation and at line breaks of the cleaned text.

    Cleaning leaves a line break only between blocks (paragraphs, headings, navigation),
    so a break always ends a sentence. Abbreviations (Mrd., St., ca.) are single tokens
    in spaCy's German tokenizer and never end one.
    """
    for i, token in enumerate(doc):
        if i == 0:
            token.is_sent_start = True
            continue
        prev = doc[i - 1]
        if token.is_space:
            token.is_sent_start = False  # whitespace belongs to the sentence before it
        elif "\n" in prev.text or "\n" in prev.whitespace_:
            token.is_sent_start = True
        elif prev.text in _SENT_END and token.text not in _CLOSERS and not token.is_punct:
            token.is_sent_start = True
        elif prev.text in _CLOSERS and i >= 2 and doc[i - 2].text in _SENT_END and not token.is_punct:
            token.is_sent_start = True
        else:
            token.is_sent_start = False
    return doc


@Language.component("extract_paragraphs", assigns=["token.is_sent_start"])
def paragraph_boundaries(doc: Doc) -> Doc:
    """With a trained parser, only line breaks are forced; the parser finds the rest."""
    for i, token in enumerate(doc):
        if i and ("\n" in doc[i - 1].text or "\n" in doc[i - 1].whitespace_):
            token.is_sent_start = True
    return doc


@dataclass(frozen=True)
class PipelineInfo:
    name: str
    version: str
    embedded: bool

    def label(self) -> str:
        return f"{self.name}=={self.version}" + (" (embedded)" if self.embedded else "")


def embedded_pipeline() -> Language:
    """Blank German with sentence splitting for cleaned text and the lookup lemmatiser."""
    nlp = spacy.blank("de")
    nlp.add_pipe("extract_sentences")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
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
            "(blank German, rule-based sentences, lookup lemmas). Run `make model` to install it.",
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
    _register_components()
    nlp, info = base_pipeline(model)
    for name in components:
        if name not in nlp.pipe_names:
            nlp.add_pipe(name)
    return nlp, info


def _register_components() -> None:
    # Importing the stage modules registers their factories with spaCy.
    from . import claims, entities, quantities, timex  # noqa: F401
