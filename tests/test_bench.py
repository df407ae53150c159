"""`make bench`: the corpus it builds and the report it writes (never its timings)."""

import json

from extract import bench


def test_the_corpus_repeats_every_document_under_new_names_until_large_enough(tmp_path, corpus_files):
    source = tmp_path / "source"
    source.mkdir()
    for f in corpus_files[:2]:
        (source / f.name).write_bytes(f.read_bytes())
    (source / f"{corpus_files[0].stem}.meta.json").write_text('{"title": "T"}', encoding="utf-8")
    size = sum(f.stat().st_size for f in corpus_files[:2])

    files = bench.build_corpus(source, tmp_path / "big", min_bytes=size + 1)

    assert [f.name for f in files] == [f"r{r:04d}_{f.name}" for r in (1, 2) for f in corpus_files[:2]]
    assert sum(f.stat().st_size for f in files) >= size + 1
    assert all(f.read_bytes() == (source / f.name[6:]).read_bytes() for f in files)
    assert (tmp_path / "big" / f"r0002_{corpus_files[0].stem}.meta.json").exists()  # sidecars go along
    assert bench.count_words(files) == 2 * bench.count_words(files[:2])


def test_a_quick_bench_reports_every_measurement(tmp_path, corpus_files):
    source = tmp_path / "source"
    source.mkdir()
    smallest = min(corpus_files, key=lambda f: f.stat().st_size)
    (source / smallest.name).write_bytes(smallest.read_bytes())
    out = tmp_path / "bench.json"

    bench.main(["--corpus", str(source), "--min-bytes", "1", "--out", str(out)])

    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["corpus"]["documents"] == 1 and report["corpus"]["words"] > 0
    for key in ("a_tokenizer", "b_pipeline", "c_parallel"):
        m = report[key]
        assert {"seconds", "load_s", "documents", "words_per_s", "peak_rss_mb"} <= set(m), key
        assert m["documents"] == 1 and m["words_per_s"] > 0 and m["peak_rss_mb"] > 0
    for key in ("a_tokenizer", "b_pipeline"):  # the fastest of several passes counts
        m = report[key]
        assert len(m["rounds"]) == bench.ROUNDS and round(m["seconds"], 3) == min(m["rounds"]) and m["cpu_seconds"] > 0
    assert report["b_pipeline"]["claims"] == report["c_parallel"]["claims"]
    assert report["c_parallel"]["workers"] == 2
    assert isinstance(report["ratio_b_a"], float) and isinstance(report["speedup_c_b"], float)
    inc = report["incremental"]
    assert inc["full"]["processed"] == 1 and inc["rerun"]["processed"] == 0
    assert inc["rerun"]["claims"] == inc["full"]["claims"]
    assert isinstance(inc["ratio"], float)
    assert set(report["targets"]) == {"ratio_b_a", "incremental"}
    assert all(isinstance(t["met"], bool) for t in report["targets"].values())
