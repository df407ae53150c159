import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extract.ingest import IngestError, clean, decode, read_metadata, read_source


def test_every_cleaned_span_maps_back_to_the_original(corpus_files):
    for path in corpus_files:
        source = read_source(path)
        cleaned = clean(source.text)
        assert len(cleaned.origin) == len(cleaned.text)
        assert list(cleaned.origin) == sorted(cleaned.origin), "cleaning never reorders text"
        for i, ch in enumerate(cleaned.text):
            orig = source.text[cleaned.origin[i]]
            # a cleaned character is its original, or a space/newline standing for a line break
            assert ch == orig or (ch in " \n" and orig in " \n\xa0\t") or (ch == " " and orig in "\xa0\u2009\u202f")
        # every word of the cleaned text maps to the same word in the original
        for m in __import__("re").finditer(r"\w+", cleaned.text):
            start, end = cleaned.to_original(m.start(), m.end())
            assert source.text[start:end] == m.group() or "-\n" in source.text[start:end]


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("das OSZE-\nGipfeltreffen", "das OSZE-Gipfeltreffen"),
        ("die Ver-\neinbarung wurde", "die Vereinbarung wurde"),
        ("enge Wirtschafts-\nund Handelsbeziehungen", "enge Wirtschafts- und Handelsbeziehungen"),
        ("ehemaliger UN-\nGeneralsekretär", "ehemaliger UN-Generalsekretär"),
        ("Kasachstan unterhält gute Beziehungen sowohl zu\nRussland als auch", "Kasachstan unterhält gute Beziehungen sowohl zu Russland als auch"),
        ("Satz eins.\n\nSatz zwei.", "Satz eins.\n\nSatz zwei."),
    ],
)
def test_cleaning_joins_lines_and_undoes_hyphenation(raw, expected):
    assert clean(raw).text == expected


def test_navigation_and_headings_stay_apart():
    raw = "1. Zum Inhalt springen\n  2. Zur Hauptnavigation springen\n\nVermittler gesucht\nKasachstan unterhält gute Beziehungen sowohl zu\nRussland."
    lines = clean(raw).text.splitlines()
    assert "1. Zum Inhalt springen" in lines
    assert "2. Zur Hauptnavigation springen" in lines
    assert "Vermittler gesucht" in lines


def test_pull_quote_repeating_body_text_is_found(corpus_files):
    source = read_source([p for p in corpus_files if p.name.startswith("001")][0])
    cleaned = clean(source.text)
    quotes = [cleaned.text[a:b] for a, b in cleaned.pull_quotes]
    assert any("Aussagen einiger russischer Politiker sorgen seit Jahren" in q for q in quotes)
    assert not any("Angesichts solcher" in q for q in quotes), "the body sentence is not the pull quote"


def test_metadata_read_from_text(corpus_files):
    meta = {p.stem[:3]: read_metadata(read_source(p)) for p in corpus_files}
    assert meta["000"]["date"] == "2018-03" and meta["000"]["publisher"] == "Auswärtiges Amt"
    assert meta["001"]["author"] == "Alexandra Sitenko" and meta["001"]["title"] == "Vermittler gesucht"
    assert meta["002"]["date"] == "2008-09-18" and meta["002"]["url"] == "https://p.dw.com/p/FKss"
    assert meta["004"]["date"] == "2022-08-06" and meta["004"]["author"] == "Alexander Männer"


def test_sidecar_overrides_text(tmp_path):
    (tmp_path / "a.txt").write_text("Titel der Seite\n\n09.11.2017 - Artikel\n\nText.", encoding="utf-8")
    (tmp_path / "a.meta.json").write_text(json.dumps({"published": "2020-01-02", "title": "T"}), encoding="utf-8")
    meta = read_metadata(read_source(tmp_path / "a.txt"))
    assert meta["date"] == "2020-01-02" and meta["title"] == "T"


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\t\n", "empty"),
        ("binary.txt", b"\x89PNG\r\n\x00\x00\x00IHDR", "binary"),
        ("notes.pdf", b"%PDF-1.4", "unknown file type"),
    ],
)
def test_bad_input_is_named_with_a_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError) as err:
        read_source(path)
    assert err.value.path == str(path) and reason in err.value.reason


