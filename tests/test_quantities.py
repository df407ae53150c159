"""Tests for extract.quantities: gold examples as inline markup, plus properties.

Markup: ``<q type='money' amount='11380000000' unit='USD' bound='gt'>…</q>`` marks an
expected quantity span (``unit`` defaults to none, ``bound`` to ``eq``); ``<t>…</t>``
marks a span that the date stage put into ``doc.spans["timex"]``. Text outside ``<q>``
must yield no quantity at all.
"""

from __future__ import annotations

import re

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from extract.quantities import Quantities, load_lexicon, normalise, parse_number

_TAG = re.compile(r"<(q|t)((?:\s+\w+='[^']*')*)>(.*?)</\1>", re.S)
_ATTR = re.compile(r"(\w+)='([^']*)'")


def parse_markup(markup: str) -> tuple[str, list[dict], list[tuple[int, int]]]:
    """Plain text, expected quantities (with char offsets) and timex offsets."""
    text, expected, timex, pos = "", [], [], 0
    for m in _TAG.finditer(markup):
        text += markup[pos : m.start()]
        start, inner = len(text), m.group(3)
        text += inner
        if m.group(1) == "t":
            timex.append((start, len(text)))
        else:
            attrs = dict(_ATTR.findall(m.group(2)))
            expected.append(
                {
                    "start": start,
                    "end": len(text),
                    "type": attrs["type"],
                    "amount": float(attrs["amount"]),
                    "unit": attrs.get("unit"),
                    "bound": attrs.get("bound", "eq"),
                }
            )
        pos = m.end()
    return text + markup[pos:], expected, timex


@pytest.fixture(scope="module")
def qnlp():
    nlp = spacy.blank("de")
    nlp.add_pipe("extract_quantities")
    return nlp


def run(nlp, markup: str):
    text, expected, timex = parse_markup(markup)
    doc = nlp.make_doc(text)
    if timex:
        doc.spans["timex"] = [doc.char_span(s, e, alignment_mode="strict") for s, e in timex]
    doc = nlp.get_pipe("extract_quantities")(doc)
    got = [
        {
            "start": s.start_char,
            "end": s.end_char,
            "type": s._.quantity.type,
            "amount": s._.quantity.amount,
            "unit": s._.quantity.unit,
            "bound": s._.quantity.bound,
        }
        for s in doc.spans["quantity"]
    ]
    return doc, expected, got


def check(nlp, markup: str):
    doc, expected, got = run(nlp, markup)
    def readable(items):
        return [(doc.text[i["start"] : i["end"]], i["type"], i["amount"], i["unit"], i["bound"]) for i in items]

    # Amounts are computed in Decimal, so they compare exactly.
    assert readable(got) == readable(expected), markup
    return doc


def q(text: str, type_: str, amount, unit: str | None = None, bound: str = "eq") -> str:
    unit_attr = f" unit='{unit}'" if unit else ""
    return f"<q type='{type_}' amount='{amount}'{unit_attr} bound='{bound}'>{text}</q>"


# ---------------------------------------------------------------- gold examples

