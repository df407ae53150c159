"""Bad input costs nothing but itself: each bad file is named with its reason, the rest
of the batch is extracted, and no output is left half written."""

import json
import os
import shutil

import pytest

from extract.cli import main
from extract.ingest import MAX_BYTES, IngestError, read_source

GOOD = "Kasachstan ist seit 1992 Mitglied der OSZE. Russland ist Mitglied der OVKS.\n"


def make_bad_files(folder):
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.txt").write_bytes(b" \n\t \n")
    (folder / "binary.txt").write_bytes(b"\x7fELF\x02\x01\x00\x00binary\x00")
    (folder / "notes.docx").write_bytes(b"PK\x03\x04")
    huge = folder / "huge.txt"
    with huge.open("wb") as fh:  # 50 MB, sparse: refused by its size without being read
        fh.truncate(50 * 1024 * 1024)
    (folder / "folder.txt").mkdir()  # a name that cannot be read as a file
    os.symlink(folder / "missing-target.txt", folder / "dangling.txt")
    (folder / "sidecar.txt").write_text(GOOD, encoding="utf-8")
    (folder / "sidecar.meta.json").write_text("{not json", encoding="utf-8")
    return {
        "empty.txt": "empty document",
        "blank.txt": "empty document",
        "binary.txt": "binary file",
        "notes.docx": "unknown file type",
        "huge.txt": "file too large",
        "dangling.txt": "cannot read file",
        "folder.txt": "is a folder",
        "sidecar.meta.json": "broken sidecar JSON",
    }


def test_every_bad_file_is_named_and_the_good_ones_are_extracted(tmp_path, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    expected = make_bad_files(corpus)
    (corpus / "good.txt").write_text(GOOD, encoding="utf-8")
    (corpus / "bom.txt").write_bytes(b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    (corpus / "latin.txt").write_bytes("Österreich und Kasachstan sind Mitglieder der OSZE – „seit 1992“.\n".encode("cp1252"))
    out = tmp_path / "out"

    assert main(["run", str(corpus), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    manifest = json.loads((out / "manifest.json").read_text())
    failures = {os.path.basename(f["file"]): f["reason"] for f in manifest["failures"]}
    for name, reason in expected.items():
        assert reason in failures.get(name, ""), (name, failures)
        assert name in err
    docs = {json.loads(line)["doc_id"]: json.loads(line) for line in (out / "documents.jsonl").read_text().splitlines()}
    assert set(docs) >= {"good", "bom", "latin"}
    assert docs["bom"]["encoding"] == "utf-8-sig" and docs["latin"]["encoding"] == "cp1252"
    claims = [json.loads(line) for line in (out / "claims.jsonl").read_text().splitlines()]
    assert {c["doc_id"] for c in claims} >= {"good", "bom"}
    # evidence of the BOM and cp1252 documents is the decoded text at its offsets
    for c in claims:
        if c["doc_id"] in ("bom", "latin"):
            text = read_source(corpus / f"{c['doc_id']}.txt").text
            assert all(text[e["start"] : e["end"]] == e["text"] for e in c["evidence"])


def test_a_huge_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as fh:
        fh.truncate(MAX_BYTES + 1)
    read = []
    monkeypatch.setattr(type(huge), "read_bytes", lambda self: read.append(self) or b"")
    with pytest.raises(IngestError, match="too large"):
        read_source(huge)
    assert read == []


def test_an_interrupted_run_keeps_the_previous_outputs_whole(tmp_path, monkeypatch):
    from extract import output

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(corpus), "-o", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    real = os.replace

    def interrupted(src, dst):
        if str(dst).endswith("documents.jsonl"):
            raise KeyboardInterrupt
        return real(src, dst)

    (corpus / "more.txt").write_text(GOOD.replace("OSZE", "UNO"), encoding="utf-8")
    monkeypatch.setattr(output.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        main(["run", str(corpus), "-o", str(out)])
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert set(after) == set(before), "no temporary file is left behind"
    for name in ("documents.jsonl", "manifest.json"):
        assert after[name] == before[name]
    for line in after["claims.jsonl"].decode().splitlines():
        json.loads(line)  # whole lines only: a file is replaced whole or not at all


def test_malformed_gold_lines_are_named_and_nothing_is_scored(tmp_path, capsys):
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"claim_id": "x"}\n\n[1, 2]\n', encoding="utf-8")
    pred = tmp_path / "pred.jsonl"
    pred.write_text("", encoding="utf-8")
    assert main(["evaluate", "--gold", str(gold), "--pred", str(pred), "--json"]) == 2
    err = capsys.readouterr().err
    assert f"{gold}:1:" in err and f"{gold}:3:" in err and f"{gold}:2:" not in err