def test_broken_sidecar_is_named(tmp_path):
    (tmp_path / "a.txt").write_text("Text.", encoding="utf-8")
    (tmp_path / "a.meta.json").write_text("{broken", encoding="utf-8")
    with pytest.raises(IngestError) as err:
        read_source(tmp_path / "a.txt")
    assert err.value.path.endswith("a.meta.json") and "sidecar" in err.value.reason


@pytest.mark.parametrize(
    "raw, text, encoding",
    [
        ("Größe".encode("utf-8"), "Größe", "utf-8"),
        (b"\xef\xbb\xbf" + "Größe".encode("utf-8"), "Größe", "utf-8-sig"),
        ("Größe – „Zitat“".encode("cp1252"), "Größe – „Zitat“", "cp1252"),
    ],
)
def test_encodings_are_detected_and_reported(raw, text, encoding):
    assert decode(raw) == (text, encoding)


def test_html_main_text_keeps_source_offsets(tmp_path):
    page = (
        "<html><head><title>x</title><script>var a=1;</script></head><body><nav>Zum Inhalt springen</nav>"
        "<article><h1>Kasachstan und die NATO</h1><p>Kasachstan ist Mitglied der OVKS und arbeitet mit der NATO zusammen. "
        "Die Beziehungen zu Russland bleiben eng &amp; stabil.</p><p>Seit 1994 ist Kasachstan Mitglied der Partnerschaft "
        "für den Frieden, einer Initiative der NATO.</p></article><footer>Impressum</footer></body></html>"
    )
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    source = read_source(path)
    assert len(source.text) == len(page)
    i = source.text.index("Kasachstan ist Mitglied der OVKS")
    assert page[i : i + 32] == "Kasachstan ist Mitglied der OVKS"
    assert "var a=1" not in source.text and "Impressum" not in source.text


def test_html_a_bare_ampersand_is_text_and_an_entity_one_character(tmp_path):
    page = (
        "<html><body><article><h1>Handel mit Kasachstan</h1><p>Die Firma Fisch & Co liefert seit 2015 Maschinen "
        "nach Kasachstan und Usbekistan, berichtet die Kammer.</p><p>Die Exporte nach Kasachstan stiegen 2022 "
        "deutlich, die Importe aus Usbekistan sanken leicht, so die Kammer in ihrem Bericht.</p>"
        "</article></body></html>"
    )  # no ";" anywhere after the "&": an entity's end would not be found
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    text = read_source(path).text
    assert len(text) == len(page)
    assert "Fisch & Co liefert" in text
    entity = page.replace("deutlich,", "deutlich &lt;&gt;")
    path.write_text(entity, encoding="utf-8")
    i = entity.index("&lt;")
    assert read_source(path).text[i : i + 8] == "<   >   "


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_cleaning_never_loses_the_map(text):
    cleaned = clean(text)
    assert len(cleaned.origin) == len(cleaned.text)
    for i, ch in enumerate(cleaned.text):
        assert 0 <= cleaned.origin[i] < max(len(text), 1)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(list("abcdeÄÖüß ABC.-\n\xa0") + ["OSZE-\n", "Ver-\neinbarung", "und\n", "\n\n"]),
             max_size=80).map("".join),
    st.data(),
)
def test_any_cleaned_span_maps_to_the_same_text_in_the_original(text, data):
    import re

    cleaned = clean(text)
    if not cleaned.text:
        return
    a = data.draw(st.integers(0, len(cleaned.text) - 1))
    b = data.draw(st.integers(a + 1, len(cleaned.text)))
    start, end = cleaned.to_original(a, b)
    assert 0 <= start < end <= len(text)
    # cleaning only deletes line breaks, hyphens at line ends and leading white space, or
    # turns white space into a space: the letters in between are the same
    squash = lambda s: re.sub(r"[\s\-\xa0]", "", s)  # noqa: E731
    assert squash(text[start:end]) == squash(cleaned.text[a:b])


def test_lower_casing_keeps_every_character_but_one_a_character_of_its_kind():
    """Pull quotes lower-case a whole text at once unless it holds İ or Σ (Σ lower-cases by
    context): that keeps every word in its place only while lower() gives every other
    character one character, a word character exactly for a word character."""
    import re
    import sys

    word = re.compile(r"\w")
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        if ch != "\u0130":
            low = ch.lower()
            assert len(low) == 1 and bool(word.match(low)) == bool(word.match(ch)), hex(code)
