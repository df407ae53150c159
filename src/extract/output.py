"""Writing results: JSONL and JSON, atomically, byte-for-byte deterministic."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Iterable

from pydantic import BaseModel


# What json.dumps(ensure_ascii=False, separators=(", ", ": ")) builds on every call, once.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))


def dumps(record: BaseModel | dict) -> str:
    data = record.model_dump(mode="json", exclude_none=False) if isinstance(record, BaseModel) else record
    return _ENCODER.encode(data)


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file; a file
    that already holds ``text`` is left as it is (a re-run over an unchanged corpus then
    writes nothing)."""
    path = Path(path)
    if _holds(path, text):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _holds(path: Path, text: str) -> bool:
    try:
        return path.stat().st_size >= len(text) and path.read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):
        return False


def write_jsonl(path: Path, records: Iterable[BaseModel | dict]) -> None:
    write_atomic(path, "".join(dumps(r) + "\n" for r in records))


def write_json(path: Path, obj: dict, compact: bool = False) -> None:
    """Indented with sorted keys for people to read; ``compact`` for data only the
    program reads back (encoded in C: indenting takes Python's slow encoder)."""
    if compact:
        write_atomic(path, json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
    else:
        write_atomic(path, json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
