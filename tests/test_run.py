import json
import os
import shutil

import pytest

from extract import output
from extract.cli import main
from extract.run import run_corpus


@pytest.fixture()
def corpus(tmp_path, corpus_files):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for f in corpus_files:
        shutil.copy(f, folder / f.name)
    return folder


def test_a_broken_file_is_named_and_the_rest_of_the_batch_proceeds(tmp_path, corpus, capsys):
    (corpus / "broken.txt").write_bytes(b"\x00\x01\x02binary")
    (corpus / "empty.txt").write_bytes(b"")
    out = tmp_path / "out"
    assert main(["run", str(corpus), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "broken.txt: binary file" in err and "empty.txt: empty document" in err
    claims = [json.loads(line) for line in (out / "claims.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {c["doc_id"] for c in claims} >= {"000_e0cdc18f8e6e951f", "003_2467ec2ed8d1b31e"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert {os.path.basename(f["file"]) for f in manifest["failures"]} == {"broken.txt", "empty.txt"}
    assert manifest["documents"] == 5


def test_every_evidence_span_is_the_original_text_at_its_offsets(tmp_path, corpus):
    result = run_corpus(corpus, tmp_path / "out")
    assert result.claims
    texts = {p.stem: p.read_text(encoding="utf-8") for p in corpus.glob("*.txt")}
    for claim in result.claims:
        for ev in claim.evidence:
            assert texts[claim.doc_id][ev.start : ev.end] == ev.text


def test_output_is_deterministic_and_ids_are_stable(tmp_path, corpus):
    run_corpus(corpus, tmp_path / "a", incremental=False)
    run_corpus(corpus, tmp_path / "b", incremental=False)
    for name in ("claims.jsonl", "documents.jsonl", "manifest.json"):
        a, b = (tmp_path / d / name for d in "ab")
        assert a.read_bytes().replace(b"/a", b"") == b.read_bytes().replace(b"/b", b"")
    ids = [json.loads(line)["claim_id"] for line in (tmp_path / "a" / "claims.jsonl").read_text().splitlines()]
    assert len(ids) == len(set(ids)), "one claim per fact per document"


def test_rerun_does_only_new_work_and_drops_deleted_documents(tmp_path, corpus):
    out = tmp_path / "out"
    first = run_corpus(corpus, out)
    assert first.processed == 5
    again = run_corpus(corpus, out)
    assert again.processed == 0 and [c.claim_id for c in again.claims] == [c.claim_id for c in first.claims]
    changed = corpus / "003_2467ec2ed8d1b31e.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\nKasachstan ist Mitglied der OSZE.\n", encoding="utf-8")
    (corpus / "002_c07cd1824b03c0e7.txt").unlink()
    third = run_corpus(corpus, out)
    assert third.processed == 1
    assert not any(c.doc_id == "002_c07cd1824b03c0e7" for c in third.claims)
    records = (out / "documents.jsonl").read_text(encoding="utf-8")
    assert "002_c07cd1824b03c0e7" not in records


def test_an_interrupted_write_leaves_the_old_file_whole(tmp_path, monkeypatch):
    target = tmp_path / "claims.jsonl"
    output.write_jsonl(target, [{"a": 1}])

    def crash(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        output.write_jsonl(target, [{"a": 2}] * 1000)
    assert target.read_text() == '{"a": 1}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["claims.jsonl"]


def test_a_file_that_already_holds_the_text_is_not_rewritten(tmp_path, monkeypatch):
    target = tmp_path / "claims.jsonl"
    output.write_jsonl(target, [{"a": 1}])
    replaced = []
    monkeypatch.setattr(os, "replace", lambda *args: replaced.append(args))
    output.write_jsonl(target, [{"a": 1}])
    assert replaced == []  # the same text: nothing written
    output.write_jsonl(target, [{"a": 1}, {"b": 2}])
    assert len(replaced) == 1  # other text: written


def test_schema_prints_the_claim_json_schema(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert {"claim_id", "doc_id", "relation", "actor", "evidence"} <= set(schema["required"])


def test_entities_and_timex_commands_list_per_document_and_name_bad_files(tmp_path, corpus, capsys):
    (corpus / "broken.txt").write_bytes(b"\x00")
    assert main(["timex", str(corpus / "003_2467ec2ed8d1b31e.txt"), str(corpus / "broken.txt"), "--json"]) == 1
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    text = (corpus / "003_2467ec2ed8d1b31e.txt").read_text(encoding="utf-8")
    assert rows and all(text[r["start"] : r["end"]] == r["text"] for r in rows)
    assert {"value": "1992", "role": "start"}.items() <= next(r for r in rows if r["text"] == "seit 1992").items()
    assert "broken.txt: binary file" in err
    assert main(["entities", str(corpus / "002_c07cd1824b03c0e7.txt")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"NATO", "KAZ", "per:satpajew"} <= {e["id"] for e in report["entities"]} and "unresolved" in report
