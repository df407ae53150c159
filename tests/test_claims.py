"""Claim assembly on German sentences written for the tests (not taken from the corpus).

Each example: text, the document's date, and the claims expected, written as
``relation actor partner value date [neg] [modality]`` in a compact form.
"""

from datetime import date

import pytest

from extract.models import Entity, NumberValue, TextValue

REF = date(2023, 5, 10)


def run(nlp, text: str, ref: date = REF):
    doc = nlp.make_doc(text)
    doc._.doc_id = "t"
    doc._.ref_date = ref
    return nlp(doc)


def summary(claim) -> tuple:
    v = claim.value
    if isinstance(v, Entity):
        value = v.id
    elif isinstance(v, NumberValue):
        value = (v.type, v.amount, v.unit, v.bound)
    elif isinstance(v, TextValue):
        value = v.text
    else:
        value = None
    return (
        claim.relation,
        claim.actor.id,
        claim.partner.id if claim.partner else None,
        value,
        claim.date.value if claim.date else None,
    )


def has(claims, relation, actor, partner=None, value=..., when=..., symmetric=False):
    for c in claims:
        rel, a, p, v, d = summary(c)
        ids_ok = (a, p) == (actor, partner) or (symmetric and (p, a) == (actor, partner))
        if rel == relation and ids_ok and (value is ... or v == value or (isinstance(value, str) and isinstance(v, str) and value in v)) \
                and (when is ... or d == when):
            return c
    return None


