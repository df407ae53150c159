"""`make bench`: throughput and peak memory of the tokenizer and of the full pipeline.

A corpus of at least 2 MB is built in a temporary folder by copying the documents of
``corpus/`` under new names (``r0001_<name>``, ``r0002_<name>``, …; sidecars go along).
Each measurement then runs in a fresh subprocess, so its peak memory (``ru_maxrss``) is
its own and no cache of one warms another:

  (a) tokenizer    ``spacy.blank("de")`` over the cleaned text of every document
  (b) pipeline     what ``extract run`` does per document: read, clean, metadata, the
                   full pipeline with claim assembly, evidence mapped back
  (c) 2 processes  (b) with the documents split across two worker processes, each
                   loading the pipeline once; words/s is the aggregate

Words are counted the same way for all three: whitespace-separated words of the cleaned
text, counted once outside any timing. Loading (imports, pipeline set-up) is not part of
words/s and is reported as ``load_s``, and so is set-up done on first use (compiled
patterns, caches filled by the first documents): each measurement runs the first five
documents once before it is timed. (a) is timed on text already read and
cleaned.
(a) and (b) each pass over the whole corpus five times, each pass in a fresh process,
taking turns (a, b, a, b, …) so that a slower spell of the machine falls on both;
the fastest pass counts: on a shared machine other processes only ever add time (the
table also shows CPU seconds). (c) is timed once: it measures the machine's
parallelism, which a busy machine takes away.

Then incremental runs: ``run_corpus`` over the corpus into an output folder (a full
run), and again over the unchanged corpus; the second should cost at most 5 % of the
first. Both run in their own subprocess and their own ``RunResult.seconds`` is compared.

The table goes to stdout and everything to ``outputs/bench.json``. Targets are reported
(``b/a >= 0.30``, re-run ``<= 0.05``), never enforced: timings on a shared machine vary.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import queue
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .ingest import SUFFIXES, clean, corpus_files, read_source, sidecar_path

MIN_BYTES = 2 * 1024 * 1024
TARGET_RATIO = 0.30  # (b) words/s over (a) words/s
TARGET_RERUN = 0.05  # seconds of a re-run over an unchanged corpus, over a full run's
ROUNDS = 5  # passes of (a) and of (b), each in a fresh process, taking turns; the fastest counts
WARM_UP = 5  # documents each measurement runs before it is timed: set-up done on first use is loading


def build_corpus(source: Path, dest: Path, min_bytes: int = MIN_BYTES) -> list[Path]:
    """Copy the documents of ``source`` into ``dest`` round after round, under new names,
    until they hold at least ``min_bytes``; sidecars are copied with their document."""
    docs = [p for p in corpus_files(Path(source)) if p.is_file() and p.suffix.lower() in SUFFIXES]
    if not docs:
        raise SystemExit(f"bench: no documents in {source}")
    dest.mkdir(parents=True, exist_ok=True)
    copied, size, round_ = [], 0, 0
    while size < min_bytes:
        round_ += 1
        for doc in docs:
            target = dest / f"r{round_:04d}_{doc.name}"
            shutil.copyfile(doc, target)
            if sidecar_path(doc).exists():
                shutil.copyfile(sidecar_path(doc), sidecar_path(target))
            copied.append(target)
            size += target.stat().st_size
    return copied


def count_words(files: list[Path]) -> int:
    """Whitespace-separated words of the cleaned text (the same count for every measurement)."""
    per_text: dict[str, int] = {}  # the copies repeat a few texts: clean each once
    total = 0
    for path in files:
        text = read_source(path).text
        if text not in per_text:
            per_text[text] = len(clean(text).text.split())
        total += per_text[text]
    return total


# ------------------------------------------------------------------ measurements
# Each runs in a child process (``python -m extract.bench --measure KIND``) and prints
# one JSON object; ``peak_rss_mb`` is that process's own peak.


def _peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    kb = resource.getrusage(who).ru_maxrss  # kilobytes on Linux
    return round(kb / 1024, 1)


def _documents(folder: Path) -> list[Path]:
    return [p for p in corpus_files(folder) if p.suffix.lower() in SUFFIXES]


def measure_tokenizer(folder: Path) -> dict:
    """(a) The bare tokenizer over the cleaned texts."""
    started = time.perf_counter()
    import spacy

    nlp = spacy.blank("de")
    texts = [clean(read_source(p).text).text for p in _documents(folder)]
    for text in texts[:WARM_UP]:
        nlp.make_doc(text)
    load = time.perf_counter() - started
    _, timed = _timed(lambda: sum(len(nlp.make_doc(text)) for text in texts))  # tokens; no doc kept
    return {**timed, "load_s": load, "documents": len(texts),
            "pipeline": f"spacy.blank('de') {spacy.__version__}", "peak_rss_mb": _peak_mb()}


def _timed(work) -> tuple:
    """What ``work()`` returned, and its wall-clock and CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, {"seconds": time.perf_counter() - wall, "cpu_seconds": time.process_time() - cpu}


