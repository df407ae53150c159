# Two commands do everything on a fresh machine:
#   make extract   set up .venv, install, extract claims from corpus/ into outputs/
#   make test      set up .venv, install, run the tests and the quality gate
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MODEL  := de_core_news_lg

.PHONY: extract test eval model bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

outputs/claims.jsonl: $(STAMP) $(wildcard corpus/*) $(shell find src -name '*.py' -o -name '*.yaml' -o -name '*.json' -o -name '*.jsonl' 2>/dev/null)
	$(BIN)/extract run corpus -o outputs

extract: $(STAMP)
	$(BIN)/extract run corpus -o outputs

test: $(STAMP)
	$(BIN)/python -m pytest
	$(BIN)/extract run corpus -o outputs
	$(BIN)/extract evaluate --gold annotations --pred outputs/claims.jsonl --corpus corpus --json --floors quality_floors.json

eval: $(STAMP)
	$(BIN)/extract run corpus -o outputs
	$(BIN)/extract evaluate --gold annotations --pred outputs/claims.jsonl --corpus corpus
	@echo; echo "Held-out set (tests/heldout, written apart from the rules; not gated):"
	$(BIN)/extract run tests/heldout/corpus -o outputs/heldout
	$(BIN)/extract evaluate --gold tests/heldout/annotations --pred outputs/heldout/claims.jsonl --corpus tests/heldout/corpus

# Words/s and peak memory of the tokenizer, the pipeline and two processes, and the cost
# of a re-run over an unchanged corpus; writes outputs/bench.json.
bench: $(STAMP)
	$(BIN)/python -m extract.bench

# The German model comes only from spaCy's own downloader; it is never a package dependency.
model: $(STAMP)
	@$(BIN)/python -m spacy download $(MODEL) >/dev/null 2>&1 \
	  || { echo "make model: could not download $(MODEL) (no network access to the model host?); extract keeps using its embedded pipeline." >&2; exit 1; }
	@echo "make model: $(MODEL) installed; extract now uses it by default."

clean:
	rm -rf outputs $(VENV) .pytest_cache
