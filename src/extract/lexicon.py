"""Access to the data files (gazetteers, lexicons, patterns) shipped in ``extract/data``."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=None)
def load_data(name: str):
    """Parse a data file once: ``.json``/``.jsonl`` with the standard library, ``.yaml`` with PyYAML."""
    text = resources.files("extract").joinpath("data", name).read_text(encoding="utf-8")
    if name.endswith(".jsonl"):
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    if name.endswith((".yaml", ".yml")):
        import yaml

        return yaml.safe_load(text)
    return json.loads(text)