EXAMPLES = [
    # relation, text, expected (actor, partner, value, date), extra checks
    ("member_of", "Seit 1995 ist Usbekistan Mitglied der Shanghaier Organisation für Zusammenarbeit.",
     dict(actor="UZB", value="SCO", when="1995")),
    ("member_of", "Armenien und Belarus gehören der Eurasischen Wirtschaftsunion an.",
     dict(actor="ARM", value="EAEU")),
    ("chair_of", "Im Jahr 2021 übernahm Schweden den OSZE-Vorsitz.", dict(actor="SWE", value="OSCE", when="2021")),
    ("diplomatic_relations", "Die Grenze ist umstritten; diplomatische Beziehungen unterhalten Israel und Saudi-Arabien nicht.",
     dict(actor="ISR", partner="SAU", neg=True)),
    ("diplomatic_relations", "Frankreich und Kirgisistan unterhalten seit 1992 diplomatische Beziehungen.",
     dict(actor="FRA", partner="KGZ", value=None, when="1992", symmetric=True)),
    ("agreement", "Am 3. März 2021 unterzeichneten Usbekistan und Tadschikistan ein Abkommen über Wasserverteilung.",
     dict(actor="UZB", partner="TJK", value="Abkommen über Wasserverteilung", when="2021-03-03", symmetric=True)),
    ("visit", "Im Oktober 2022 reiste Bundeskanzler Scholz nach Usbekistan.",
     dict(actor="per:scholz", value="UZB", when="2022-10")),
    ("meeting", "Im März empfing Präsident Tokajew den deutschen Bundeskanzler Olaf Scholz in Astana.",
     dict(actor="per:tokajew", partner="per:scholz", symmetric=True)),
    ("meeting", "Präsident Mirsijojew traf am 5. Mai in Taschkent den türkischen Präsidenten Erdoğan.",
     dict(actor="per:mirsijojew", partner="per:erdogan", when="2023-05-05", symmetric=True)),
    ("hosts_event", "Die Konferenz fand 2019 in Bischkek statt. Ein Jahr später fand dort der Gipfel der Eurasischen Wirtschaftsunion statt.",
     dict(actor="KGZ", value="Gipfel der Eurasischen Wirtschaftsunion", when="2020")),
    ("hosts_event", "Den SOZ-Gipfel richtete Kasachstan im Juli 2024 in Astana aus.",
     dict(actor="KAZ", value="SOZ-Gipfel", when="2024-07")),
    ("hosts_event", "Im Juni 2019 war Kirgisistan Gastgeber des SOZ-Gipfels in Bischkek.",
     dict(actor="KGZ", value="SOZ-Gipfels", when="2019-06")),
    ("military_exercise", "Russland und China führten im September gemeinsame Militärübungen mit der Bezeichnung \"Wostok-2022\" durch.",
     dict(actor="RUS", partner="CHN", value="Wostok-2022", symmetric=True)),
    ("military_presence", "In Tadschikistan sind rund 7000 russische Soldaten stationiert.",
     dict(actor="RUS", partner="TJK", value=("count", 7000.0, None, "approx"))),
    ("trade_volume", "Das Handelsvolumen zwischen Kirgisistan und China betrug 2022 rund 15,5 Mrd. US-Dollar.",
     dict(actor="KGZ", partner="CHN", value=("money", 15_500_000_000.0, "USD", "approx"), when="2022", symmetric=True)),
    ("trade_partner_rank", "China ist für Turkmenistan der größte Handelspartner.", dict(actor="TKM", partner="CHN", value=("rank", 1.0, None, "eq"))),
    ("trade_partner_rank", "Die Türkei war 2021 mit einem Handelsvolumen von 2,5 Mrd. US-Dollar größter Handelspartner Georgiens, gefolgt von Russland als zweitgrößtem.",
     dict(actor="GEO", partner="TUR", value=("rank", 1.0, None, "eq"), when="2021")),
    ("trade_partner_rank", "Die Türkei war 2021 mit einem Handelsvolumen von 2,5 Mrd. US-Dollar größter Handelspartner Georgiens, gefolgt von Russland als zweitgrößtem.",
     dict(actor="GEO", partner="RUS", value=("rank", 2.0, None, "eq"), when="2021")),
    ("import_value", "Die Importe Usbekistans aus Russland beliefen sich 2021 auf 5,2 Mrd. USD.",
     dict(actor="UZB", partner="RUS", value=("money", 5_200_000_000.0, "USD", "eq"), when="2021")),
    ("export_value", "Kasachstan ist reich an Öl. Die Exporte nach China erreichten 2020 einen Wert von 3 Mrd. Euro.",
     dict(actor="KAZ", partner="CHN", value=("money", 3_000_000_000.0, "EUR", "eq"), when="2020")),
    ("import_share", "Rund 60 Prozent der Getreideimporte Tadschikistans stammen aus Kasachstan.",
     dict(actor="TJK", partner="KAZ", value=("percent", 60.0, None, "approx"))),
    ("export_share", "Etwa 70 Prozent des turkmenischen Gases werden nach China exportiert.",
     dict(actor="TKM", partner="CHN", value=("percent", 70.0, None, "approx"))),
    ("ownership_share", "Russische Firmen besitzen 20 Prozent des armenischen Energiesektors.",
     dict(actor="RUS", partner="ARM", value=("percent", 20.0, None, "eq"))),
    ("border_length", "Usbekistan hat mit Afghanistan eine gemeinsame Grenze von 144 Kilometern.",
     dict(actor="UZB", partner="AFG", value=("quantity", 144.0, "km", "eq"), symmetric=True)),
    ("population", "In Kirgisistan leben etwa 7 Millionen Menschen.", dict(actor="KGZ", value=("count", 7_000_000.0, None, "approx"))),
    ("population_share", "In Lettland liegt der Anteil ethnischer Russen an der Bevölkerung bei 24 Prozent.",
     dict(actor="LVA", value=("percent", 24.0, None, "eq"))),
    ("casualties", "Bei den Unruhen in Tadschikistan wurden mindestens 40 Menschen getötet.",
     dict(actor="TJK", value=("count", 40.0, None, "ge"))),
    ("stance", "Präsident Tokajew lehnte am Montag in einer Rede vor dem Parlament erneut jede Stationierung fremder Truppen in Kasachstan ab.",
     dict(actor="per:tokajew", value="jede Stationierung fremder Truppen", neg=True)),
    ("stance", "Usbekistan lehnte die Sanktionen gegen Russland ab.", dict(actor="UZB", partner="RUS", neg=True)),
    ("stance", "Kasachstan unterstützt die territoriale Integrität Georgiens.", dict(actor="KAZ", partner="GEO")),
    ("request", "Im April forderte Armenien Aserbaidschan auf, die Truppen zurückzuziehen.",
     dict(actor="ARM", partner="AZE", value="die Truppen zurückzuziehen", when="2023-04")),
]