FORMATS = [
    "Mit einem Handelsvolumen von <q type='money' amount='11380000000' unit='USD'>11,38 Mrd. USD</q> (Stand September 2017) ist Russland Partner.",
    "Sie teilen eine <q type='quantity' amount='7644' unit='km'>7.644 Kilometer</q> lange Grenze.",
    "Russland – mit <q type='quantity' amount='7644' unit='km'>7 644 Kilometern</q> die längste Grenze.",
    "Eine gemeinsame Grenze von <q type='quantity' amount='7600' unit='km'>7.600 km</q>.",
    "Kasachstan leistete einen Beitrag von <q type='money' amount='40000' unit='USD'>40 000 US-Dollar</q>).",
    "Es flossen <q type='money' amount='40000' unit='EUR'>40\u00a0000 Euro</q> und <q type='count' amount='1250000'>1\u202f250\u202f000</q> an Spenden.",
    "Die Zahl stieg auf <q type='count' amount='1000000'>1 000 000</q> Menschen.",
    "Geliefert wurden <q type='quantity' amount='1234.5' unit='t'>1.234,5 Tonnen</q> Weizen.",
    "Die Deutschen (<q type='count' amount='800000' bound='approx'>ca. 800.000</q>) und die Ukrainer.",
    "Laut Volkszählung von 2021: <q type='count' amount='226000'>226.000</q> Personen.",
    "Im Land leben <q type='count' amount='3500000'>3,5 Millionen</q> Russen und <q type='count' amount='250000'>250 000</q> Ukrainer.",
    "Es sind <q type='count' amount='4000000' bound='gt'>mehr als vier Millionen</q> Menschen.",
    "Der Anteil ethnischer Russen liegt bei <q type='percent' amount='23.7'>23,7%</q> der Bevölkerung.",
    "Der Anteil liegt bei <q type='percent' amount='23.7'>23,7 %</q>.",
    "Verbündeter Moskaus, <q type='percent' amount='90'>90 Prozent</q> aller Waffenimporte stammen aus Russland.",
    "Chinesische Firmen besitzen <q type='percent' amount='30'>30%</q> des Öl- und Gassektors.",
    "Die Quote stieg um <q type='quantity' amount='2.5' unit='pp'>2,5 Prozentpunkte</q>.",
    "Dort sind <q type='count' amount='900' bound='approx'>rund 900</q> russische Soldaten stationiert.",
    "Ein Preis von <q type='money' amount='5' unit='EUR'>5,- Euro</q> pro Stück.",
    "Das Handelsvolumen lag bei <q type='money' amount='8750000000' unit='EUR'>8,75 Milliarden Euro</q>.",
    "Sie kauften <q type='money' amount='5000000' unit='USD'>$5 Mio.</q> an Anleihen.",
    "Sie kauften <q type='money' amount='100000000' unit='USD'>USD 100 Mio.</q> an Anleihen.",
    "Dann kosteten es <q type='money' amount='1.5' unit='EUR'>1.5 Euro</q> im Verkauf.",
    "Die Zahl betrug <q type='count' amount='900'>900.</q> Die Regierung bestätigte das.",
    "Der Anteil betrug <q type='percent' amount='3.5'>3,5 Prozent</q>. Die Zahl betrug <q type='count' amount='3.5'>3,5.</q>",
    "Im Mai 2023 bezeichneten <q type='count' amount='60'>60</q> Abgeordnete das Gesetz als Fehler.",
    "Bei den Unruhen wurden <q type='count' amount='225' bound='ge'>mindestens 225</q> Menschen getötet, <q type='count' amount='2000' bound='gt'>mehr als 2.000</q> wurden verletzt.",
    "Sie haben <q type='count' amount='20000' bound='approx'>schätzungsweise 20.000</q> ausgebildete Terroristen.",
    "Das Video wurde <q type='count' amount='150'>150 Mal</q> geteilt.",
    "Die Pipeline ist <q type='quantity' amount='2000' unit='km'>2000 km</q> lang.",
]


@pytest.mark.parametrize("markup", FORMATS)
def test_formats(qnlp, markup):
    check(qnlp, markup)


SCALES = [
    ("5 Tsd. Euro", "money", 5000, "EUR"),
    ("40 Tausend", "count", 40000, None),
    ("3 Mio.", "count", 3000000, None),
    ("eine Million", "count", 1000000, None),
    ("1,5 Millionen", "count", 1500000, None),
    ("11,38 Mrd.", "count", 11380000000, None),
    ("eine Milliarde Rubel", "money", 1000000000, "RUB"),
    ("zwei Milliarden Euro", "money", 2000000000, "EUR"),
    ("eine Billion Dollar", "money", 1e12, "USD"),
    ("1,2 Billionen Yuan", "money", 1.2e12, "CNY"),
    ("zwei Dutzend", "count", 24, None),
    ("zweieinhalb Millionen", "count", 2500000, None),
    ("ein Prozent", "percent", 1, None),
]


