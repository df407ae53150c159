"""Command line: a thin layer over the stages' plain functions."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def _run(args) -> int:
    from .run import run_corpus

    result = run_corpus(Path(args.corpus), Path(args.output), model=args.model, incremental=not args.full)
    print(
        f"extract: {len(result.documents)} documents ({result.processed} processed, "
        f"{len(result.documents) - result.processed} unchanged), {len(result.claims)} claims, "
        f"{len(result.failures)} failed, {result.seconds:.1f}s; pipeline {result.pipeline}; "
        f"wrote {args.output}/claims.jsonl",
        file=sys.stderr,
    )
    return 1 if result.failures else 0


def _schema(args) -> int:
    from .models import Claim

    print(json.dumps(Claim.model_json_schema(), ensure_ascii=False, indent=2))
    return 0


def _evaluate(args) -> int:
    from .evaluate import GoldError, check_floors, evaluate, load_claims, render

    corpus = Path(args.corpus) if args.corpus else None
    try:
        gold, docs, _ = load_claims(Path(args.gold), corpus=corpus, strict=True)
    except GoldError as err:
        print(f"extract evaluate: {len(err.problems)} malformed gold line(s):", file=sys.stderr)
        for p in err.problems:
            print(f"  {p}", file=sys.stderr)
        return 2
    except FileNotFoundError as err:
        print(f"extract evaluate: {err}", file=sys.stderr)
        return 2
    pred, _, problems = load_claims(Path(args.pred), strict=False)
    for p in problems:
        print(f"extract evaluate: skipped predicted line {p}", file=sys.stderr)
    report = evaluate(gold, pred, docs)
    print(json.dumps(report.scores, ensure_ascii=False) if args.json else render(report))
    if args.floors:
        failed = check_floors(report.scores, json.loads(Path(args.floors).read_text(encoding="utf-8")))
        for f in failed:
            print(f"extract evaluate: quality floor not met: {f}", file=sys.stderr)
        if failed:
            return 1
    return 0


def _analyse(paths: list[str], model: str | None, components: tuple[str, ...], show) -> int:
    """Run the first pipeline stages over files (or folders of them) and ``show`` each
    analysed document; a file that cannot be read is named and skipped (exit status 1)."""
    from .ingest import IngestError, corpus_files, read_source
    from .pipeline import load_pipeline
    from .run import prepare

    nlp, _ = load_pipeline(model, components=components)
    failed = 0
    for f in (f for p in map(Path, paths) for f in (corpus_files(p) if p.is_dir() else [p])):
        try:
            source = read_source(f)
        except IngestError as err:
            print(f"extract: {err.path}: {err.reason}", file=sys.stderr)
            failed += 1
            continue
        doc, cleaned, _ = prepare(nlp, source)
        show(source, cleaned, nlp(doc))
    return 1 if failed else 0


def _entities(args) -> int:
    from .entities import entity_report

    def show(source, cleaned, doc):
        report = entity_report(doc)
        for e in report["entities"]:
            e["start"], e["end"] = cleaned.to_original(e["start"], e["end"])
        print(json.dumps({"doc_id": source.doc_id, **report}, ensure_ascii=False))

    return _analyse(args.paths, args.model, ("extract_entities",), show)


def _timex(args) -> int:
    def show(source, cleaned, doc):
        ref = doc._.ref_date.isoformat() if doc._.ref_date else None
        if not args.json:
            print(f"# {source.doc_id} (reference date {ref})")
        for span in doc.spans.get("timex", []):
            start, end = cleaned.to_original(span.start_char, span.end_char)
            t = span._.timex
            row = {"doc_id": source.doc_id, "start": start, "end": end, "text": source.text[start:end],
                   "value": t.value, "mod": t.mod, "role": t.role, "ref_date": ref}
            if args.json:
                print(json.dumps(row, ensure_ascii=False))
            else:
                print(f"{start:>6}-{end:<6} {t.value or '-':<24} {t.role:<6} {t.mod or '':<6} {' '.join(row['text'].split())}")

    return _analyse(args.paths, args.model, ("extract_timex",), show)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="extract", description="German claim extractor")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="extract claims from a corpus folder")
    p.add_argument("corpus")
    p.add_argument("-o", "--output", default="outputs")
    p.add_argument("--model", help="spaCy pipeline name or path (default: de_core_news_lg, else embedded)")
    p.add_argument("--full", action="store_true", help="ignore the cache of earlier runs and process every document")
    p.set_defaults(func=_run)

    p = sub.add_parser("schema", help="print the JSON Schema of a claim")
    p.set_defaults(func=_schema)

    p = sub.add_parser("evaluate", help="score predicted claims against a gold set (spec §6)")
    p.add_argument("--gold", required=True, help="gold JSONL file or folder of them")
    p.add_argument("--pred", required=True, help="predicted claims JSONL")
    p.add_argument("--corpus", help="corpus folder to check gold evidence offsets against")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--floors", help="JSON file of minimum scores; exit 1 when one is not met")
    p.set_defaults(func=_evaluate)

    p = sub.add_parser("entities", help="list entities and unresolved names per document")
    p.add_argument("paths", nargs="+")
    p.add_argument("--model")
    p.set_defaults(func=_entities)

    p = sub.add_parser("timex", help="list temporal expressions per document")
    p.add_argument("paths", nargs="+")
    p.add_argument("--model")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_timex)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # `extract … | head`: the reader has seen enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
