"""Evaluation against a gold set, exactly as spec §6 defines matching and scores."""

from __future__ import annotations

import re
import string
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from .models import SYMMETRIC, Claim, Entity, NumberValue, TextValue

# ----------------------------------------------------------------------------- loading


class GoldError(Exception):
    """Malformed gold lines, each named by file and line."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _files(path: Path) -> list[Path]:
    path = Path(path)
    if path.is_dir():
        return sorted(path.glob("*.jsonl"))
    if path.is_file():
        return [path]
    raise FileNotFoundError(f"{path}: no such file or folder")


def _reason(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        where = ".".join(str(x) for x in e["loc"])
        parts.append(f"{where}: {e['msg']}" if where else e["msg"])
    return "; ".join(parts)


def load_claims(path: Path, corpus: Path | None = None, strict: bool = True) -> tuple[list[Claim], set[str], list[str]]:
    """Claims from a JSONL file or a folder of them, the doc ids in scope, and problems.

    Every line is validated against the contract; with ``corpus`` the evidence offsets
    are checked against the original files too. Problems name ``file:line``.
    """
    claims: list[Claim] = []
    docs: set[str] = set()
    problems: list[str] = []
    texts: dict[str, str | None] = {}
    for file in _files(path):
        if path.is_dir():
            docs.add(file.stem)  # a per-document gold file puts its document in scope, even if empty
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as err:
            problems.append(f"{file}: cannot read: {err}")
            continue
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                claim = Claim.model_validate_json(line)
            except ValidationError as err:
                problems.append(f"{file}:{n}: {_reason(err)}")
                continue
            if corpus is not None:
                if claim.doc_id not in texts:
                    texts[claim.doc_id] = _corpus_text(corpus, claim.doc_id)
                text = texts[claim.doc_id]
                bad = [e for e in claim.evidence if text is not None and text[e.start : e.end] != e.text]
                if bad:
                    e = bad[0]
                    problems.append(
                        f"{file}:{n}: evidence [{e.start}, {e.end}) does not match {claim.doc_id}'s text "
                        f"(file has {text[e.start:e.end][:60]!r}, line has {e.text[:60]!r})"
                    )
                    continue
            claims.append(claim)
            docs.add(claim.doc_id)
    if strict and problems:
        raise GoldError(problems)
    return claims, docs, problems


def _corpus_text(corpus: Path, doc_id: str) -> str | None:
    from .ingest import IngestError, read_source

    for suffix in (".txt", ".html", ".htm"):
        p = Path(corpus) / f"{doc_id}{suffix}"
        if p.exists():
            try:
                return read_source(p).text
            except IngestError:
                return None
    return None


# ----------------------------------------------------------------------------- matching

_TRANSLIT = [("dsch", "j"), ("tsch", "c"), ("sch", "s"), ("sh", "s"), ("ch", "c"), ("kh", "k"), ("zh", "j"),
             ("q", "k"), ("z", "s"), ("w", "v"), ("y", "j")]


def translit_key(slug: str) -> str:
    """Spec §6: the key under which transliterated surnames match (Toqajew, Tokayev → tokajev)."""
    key = slug
    for a, b in _TRANSLIT:
        key = key.replace(a, b)
    key = re.sub(r"(.)\1+", r"\1", key)
    return key[:-1] + "i" if key.endswith("j") else key


def same_id(a: str | None, b: str | None) -> bool:
    if a == b:
        return True
    if a and b and a.startswith("per:") and b.startswith("per:"):
        return translit_key(a[4:]) == translit_key(b[4:])
    return False


def _stop_words() -> frozenset[str]:
    from spacy.lang.de.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


_STOP = _stop_words()
_PUNCT = re.compile(f"[{re.escape(string.punctuation)}„“”‚‘’»«–—…]")


def text_tokens(text: str) -> set[str]:
    return {t for t in _PUNCT.sub(" ", text.lower()).split() if t not in _STOP}


def same_value(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, Entity) and isinstance(b, Entity):
        return same_id(a.id, b.id)
    if isinstance(a, NumberValue) and isinstance(b, NumberValue):
        if a.unit != b.unit:
            return False
        if a.amount == b.amount:
            return True
        return abs(a.amount - b.amount) <= 0.005 * max(abs(a.amount), abs(b.amount))
    if isinstance(a, TextValue) and isinstance(b, TextValue):
        ta, tb = text_tokens(a.text), text_tokens(b.text)
        if not ta and not tb:
            return True
        return len(ta & tb) / len(ta | tb) >= 0.5
    return False


def _eid(e: Entity | None) -> str | None:
    return e.id if e is not None else None


def matches(gold: Claim, pred: Claim, with_date: bool) -> bool:
    if gold.doc_id != pred.doc_id or gold.relation != pred.relation or gold.polarity != pred.polarity:
        return False
    ga, gp, pa, pp = _eid(gold.actor), _eid(gold.partner), _eid(pred.actor), _eid(pred.partner)
    roles = same_id(ga, pa) and same_id(gp, pp)
    if not roles and gold.relation in SYMMETRIC:
        roles = same_id(ga, pp) and same_id(gp, pa)
    if not roles or not same_value(gold.value, pred.value):
        return False
    if with_date:
        return (gold.date.value if gold.date else None) == (pred.date.value if pred.date else None)
    return True


def max_matching(edges: dict[int, list[int]]) -> dict[int, int]:
    """Maximum bipartite matching (Kuhn's augmenting paths); returns pred → gold.

    Candidate lists are tried in order, so callers list preferred partners first.
    """
    owner: dict[int, int] = {}  # gold index → pred index

    def augment(p: int, seen: set[int]) -> bool:
        for g in edges.get(p, ()):
            if g in seen:
                continue
            seen.add(g)
            if g not in owner or augment(owner[g], seen):
                owner[g] = p
                return True
        return False

    for p in edges:
        augment(p, set())
    return {p: g for g, p in owner.items()}


# ----------------------------------------------------------------------------- scoring


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4),
                "tp": self.tp, "fp": self.fp, "fn": self.fn}


@dataclass
class Report:
    scores: dict
    misses: list[Claim]
    false_positives: list[Claim]
    date_errors: list[tuple[Claim, Claim]]


def _match(gold: list[Claim], pred: list[Claim], with_date: bool) -> dict[int, int]:
    by_key: dict[tuple, list[int]] = defaultdict(list)
    for gi, g in enumerate(gold):
        by_key[(g.doc_id, g.relation)].append(gi)
    edges: dict[int, list[int]] = {}
    for pi, p in enumerate(pred):
        cands = [gi for gi in by_key.get((p.doc_id, p.relation), []) if matches(gold[gi], p, with_date)]
        if not with_date:  # prefer pairs whose dates also agree, so field accuracy is fair
            cands.sort(key=lambda gi: not matches(gold[gi], p, True))
        if cands:
            edges[pi] = cands
    return max_matching(edges)


def _prf(gold: list[Claim], pred: list[Claim], matching: dict[int, int], key) -> dict[str, PRF]:
    out: dict[str, PRF] = defaultdict(PRF)
    for pi, p in enumerate(pred):
        if pi in matching:
            out[key(p)].tp += 1
        else:
            out[key(p)].fp += 1
    matched = set(matching.values())
    for gi, g in enumerate(gold):
        if gi not in matched:
            out[key(g)].fn += 1
    return out


def evaluate(gold: list[Claim], pred: list[Claim], docs: set[str] | None = None) -> Report:
    docs = docs if docs is not None else {g.doc_id for g in gold}
    gold = [g for g in gold if g.doc_id in docs and not g.relation.startswith("x_")]
    pred = [p for p in pred if p.doc_id in docs and not p.relation.startswith("x_")]
    strict, relaxed = _match(gold, pred, True), _match(gold, pred, False)

    def total(m):
        s = PRF(tp=len(m), fp=len(pred) - len(m), fn=len(gold) - len(m))
        return s.to_dict()

    def breakdown(key):
        s, r = _prf(gold, pred, strict, key), _prf(gold, pred, relaxed, key)
        return {k: {"strict": s[k].to_dict(), "relaxed": r[k].to_dict()} for k in sorted(set(s) | set(r))}

    pairs = [(gold[g], pred[p]) for p, g in relaxed.items()]
    n = len(pairs)

    def accuracy(field) -> float | None:
        return round(sum(field(g) == field(p) for g, p in pairs) / n, 4) if n else None

    scores = {
        "strict": total(strict),
        "relaxed": total(relaxed),
        "per_relation": breakdown(lambda c: c.relation),
        "per_document": breakdown(lambda c: c.doc_id),
        "field_accuracy": {
            "matched": n,
            "date": accuracy(lambda c: c.date.value if c.date else None),
            "modality": accuracy(lambda c: c.modality),
            "attributed_to": accuracy(lambda c: _attr(c)),
        },
        "gold": len(gold),
        "pred": len(pred),
        "documents": sorted(docs),
    }
    matched_gold = set(relaxed.values())
    date_errors = [(g, p) for g, p in pairs if not matches(g, p, True)]
    return Report(
        scores=scores,
        misses=[g for gi, g in enumerate(gold) if gi not in matched_gold],
        false_positives=[p for pi, p in enumerate(pred) if pi not in relaxed],
        date_errors=date_errors,
    )


def _attr(c: Claim):
    a = c.attributed_to
    return translit_key(a.id[4:]) if a and a.id.startswith("per:") else (a.id if a else None)


# ----------------------------------------------------------------------------- report


def describe(c: Claim) -> str:
    parts = [c.relation, c.actor.id]
    if c.partner:
        parts.append(f"→ {c.partner.id}")
    if c.value is not None:
        v = c.value
        parts.append(f"= {v.id}" if isinstance(v, Entity) else f"= {getattr(v, 'amount', None) or v.text!r} {getattr(v, 'unit', '') or ''}".rstrip())
    if c.date and c.date.value:
        parts.append(f"@ {c.date.value}")
    if c.polarity == "negative":
        parts.append("(neg)")
    return " ".join(str(p) for p in parts)


def render(report: Report) -> str:
    import pandas as pd

    s = report.scores
    lines = []
    counts = {"tp": int, "fp": int, "fn": int}
    overall = pd.DataFrame({k: s[k] for k in ("strict", "relaxed")}).T[["precision", "recall", "f1", "tp", "fp", "fn"]].astype(counts)
    lines += ["Overall", overall.to_string(), ""]
    for title, key in (("Per relation (relaxed | strict F1)", "per_relation"), ("Per document", "per_document")):
        rows = {k: {**v["relaxed"], "strict_f1": v["strict"]["f1"]} for k, v in s[key].items()}
        df = pd.DataFrame(rows).T[["precision", "recall", "f1", "strict_f1", "tp", "fp", "fn"]].astype(counts)
        lines += [title, df.to_string(), ""]
    fa = s["field_accuracy"]
    lines += [f"Field accuracy on {fa['matched']} relaxed matches: date {fa['date']}, modality {fa['modality']}, "
              f"attributed_to {fa['attributed_to']}", ""]
    for title, claims in (("Misses (in gold, not found)", report.misses), ("False positives", report.false_positives)):
        lines.append(f"{title}: {len(claims)}")
        for c in sorted(claims, key=lambda c: (c.doc_id, c.evidence[0].start)):
            ev = " ".join(c.evidence[0].text.split())
            lines.append(f"  [{c.doc_id[:3]}] {describe(c)}\n        « {ev[:200]} »")
        lines.append("")
    if report.date_errors:
        lines.append(f"Date differences on relaxed matches: {len(report.date_errors)}")
        for g, p in report.date_errors:
            lines.append(f"  [{g.doc_id[:3]}] {describe(g)}  — predicted {p.date.value if p.date else None}")
    return "\n".join(lines)


def check_floors(scores: dict, floors: dict) -> list[str]:
    """Which quality floors a run falls below (empty when all are met)."""
    failed = []
    for name, floor in floors.items():
        level, metric = name.split("_", 1)
        value = scores[level][metric]
        if value < floor:
            failed.append(f"{level} {metric} {value:.4f} is below the floor {floor:.4f}")
    return failed