@pytest.mark.parametrize("text,type_,amount,unit", SCALES)
def test_scale_words(qnlp, text, type_, amount, unit):
    check(qnlp, f"Es waren {q(text, type_, amount, unit)} insgesamt.")


NUMBER_WORDS = [
    ("eins", 1), ("zwei", 2), ("drei", 3), ("vier", 4), ("fünf", 5), ("sechs", 6), ("sieben", 7),
    ("acht", 8), ("neun", 9), ("zehn", 10), ("elf", 11), ("zwölf", 12), ("sechzehn", 16),
    ("siebzehn", 17), ("zwanzig", 20), ("einundzwanzig", 21), ("dreißig", 30),
    ("siebenundsechzig", 67), ("hundert", 100), ("einhundert", 100), ("zweihundertfünfzig", 250),
    ("hunderteins", 101), ("tausend", 1000), ("dreitausendfünfhundert", 3500),
    ("zweihunderttausend", 200000), ("anderthalb", 1.5),
]


@pytest.mark.parametrize("word,amount", NUMBER_WORDS)
def test_number_words(qnlp, word, amount):
    assert parse_number(word) == amount
    check(qnlp, f"Daran nahmen {q(word, 'count', amount)} Staaten teil.")


@pytest.mark.parametrize(
    "markup",
    [
        "Sie trafen sich <q type='count' amount='3'>dreimal</q> in Astana.",
        "Sie trafen sich <q type='count' amount='2'>zweimal</q> in Astana.",
        "Sie trafen sich <q type='count' amount='10'>zehnmal</q> in Astana.",
        "Sie trafen sich <q type='count' amount='3'>drei Mal</q> in Astana.",
        "Sie trafen sich <q type='count' amount='10'>10-mal</q> in Astana.",
        "Sie trafen sich <q type='count' amount='5' bound='gt'>mehr als fünfmal</q> in Astana.",
        "Sie trafen sich mehrmals in Astana.",
        "Sie trafen sich noch einmal in Astana.",
    ],
)
def test_times(qnlp, markup):
    check(qnlp, markup)


CURRENCIES = [
    ("USD", "USD"), ("US-Dollar", "USD"), ("Dollar", "USD"), ("$", "USD"), ("US$", "USD"),
    ("Euro", "EUR"), ("EUR", "EUR"), ("€", "EUR"), ("Rubel", "RUB"), ("Yuan", "CNY"),
    ("Tenge", "KZT"), ("Pfund", "GBP"), ("Franken", "CHF"),
]


@pytest.mark.parametrize("word,code", CURRENCIES)
def test_currencies(qnlp, word, code):
    check(qnlp, f"Der Kredit betrug {q('13,6 Mrd. ' + word, 'money', 13600000000, code)} im Jahr.")


@pytest.mark.parametrize("word", ["$", "€", "USD", "EUR", "US$"])
def test_currency_before_number(qnlp, word):
    code = "EUR" if word in ("€", "EUR") else "USD"
    check(qnlp, f"Der Kredit betrug {q(word + ' 5 Mio.', 'money', 5000000, code)} im Jahr.")


UNITS = [
    ("km", "km"), ("Kilometer", "km"), ("Kilometern", "km"), ("Tonnen", "t"), ("t", "t"),
    ("Barrel", "bbl"), ("Kubikmeter", "m3"), ("m³", "m3"), ("MW", "MW"), ("Megawatt", "MW"),
    ("GW", "GW"), ("Hektar", "ha"), ("Prozentpunkte", "pp"), ("Jahre", "a"),
]


@pytest.mark.parametrize("word,symbol", UNITS)
def test_units(qnlp, word, symbol):
    check(qnlp, f"Es sind {q('12.500 ' + word, 'quantity', 12500, symbol)} geplant.")


def test_scaled_unit(qnlp):
    check(qnlp, f"Es flossen {q('10 Milliarden Kubikmeter', 'quantity', 1e10, 'm3')} Gas.")


