"""A run over a corpus: ingest each file, run the pipeline, map claims back, write outputs."""

from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from spacy.tokens import Doc

from . import __version__
from .ingest import (SUFFIXES, Cleaned, IngestError, Source, clean, corpus_files, read_bytes, read_metadata, read_source,
                     reference_date, sidecar_path)
from .models import Claim, DocumentRecord, Evidence, Failure
from .output import write_json, write_jsonl
from .pipeline import load_pipeline

CACHE = "cache.json"  # per-document results of the last run, for incremental runs


@dataclass
class RunResult:
    claims: list[Claim] = field(default_factory=list)
    documents: list[DocumentRecord] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    pipeline: str = ""
    processed: int = 0  # documents that went through the pipeline (not from the cache)
    seconds: float = 0.0


# What a claim's id leaves out: the id itself, where it was found, how sure the rule was.
_NOT_IN_ID = {"claim_id", "evidence", "confidence", "qualifiers"}


def claim_id(claim: Claim) -> str:
    """Stable across runs: a hash of what the claim says, not of where or when found.
    Hashed from pydantic's own JSON (fields in their declared order): deterministic, and
    several times faster than dumping to a dict and encoding that."""
    return "c-" + hashlib.sha256(claim.model_dump_json(exclude=_NOT_IN_ID).encode("utf-8")).hexdigest()[:12]


def to_original(claim: Claim, cleaned: Cleaned, source: Source) -> Claim:
    """Evidence offsets from cleaned text to the original file's text."""
    evidence = []
    for ev in claim.evidence:
        start, end = cleaned.to_original(ev.start, ev.end)
        evidence.append(Evidence(start=start, end=end, text=source.text[start:end]))
    # The id leaves evidence out, so the claim as found gives the same id as the mapped one.
    return claim.model_copy(update={"evidence": evidence, "claim_id": claim_id(claim)})


def prepare(nlp, source: Source) -> tuple[Doc, Cleaned, dict]:
    """A read document made ready for the pipeline: cleaned, its metadata read, and a Doc
    that knows its id, text, reference date and pull quotes."""
    cleaned = clean(source.text)
    meta = read_metadata(source, cleaned.text)
    doc = nlp.make_doc(cleaned.text)
    doc._.doc_id = source.doc_id
    doc._.text = cleaned.text  # what the Doc was made of: no stage need rebuild it
    doc._.ref_date = reference_date(meta)
    doc.spans["pull_quote"] = [s for a, b in cleaned.pull_quotes if (s := doc.char_span(a, b, alignment_mode="expand"))]
    return doc, cleaned, meta


def process(nlp, source: Source, pipeline: str) -> tuple[DocumentRecord, list[Claim]]:
    """One document through ingestion and the pipeline; ``pipeline`` labels the record."""
    doc, cleaned, meta = prepare(nlp, source)
    doc = nlp(doc)
    claims = [to_original(c, cleaned, source) for c in (doc._.claims or [])]
    record = DocumentRecord(
        doc_id=source.doc_id,
        file=source.path.name,
        sha256=source.sha256,
        encoding=source.encoding,
        pipeline=pipeline,
        **meta,
    )
    return record, claims


def pipeline_key(label: str) -> str:
    """What a cached result depends on besides its input: pipeline, code and rules."""
    package = Path(__file__).parent
    digest = hashlib.sha256(f"{__version__}|{label}".encode())
    for f in sorted([*package.glob("*.py"), *(package / "data").glob("*")]):
        digest.update(f.name.encode() + b"\0" + f.read_bytes())
    return digest.hexdigest()[:16]


def _fingerprint(path: Path) -> str | None:
    """The document's bytes and its sidecar's, if any; None for a file too large to read
    (it fails, and failures are not cached)."""
    try:
        digest = hashlib.sha256(read_bytes(path))
    except IngestError:
        return None
    sidecar = sidecar_path(path)
    if sidecar.exists():
        digest.update(b"\0sidecar\0" + sidecar.read_bytes())
    return digest.hexdigest()


class Progress:
    """A progress line on a terminal; silent otherwise."""

    def __init__(self, total: int):
        self.total, self.done, self.live = total, 0, sys.stderr.isatty()

    def step(self, name: str) -> None:
        self.done += 1
        if self.live:
            width = 30
            filled = width * self.done // max(self.total, 1)
            print(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} {name[:40]:<40}", end="", file=sys.stderr)

    def message(self, text: str) -> None:
        """A line of its own, below the progress line where there is one."""
        print(f"\n{text}" if self.live else text, file=sys.stderr)

    def close(self) -> None:
        if self.live and self.total:
            print(file=sys.stderr)