def _fastest(passes: list[dict]) -> dict:
    """One measurement from several passes: the fastest pass's, with every pass's
    seconds, the lowest CPU seconds and the highest peak memory."""
    best = dict(min(passes, key=lambda m: m["seconds"]))
    best["rounds"] = [round(m["seconds"], 3) for m in passes]
    best["cpu_seconds"] = min(m["cpu_seconds"] for m in passes)
    best["peak_rss_mb"] = max(m["peak_rss_mb"] for m in passes)
    return best


def _process_all(nlp, files: list[Path], label: str) -> int:
    from .run import process

    claims = 0
    for path in files:
        claims += len(process(nlp, read_source(path), label)[1])
    return claims


def _ready(model: str | None, files: list[Path]) -> tuple:
    """The pipeline and its label, warmed up on the first documents: set-up done on first
    use counts as loading."""
    from .pipeline import load_pipeline

    nlp, info = load_pipeline(model)
    _process_all(nlp, files[:WARM_UP], info.label())
    return nlp, info.label()


def measure_pipeline(folder: Path, model: str | None) -> dict:
    """(b) Everything ``extract run`` does per document, in one process."""
    started = time.perf_counter()
    files = _documents(folder)
    nlp, label = _ready(model, files)
    load = time.perf_counter() - started
    claims, timed = _timed(lambda: _process_all(nlp, files, label))
    return {**timed, "load_s": load, "documents": len(files), "claims": claims,
            "pipeline": label, "peak_rss_mb": _peak_mb()}


def _worker(files: list[Path], model: str | None, go, results) -> None:
    nlp, label = _ready(model, files)
    results.put("ready")
    go.wait()  # timing starts when every worker has its pipeline
    claims = _process_all(nlp, files, label)
    results.put({"claims": claims, "peak_rss_mb": _peak_mb()})


def _collect(results, procs, n: int) -> list:
    """``n`` messages from the workers; a worker that dies fails the bench, never hangs it."""
    got = []
    while len(got) < n:
        try:
            got.append(results.get(timeout=1))
        except queue.Empty:
            if any(p.exitcode not in (None, 0) for p in procs):
                raise SystemExit("bench: a worker process failed") from None
    return got


def measure_parallel(folder: Path, model: str | None, workers: int = 2) -> dict:
    """(c) (b) with the documents dealt out to ``workers`` processes."""
    files = _documents(folder)
    ctx = multiprocessing.get_context("spawn")
    go, results = ctx.Event(), ctx.Queue()
    started = time.perf_counter()
    procs = [ctx.Process(target=_worker, args=(files[k::workers], model, go, results)) for k in range(workers)]
    for p in procs:
        p.start()
    _collect(results, procs, workers)  # every pipeline loaded
    load = time.perf_counter() - started
    started = time.perf_counter()
    go.set()
    done = _collect(results, procs, workers)
    seconds = time.perf_counter() - started
    for p in procs:
        p.join()
    peaks = [d["peak_rss_mb"] for d in done]
    return {"seconds": seconds, "load_s": load, "documents": len(files),
            "claims": sum(d["claims"] for d in done), "workers": workers,
            "peak_rss_mb": max(peaks), "peak_rss_mb_total": round(sum(peaks) + _peak_mb(), 1)}


def measure_run(folder: Path, outdir: Path, model: str | None, incremental: bool) -> dict:
    """One ``run_corpus`` into ``outdir``: a full run, or a re-run using its cache."""
    from .run import run_corpus

    result = run_corpus(folder, outdir, model=model, incremental=incremental)
    return {"seconds": result.seconds, "documents": len(result.documents), "processed": result.processed,
            "claims": len(result.claims), "failures": len(result.failures), "peak_rss_mb": _peak_mb()}


def _child(kind: str, folder: Path, model: str | None, *extra: str) -> dict:
    """Run one measurement in a fresh interpreter and return what it printed."""
    cmd = [sys.executable, "-m", "extract.bench", "--measure", kind, "--corpus", str(folder), *extra]
    cmd += ["--model", model] if model else []
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"bench: measurement {kind!r} failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _measure(args) -> int:
    folder = Path(args.corpus)
    if args.measure == "tokenizer":
        out = measure_tokenizer(folder)
    elif args.measure == "pipeline":
        out = measure_pipeline(folder, args.model)
    elif args.measure == "parallel":
        out = measure_parallel(folder, args.model, args.workers)
    else:
        out = measure_run(folder, Path(args.outdir), args.model, incremental=args.measure == "rerun")
    print(json.dumps(out))
    return 0


# ------------------------------------------------------------------ the bench