BOUNDS = [
    ("rund", "approx"), ("etwa", "approx"), ("ca.", "approx"), ("circa", "approx"),
    ("ungefähr", "approx"), ("knapp", "approx"), ("annähernd", "approx"),
    ("schätzungsweise", "approx"), ("fast", "approx"),
    ("mehr als", "gt"), ("über", "gt"), ("mehr denn", "gt"), ("Über", "gt"),
    ("mindestens", "ge"), ("wenigstens", "ge"),
    ("weniger als", "lt"), ("unter", "lt"),
    ("höchstens", "le"), ("bis zu", "le"), ("maximal", "le"),
]


@pytest.mark.parametrize("cue,bound", BOUNDS)
def test_bounds(qnlp, cue, bound):
    check(qnlp, f"Es gab {q(cue + ' 20', 'count', 20, bound=bound)} Gesprächsrunden.")
    check(qnlp, f"Es flossen {q(cue + ' 3 Mio. Euro', 'money', 3000000, 'EUR', bound)} nach Astana.")


@pytest.mark.parametrize(
    "markup",
    [
        "Es gab inzwischen <q type='count' amount='20' bound='gt'>über 20</q> Gesprächsrunden.",
        "Öl wird über Russland exportiert.",
        "Unter den <q type='count' amount='20000000'>20 Millionen</q> Kasachen sind viele Russen.",
        "Sie sprachen über die <q type='count' amount='20'>20</q> Punkte.",
        "Die Gespräche fanden unter vier Augen statt.",
    ],
)
def test_bound_needs_adjacent_number(qnlp, markup):
    check(qnlp, markup)


RANKS = [
    ("größter", 1), ("größte", 1), ("größten", 1), ("Größter", 1), ("zweitgrößter", 2),
    ("zweitgrößte", 2), ("drittgrößte", 3), ("viertgrößte", 4), ("wichtigster", 1),
    ("wichtigste", 1), ("zweitwichtigster", 2), ("an erster Stelle", 1), ("an zweiter Stelle", 2),
    ("Platz 2", 2), ("Platz zwei", 2), ("zweiten Platz", 2), ("3. Platz", 3), ("Nummer eins", 1),
]


@pytest.mark.parametrize("text,amount", RANKS)
def test_ranks(qnlp, text, amount):
    check(qnlp, f"Russland ist {q(text, 'rank', amount)} Handelspartner.")


@pytest.mark.parametrize(
    "markup",
    [
        "Russland ist einer der größten Handelspartner.",
        "Das liegt zum größten Teil an Russland.",
        "Russland gehört zu den wichtigsten Partnern.",
        "Russland ist in erster Linie Partner.",
        "Es wurde ein Abkommen unterzeichnet und eine Vereinbarung getroffen.",
    ],
)
def test_not_ranks_or_counts(qnlp, markup):
    check(qnlp, markup)


NOT_QUANTITIES = [
    "2017 war Kasachstan Gastgeber.",
    "Im Jahr 2019 schlug er vor.",
    "Am 11.11.2013 wurde sie unterzeichnet.",
    "Der Vertrag vom 25.01.1992 gilt.",
    "Handelsvolumen (Stand September 2017) steigt.",
    "Kasachstan und Deutschland pflegen seit 1992 diplomatische Beziehungen.",
    "Die Vereinbarung gilt bis 2019 und die ZAS von 2007 basiert darauf.",
    "Im Mai 2023 stimmten sie zu.",
    "Seit 2014 Milliarden Euro investiert wurden.",
    "In der Hauptstadt fand die 21. Runde statt.",
    "Das gibt es seit dem 19. Jahrhundert.",
    "Die 201. Militärbasis liegt in Tadschikistan.",
    "Das Treffen ist am 27. September.",
    "Die E3+3 und die Z5+1 verhandelten.",
    "Die G20 tagte in Indien.",
    "Die Expo 2017 fand in Astana statt.",
    "Das Institut hat das Evaluation Level 1 erreicht.",
    "Lesen Sie Teil 1 der Serie.",
    "Nach Artikel 5 gilt der Bündnisfall.",
    "Das Treffen beginnt um 16 Uhr.",
    "Die Übung Steppenadler-2008 begann.",
    "Die Übung dauerte mehrmals länger.",
    "Navigation\n  2. Zur Hauptnavigation",
    "Kasachstan – Teil 1\n6 Aug. 2022 11:16 Uhr",
    "Russland schickte mehrere Tausend Soldaten.",
    "Der größte Teil der Einfuhren stammt aus China.",
]