@pytest.mark.parametrize("relation, text, expect", EXAMPLES, ids=[f"{r}-{i}" for i, (r, _, _) in enumerate(EXAMPLES)])
def test_relation_rules_on_new_german_text(nlp, relation, text, expect):
    expect = dict(expect)
    neg = expect.pop("neg", False)
    doc = run(nlp, text)
    named_actor = "actor" in expect
    claim = has(doc._.claims, relation, expect.pop("actor"), **expect) if named_actor else None
    if claim is None and not named_actor:
        claim = next((c for c in doc._.claims if c.relation == relation and (c.partner and c.partner.id) == expect.get("partner")), None)
    assert claim is not None, [summary(c) for c in doc._.claims]
    assert claim.polarity == ("negative" if neg else "positive")


def test_reported_fact_is_attributed_to_its_source(nlp):
    doc = run(nlp, "Laut dem russischen Außenminister Lawrow beträgt das Handelsvolumen zwischen Russland und Kasachstan 26 Mrd. USD.")
    claim = next(c for c in doc._.claims if c.relation == "trade_volume")
    assert claim.modality == "reported" and claim.attributed_to is not None and claim.attributed_to.id == "per:lawrow"


def test_a_stance_is_asserted_even_when_said(nlp):
    doc = run(nlp, "Der Präsident Tokajew sagte, Kasachstan unterstütze die territoriale Integrität der Ukraine.")
    stance = next(c for c in doc._.claims if c.relation == "stance")
    assert stance.modality == "asserted" and stance.partner and stance.partner.id == "UKR"


def test_negated_recognition_names_each_state_once(nlp):
    doc = run(nlp, "Kasachstan erkennt Abchasien und Südossetien nicht an.")
    stances = {(c.partner.id, c.polarity) for c in doc._.claims if c.relation == "stance"}
    assert stances == {("loc:abchasien", "negative"), ("loc:suedossetien", "negative")}


def test_planned_and_possible_modality(nlp):
    planned = run(nlp, "Die NATO plant im Juni nächsten Jahres ein Sicherheitsforum in Georgien.")
    event = next(c for c in planned._.claims if c.relation == "hosts_event")
    assert event.modality == "planned" and event.date.value == "2024-06"


def test_the_same_fact_twice_is_one_claim_with_two_spans(nlp):
    doc = run(nlp, "Kasachstan ist Mitglied der OVKS. Wie erwähnt ist Kasachstan Mitglied der OVKS.")
    members = [c for c in doc._.claims if c.relation == "member_of"]
    assert len(members) == 1 and len(members[0].evidence) == 2


def test_an_implicit_subject_is_the_state_the_text_is_about(nlp):
    text = ("Kasachstan ist ein Binnenstaat. Kasachstan grenzt an fünf Staaten. "
            "Mit einem Handelsvolumen von 20 Mrd. USD ist China größter Handelspartner.")
    claims = run(nlp, text)._.claims
    assert has(claims, "trade_volume", "KAZ", "CHN", symmetric=True)
    assert has(claims, "trade_partner_rank", "KAZ", "CHN")


def test_no_claim_without_a_cue(nlp):
    doc = run(nlp, "Russland und China sind große Staaten in Asien, sagte der Politologe.")
    assert doc._.claims == []


def test_claims_are_contract_records(nlp):
    from extract.models import Claim

    doc = run(nlp, "Seit 1994 ist Kasachstan Mitglied der Partnerschaft für den Frieden.")
    for claim in doc._.claims:
        Claim.model_validate(claim.model_dump())
        for ev in claim.evidence:
            assert doc.text[ev.start : ev.end] == ev.text


# --------------------------------------------------------------------------- with a parse
# Where de_core_news_lg is installed its dependency parse (TIGER labels) tells subjects
# and prepositional phrases; these Docs carry a parse written by hand.


def parsed_doc(nlp, words, heads, deps, pos, ents):
    from spacy.tokens import Doc, Span

    doc = Doc(nlp.vocab, words=words, heads=heads, deps=deps, pos=pos,
              sent_starts=[True] + [False] * (len(words) - 1))
    doc.ents = [Span(doc, s, e, label=label, kb_id=kb) for s, e, label, kb in ents]
    doc._.doc_id, doc._.ref_date = "t", REF
    for name in ("extract_timex", "extract_quantities", "extract_claims"):
        doc = nlp.get_pipe(name)(doc)
    return doc