def run_corpus(corpus: Path, outdir: Path | None = None, model: str | None = None, incremental: bool = True) -> RunResult:
    """Extract claims from every document in ``corpus``.

    With an ``outdir`` holding an earlier run's cache, documents whose bytes (and
    sidecar), pipeline, code and rules are unchanged are taken from the cache; the
    pipeline is loaded only when some document needs it.
    """
    started = time.perf_counter()
    files = corpus_files(Path(corpus))
    cache_file = Path(outdir) / CACHE if outdir is not None else None
    cache = _read_cache(cache_file) if incremental and cache_file else {}
    state: dict = {"nlp": None, "info": None}

    def pipeline():
        if state["nlp"] is None:
            state["nlp"], state["info"] = load_pipeline(model)
        return state["nlp"]

    requested = _requested(model)
    label = cache.get("_pipeline") if cache.get("_requested") == requested else None
    key = pipeline_key(label) if label else None
    result = RunResult()
    fresh: dict = {}
    progress = Progress(len(files))
    for path in files:
        progress.step(path.name)
        try:
            fingerprint = _fingerprint(path) if path.suffix.lower() in SUFFIXES else None
        except OSError:
            fingerprint = None
        hit = cache.get(path.name)
        if hit and fingerprint and key and hit["fingerprint"] == fingerprint and hit["key"] == key:
            result.documents.append(DocumentRecord.model_validate(hit["record"]))
            result.claims.extend(Claim.model_validate(c) for c in hit["claims"])
            fresh[path.name] = hit
            continue
        try:
            source = read_source(path)
            nlp = pipeline()
            record, claims = process(nlp, source, state["info"].label())
        except IngestError as err:
            result.failures.append(Failure(file=err.path, reason=err.reason))
            progress.message(f"extract: {err.path}: {err.reason}")
            continue
        except Exception as err:  # one bad document never stops the batch
            result.failures.append(Failure(file=str(path), reason=f"internal error: {type(err).__name__}: {err}"))
            progress.message(f"extract: {path}: internal error: {type(err).__name__}: {err}")
            continue
        result.documents.append(record)
        result.claims.extend(claims)
        result.processed += 1
        fresh[path.name] = {"fingerprint": fingerprint, "key": None, "record": record.model_dump(mode="json"),
                            "claims": [c.model_dump(mode="json") for c in claims]}
    progress.close()
    result.pipeline = state["info"].label() if state["info"] else (label or "")
    if state["info"] is not None:
        if result.pipeline != label:
            key = pipeline_key(result.pipeline)
        for entry in fresh.values():
            entry["key"] = entry["key"] or key
    result.claims.sort(key=lambda c: (c.doc_id, c.evidence[0].start, c.relation, c.claim_id))
    result.documents.sort(key=lambda d: d.doc_id)
    result.seconds = time.perf_counter() - started
    if outdir is not None:
        write_outputs(result, Path(outdir), corpus)
        kept = {"_pipeline": result.pipeline, "_requested": requested, **fresh}
        if (fresh or cache) and kept != cache:  # unchanged: the cache read is the one to write
            write_json(cache_file, kept, compact=True)
    return result


def _requested(model: str | None) -> str:
    """Which pipeline a run asks for, known without loading it (a model installed since
    the last run changes the answer, and so invalidates the cache)."""
    import spacy.util

    from .pipeline import DEFAULT_MODEL, EMBEDDED

    if model:
        return model
    return DEFAULT_MODEL if spacy.util.is_package(DEFAULT_MODEL) else EMBEDDED


def _read_cache(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # no cache, or an unreadable one: everything is processed afresh


def write_outputs(result: RunResult, outdir: Path, corpus: Path) -> None:
    write_jsonl(outdir / "claims.jsonl", result.claims)
    write_jsonl(outdir / "documents.jsonl", result.documents)
    write_json(
        outdir / "manifest.json",
        {
            "extract_version": __version__,
            "pipeline": result.pipeline,
            "corpus": str(corpus),
            "documents": len(result.documents),
            "claims": len(result.claims),
            "failures": [f.model_dump() for f in result.failures],
        },
    )