@pytest.mark.parametrize("text", NOT_QUANTITIES)
def test_not_quantities(qnlp, text):
    check(qnlp, text)


@pytest.mark.parametrize(
    "markup",
    [
        "Die Partei ist <t>seit 30 Jahren</t> Mitglied.",
        "Die Partei ist seit <q type='quantity' amount='30' unit='a'>30 Jahren</q> Mitglied.",
        "<t>Im Jahr 2019</t> kamen <q type='count' amount='100'>100</q> Menschen.",
        "<t>Am 2. Mai</t> kamen <q type='count' amount='100' bound='approx'>rund 100</q> Menschen.",
        "Im Jahr 2019 <q type='count' amount='100'>100</q> Menschen.",
        "Stand 2017 <q type='count' amount='230000'>230 000</q> Menschen.",
    ],
)
def test_timex_tokens_are_never_quantities(qnlp, markup):
    check(qnlp, markup)


def test_sentence_period_is_not_in_the_value_text(qnlp):
    doc = check(qnlp, "Die Zahl betrug <q type='count' amount='900' bound='approx'>rund 900.</q>\nNeu")
    (span,) = doc.spans["quantity"]
    assert span.text == "rund 900."
    assert span._.quantity.text == "rund 900"


def test_spans_are_labelled_and_values_are_models(qnlp):
    doc = qnlp("Mit 11,38 Mrd. USD ist Russland größter Partner, 23,7 % sind Russen.")
    assert [(s.text, s.label_) for s in doc.spans["quantity"]] == [
        ("11,38 Mrd. USD", "money"),
        ("größter", "rank"),
        ("23,7 %", "percent"),
    ]
    assert doc.spans["quantity"][0]._.quantity.model_dump() == {
        "type": "money",
        "amount": 11380000000.0,
        "unit": "USD",
        "bound": "eq",
        "text": "11,38 Mrd. USD",
    }


def test_works_without_and_with_empty_timex_group(qnlp):
    doc = qnlp.make_doc("Rund 900 Soldaten.")
    assert "timex" not in doc.spans
    assert [s.text for s in qnlp.get_pipe("extract_quantities")(doc).spans["quantity"]] == ["Rund 900"]
    doc = qnlp.make_doc("Rund 900 Soldaten.")
    doc.spans["timex"] = []
    assert [s.text for s in qnlp.get_pipe("extract_quantities")(doc).spans["quantity"]] == ["Rund 900"]


def test_config_and_serialisation(tmp_path):
    nlp = spacy.blank("de")
    nlp.add_pipe("extract_quantities", config={"spans_key": "numbers", "timex_key": "dates"})
    assert isinstance(nlp.get_pipe("extract_quantities"), Quantities)
    doc = nlp.make_doc("Im Jahr 2019 kamen 100 Menschen.")
    doc.spans["dates"] = [doc[0:3]]
    assert [s.text for s in nlp.get_pipe("extract_quantities")(doc).spans["numbers"]] == ["100"]
    nlp.to_disk(tmp_path / "pipeline")
    assert (tmp_path / "pipeline" / "extract_quantities" / "lexicon.yaml").exists()
    loaded = spacy.load(tmp_path / "pipeline")
    doc = loaded("rund 900 Soldaten")
    assert [s.text for s in doc.spans["numbers"]] == ["rund 900"]


# ------------------------------------------------------------ pure functions


