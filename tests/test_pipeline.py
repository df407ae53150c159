import spacy

from extract import pipeline
from extract.pipeline import COMPONENTS, base_pipeline, load_pipeline


def test_a_saved_pipeline_loads_through_the_real_loading_path(tmp_path):
    # Stands in for de_core_news_lg: a pipeline on disk with a component of its own.
    small = spacy.blank("de")
    small.add_pipe("sentencizer")
    small.meta["name"] = "tiny_test"
    small.meta["version"] = "0.0.1"
    small.to_disk(tmp_path / "tiny")

    nlp, info = load_pipeline(str(tmp_path / "tiny"))
    assert not info.embedded and info.label() == "de_tiny_test==0.0.1"
    assert nlp.pipe_names[0] == "sentencizer"
    assert nlp.pipe_names[-len(COMPONENTS):] == list(COMPONENTS)
    doc = nlp("Kasachstan ist Mitglied der OVKS. Russland auch.")
    assert len(list(doc.sents)) == 2


def test_missing_default_model_falls_back_and_says_so_once(monkeypatch, capsys):
    monkeypatch.setattr(pipeline, "DEFAULT_MODEL", "de_model_that_is_not_installed")
    nlp, info = base_pipeline()
    assert info.embedded and "extract_sentences" in nlp.pipe_names
    err = capsys.readouterr().err
    assert err.count("not installed") == 1 and "embedded pipeline" in err


def test_an_explicit_model_that_is_missing_is_an_error():
    import pytest

    with pytest.raises(OSError):
        base_pipeline("de_model_that_is_not_installed")


def test_embedded_sentences_split_at_punctuation_and_blocks_not_abbreviations():
    nlp, _ = base_pipeline("embedded")
    doc = nlp("Mit 11,38 Mrd. USD ist Russland Partner. Auf dem Forum in St. Petersburg sprach er.\nÜberschrift\nNeuer Satz.")
    assert [s.text.strip() for s in doc.sents] == [
        "Mit 11,38 Mrd. USD ist Russland Partner.",
        "Auf dem Forum in St. Petersburg sprach er.",
        "Überschrift",
        "Neuer Satz.",
    ]