def bench(corpus: Path, out: Path | None, min_bytes: int = MIN_BYTES, model: str | None = None,
          workers: int = 2) -> dict:
    """Build the corpus, run every measurement, print the table, write ``out``."""
    with tempfile.TemporaryDirectory(prefix="extract-bench-") as tmp:
        folder = Path(tmp) / "corpus"
        files = build_corpus(Path(corpus), folder, min_bytes)
        words = count_words(files)
        report: dict = {
            "corpus": {"source": str(corpus), "documents": len(files),
                       "bytes": sum(p.stat().st_size for p in files), "words": words},
            "words_counted_as": "whitespace-separated words of the cleaned text",
        }
        # (a) and (b) take turns, so that a slower spell of the machine falls on both
        passes: dict[str, list[dict]] = {"a_tokenizer": [], "b_pipeline": []}
        for n in range(ROUNDS):
            for key, kind in (("a_tokenizer", "tokenizer"), ("b_pipeline", "pipeline")):
                print(f"bench: measuring {kind} (pass {n + 1} of {ROUNDS}) …", file=sys.stderr, flush=True)
                passes[key].append(_child(kind, folder, model))
        report.update({key: _fastest(ms) for key, ms in passes.items()})
        print("bench: measuring parallel …", file=sys.stderr, flush=True)
        report["c_parallel"] = _child("parallel", folder, model, "--workers", str(workers))
        for key in ("a_tokenizer", "b_pipeline", "c_parallel"):
            report[key]["words_per_s"] = round(words / report[key]["seconds"], 1)
        a, b, c = (report[k]["words_per_s"] for k in ("a_tokenizer", "b_pipeline", "c_parallel"))
        report["ratio_b_a"] = round(b / a, 4)
        report["speedup_c_b"] = round(c / b, 3)

        print("bench: measuring incremental runs …", file=sys.stderr, flush=True)
        outdir = Path(tmp) / "out"
        full = _child("full", folder, model, "--outdir", str(outdir))
        rerun = _child("rerun", folder, model, "--outdir", str(outdir))
        report["incremental"] = {"full": full, "rerun": rerun, "ratio": round(rerun["seconds"] / full["seconds"], 4)}
    report["targets"] = {
        "ratio_b_a": {"target": f">= {TARGET_RATIO}", "met": report["ratio_b_a"] >= TARGET_RATIO},
        "incremental": {"target": f"<= {TARGET_RERUN}", "met": report["incremental"]["ratio"] <= TARGET_RERUN
                        and rerun["processed"] == 0},
    }
    print(render(report))
    if out is not None:
        from .output import write_json

        write_json(out, report)
        print(f"bench: wrote {out}", file=sys.stderr)
    return report


def render(report: dict) -> str:
    c = report["corpus"]
    lines = [
        f"corpus: {c['documents']} documents, {c['bytes'] / 1e6:.2f} MB, {c['words']} words "
        f"({report['words_counted_as']})",
        f"{'':<22}{'words/s':>10}{'seconds':>9}{'cpu s':>8}{'load s':>8}{'peak MB':>9}",
    ]
    names = {"a_tokenizer": "(a) tokenizer", "b_pipeline": "(b) pipeline",
             "c_parallel": f"(c) {report['c_parallel']['workers']} processes"}
    for key, name in names.items():
        m = report[key]
        total = f"  (all processes {m['peak_rss_mb_total']:.0f})" if "peak_rss_mb_total" in m else ""
        cpu = f"{m['cpu_seconds']:>8.2f}" if "cpu_seconds" in m else f"{'':>8}"
        lines.append(f"{name:<22}{m['words_per_s']:>10.0f}{m['seconds']:>9.2f}{cpu}{m['load_s']:>8.2f}"
                     f"{m['peak_rss_mb']:>9.0f}{total}")
    inc, t = report["incremental"], report["targets"]
    lines += [
        f"b/a = {report['ratio_b_a']:.3f} (target {t['ratio_b_a']['target']}: {'met' if t['ratio_b_a']['met'] else 'NOT met'}); "
        f"c/b = {report['speedup_c_b']:.2f}",
        f"incremental: full run {inc['full']['seconds']:.2f} s ({inc['full']['processed']} processed), "
        f"re-run {inc['rerun']['seconds']:.2f} s ({inc['rerun']['processed']} processed); ratio {inc['ratio']:.4f} "
        f"(target {t['incremental']['target']}: {'met' if t['incremental']['met'] else 'NOT met'})",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m extract.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default="corpus", help="documents to repeat (default: corpus)")
    parser.add_argument("--out", default="outputs/bench.json", help="report file (default: outputs/bench.json)")
    parser.add_argument("--min-bytes", type=int, default=MIN_BYTES, help="size of the built corpus (default: 2 MiB)")
    parser.add_argument("--model", default=None, help="pipeline, as for `extract run --model`")
    parser.add_argument("--workers", type=int, default=2, help="processes for (c) (default: 2)")
    parser.add_argument("--measure", choices=["tokenizer", "pipeline", "parallel", "full", "rerun"],
                        help=argparse.SUPPRESS)  # one measurement, in a child process
    parser.add_argument("--outdir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        return _measure(args)
    bench(Path(args.corpus), Path(args.out) if args.out else None, args.min_bytes, args.model, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