@pytest.mark.parametrize(
    "text,value",
    [
        ("7.644", 7644), ("7 644", 7644), ("40 000", 40000), ("11,38", 11.38), ("800.000", 800000),
        ("1.234,5", 1234.5), ("12.000.000", 12000000), ("1.000.000,50", 1000000.5), ("2017", 2017),
        ("5,-", 5), ("5.000,-", 5000), ("-5", -5), ("1.5", 1.5), ("0,5", 0.5),
        ("11.11.2013", None), ("21.", None), ("1.5,3", None), ("7,644.5", None), ("ein", None),
        ("", None), ("Russland", None), ("und", None), ("undzwanzig", None), ("E3+3", None),
    ],
)
def test_parse_number(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize(
    "text,expected",
    [
        ("mehr als 11,38 Mrd. USD", ("money", 11380000000, "USD", "gt")),
        ("rund 900", ("count", 900, None, "approx")),
        ("23,7%", ("percent", 23.7, None, "eq")),
        ("zweitgrößter", ("rank", 2, None, "eq")),
        ("bis zu 5 t", ("quantity", 5, "t", "le")),
        ("2000 km", ("quantity", 2000, "km", "eq")),
        ("2017", None),
        ("über 2000", None),
        ("ein", None),
        ("einmal", None),
        ("mehr als", None),
        ("$5 €", None),
        ("€ 5 %", None),
        ("5 Mio. Russland", None),
        ("", None),
    ],
)
def test_normalise(text, expected):
    value = normalise(text)
    got = None if value is None else (value.type, value.amount, value.unit, value.bound)
    assert got == expected
    if value is not None:
        assert value.text == text


# ----------------------------------------------------------------- properties

_LEX = load_lexicon()
_VOCAB = sorted(
    {*_LEX.scales, *_LEX.currencies, *_LEX.units, *_LEX.percent, *_LEX.articles, *_LEX.places, *_LEX.year_cues}
    | {w for cue, _ in _LEX.bounds for w in cue}
    | {"größter", "zweitgrößte", "an", "erster", "Stelle", "Platz", "dreimal", "Jahr", "im", "21.", "900.", "\n", "die"}
)
_NUMBERS = st.from_regex(r"[-+]?[0-9]{1,4}([., \u00a0][0-9]{1,4}){0,3}[.,]?", fullmatch=True)
_NUMERIC_TEXT = st.lists(st.one_of(st.sampled_from(_VOCAB), _NUMBERS, st.text(max_size=4)), max_size=12).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), _NUMERIC_TEXT))
def test_pure_functions_never_raise(text):
    value = parse_number(text)
    assert value is None or isinstance(value, float)
    normalise(text)


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(st.text(), _NUMERIC_TEXT))
def test_component_never_raises_and_spans_are_consistent(qnlp, text):
    doc = qnlp(text)
    spans = list(doc.spans["quantity"])
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:])), "text order, no overlap"
    for span in spans:
        assert doc.text[span.start_char : span.end_char] == span.text
        value = span._.quantity
        assert value.type == span.label_
        assert value.text in (span.text, span.text[:-1])


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from([".", " ", "\u00a0"]))
def test_german_thousands_round_trip(n, sep):
    assert parse_number(f"{n:,}".replace(",", sep)) == n


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=99))
def test_german_decimals_round_trip(n, cents):
    assert parse_number(f"{n:,}".replace(",", ".") + f",{cents:02d}") == pytest.approx(n + cents / 100)


def _flag_tests(nlp):
    """The AnyTest flags of the component and the tests each folds."""
    from extract.quantities import AnyTest

    return [g for g in nlp.vocab.lex_attr_getters.values() if isinstance(g, AnyTest)]


@settings(max_examples=300, deadline=None)
@given(word=st.one_of(st.text(max_size=12), _NUMERIC_TEXT,
                      st.sampled_from(["zweiundzwanzig", "Dritte", "drittgrößter", "Mrd.", "EUR", "an", "1990er", "Rang"])))
def test_folded_flags_pass_a_word_where_one_of_their_tests_does(qnlp, word):
    flags = _flag_tests(qnlp)
    assert flags, "the component folds its token tests into AnyTest flags"
    for flag in flags:
        assert flag(word) == any(test(word) for test in flag.tests), word