def test_with_a_parse_the_subject_speaks_whatever_the_word_order(nlp):
    # "Seinen wichtigsten Partner Russland kritisierte Kasachstan." (object first)
    doc = parsed_doc(
        nlp,
        words=["Seinen", "wichtigsten", "Partner", "Russland", "kritisierte", "Kasachstan", "."],
        heads=[2, 2, 4, 2, 4, 4, 4],
        deps=["nk", "nk", "oa", "nk", "ROOT", "sb", "punct"],
        pos=["DET", "ADJ", "NOUN", "PROPN", "VERB", "PROPN", "PUNCT"],
        ents=[(3, 4, "COUNTRY", "RUS"), (5, 6, "COUNTRY", "KAZ")],
    )
    stance = next(c for c in doc._.claims if c.relation == "stance")
    assert (stance.actor.id, stance.partner.id, stance.polarity) == ("KAZ", "RUS", "negative")


def test_with_a_parse_prepositions_come_from_the_tree(nlp):
    from extract.claims import Sentence

    # "Kasachstan handelt mit seinem großen Nachbarn Russland." — the PP's noun hangs from "mit"
    doc = parsed_doc(
        nlp,
        words=["Kasachstan", "handelt", "mit", "seinem", "großen", "Nachbarn", "Russland", "."],
        heads=[1, 1, 1, 5, 5, 2, 5, 1],
        deps=["sb", "ROOT", "mo", "nk", "nk", "nk", "nk", "punct"],
        pos=["PROPN", "VERB", "ADP", "DET", "ADJ", "NOUN", "PROPN", "PUNCT"],
        ents=[(0, 1, "COUNTRY", "KAZ"), (6, 7, "COUNTRY", "RUS")],
    )
    roles = {m.id: (m.prep, m.subject) for m in Sentence(doc[:], {"mit", "in"}).mentions}
    assert roles == {"KAZ": (None, True), "RUS": ("mit", False)}


def test_co_chairs_are_those_listed_with_the_cue_not_the_main_clause_subject(nlp):
    doc = run(nlp, "Der Minsk-Gruppe, deren Ko-Vorsitz Russland, Frankreich und die USA innehaben, "
                   "warf Paschinjan Untätigkeit vor.")
    chairs = {c.actor.id for c in doc._.claims if c.relation == "chair_of"}
    assert chairs == {"RUS", "FRA", "USA"}
    assert all(c.value.id == "org:minsk-gruppe" for c in doc._.claims if c.relation == "chair_of")


def test_a_bracketing_membership_cue_takes_the_organisation_inside_it(nlp):
    doc = run(nlp, "Georgien ist seit 1992 Mitglied der Vereinten Nationen, trat 1999 der OSZE bei "
                   "und gehört seit 2000 der Welthandelsorganisation an.")
    found = {(c.value.id, c.date.value if c.date else None) for c in doc._.claims if c.relation == "member_of"}
    assert found == {("UN", "1992"), ("OSCE", "1999"), ("WTO", "2000")}


def test_a_separable_verbs_particle_closing_the_clause_is_not_part_of_the_object(nlp):
    doc = run(nlp, "Präsident Tokajew sprach sich am Montag für eine friedliche Lösung aus.")
    stances = [c for c in doc._.claims if c.relation == "stance"]
    assert [c.value.text for c in stances] == ["eine friedliche Lösung"]


def test_the_sentences_assembled_are_those_a_cue_may_begin_in(nlp, corpus_files):
    """Cued sentences are found from the cue positions; they must be exactly the
    sentences that the scan says hold a cue."""
    from extract.claims import DocIndex
    from extract.ingest import clean, read_source

    assembler = nlp.get_pipe("extract_claims")
    for path in corpus_files:
        text = clean(read_source(path).text).text
        doc = nlp(text)
        shared = DocIndex(doc)
        positions = assembler.cue_index.positions(shared.lower)
        expected = [(s.start, s.end) for s in doc.sents
                    if assembler.cue_index.holds(positions, s.start_char, s.end_char, assembler.cue_kinds)]
        found = [(s.start, s.end) for s in assembler._cued_sentences(shared, positions)]
        assert found == expected and found, path.name


def test_an_undated_statement_of_a_dated_fact_folds_into_it_evidence_in_document_order(nlp):
    doc = run(nlp, "Kasachstan ist Mitglied der OVKS. Seit 1994 ist Kasachstan Mitglied der OVKS.")
    members = [c for c in doc._.claims if c.relation == "member_of"]
    assert len(members) == 1 and members[0].date is not None and members[0].date.value == "1994"
    starts = [e.start for e in members[0].evidence]
    assert len(starts) == 2 and starts == sorted(starts)
