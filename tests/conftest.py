from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
ANNOTATIONS = ROOT / "annotations"


@pytest.fixture(scope="session")
def corpus_files():
    return sorted(CORPUS.glob("*.txt"))


@pytest.fixture(scope="session")
def nlp():
    """The full embedded pipeline, loaded once for the session."""
    from extract.pipeline import load_pipeline

    nlp, _ = load_pipeline("embedded")
    return nlp
