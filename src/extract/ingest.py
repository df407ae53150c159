"""Ingestion: corpus files in, cleaned text with a map back to the original out.

The original file's decoded text is the coordinate system of every evidence span
(spec §1). Cleaning (line joins, de-hyphenation, navigation lines kept apart) only ever
deletes characters or replaces one character by one other, so each cleaned character
keeps the index of the original character it came from, and any span of cleaned text
maps back to exact original offsets.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from html.parser import HTMLParser
from itertools import chain
from pathlib import Path

from .lexicon import lemma_lookup, load_data

# An article is far smaller; a larger file is refused by its size, before it is read, so
# that memory stays bounded whatever lands in the corpus folder.
MAX_BYTES = 5 * 1024 * 1024
SUFFIXES = (".txt", ".html", ".htm")
SIDECAR = ".meta.json"  # a document's metadata lies in its name without extension and this


class IngestError(Exception):
    """A document that cannot be read; names the file and the reason."""

    def __init__(self, path: Path | str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


@dataclass(frozen=True)
class Source:
    """A corpus file as read: its decoded text is the offset space of evidence."""

    path: Path
    doc_id: str
    text: str
    encoding: str
    sha256: str
    meta: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Cleaned:
    """Cleaned text and, for every cleaned character, its index in the original.

    Cleaning keeps runs of original characters, so the map is kept by runs: the k-th
    starts at ``starts[k]`` in the cleaned text and at ``origins[k]`` in the original.
    """

    text: str
    starts: tuple[int, ...]
    origins: tuple[int, ...]
    pull_quotes: tuple[tuple[int, int], ...] = ()

    @cached_property
    def origin(self) -> tuple[int, ...]:
        """For every cleaned character, its index in the original."""
        ends = self.starts[1:] + (len(self.text),)
        return tuple(chain.from_iterable(
            range(at, at + end - start) for start, end, at in zip(self.starts, ends, self.origins)))

    def _origin_at(self, i: int) -> int:
        if not 0 <= i < len(self.text):
            return self.origin[i]  # indexing's own rules and errors
        k = bisect_right(self.starts, i) - 1
        return self.origins[k] + i - self.starts[k]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a cleaned span ``[start, end)`` to original offsets."""
        if end <= start:
            raise ValueError(f"empty span {start}:{end}")
        return self._origin_at(start), self._origin_at(end - 1) + 1


# --------------------------------------------------------------------------- reading


def corpus_files(folder: Path) -> list[Path]:
    """Documents in a corpus folder, in name order; sidecars are never documents."""
    # Anything that is not a plain subfolder is listed, so that what cannot be read (a
    # dangling link, a folder named like a document) is reported rather than skipped.
    return sorted(
        p for p in folder.iterdir()
        if not p.name.endswith(SIDECAR) and not p.name.startswith(".")
        and (not p.is_dir() or p.suffix.lower() in SUFFIXES)
    )


def read_bytes(path: Path) -> bytes:
    """A file's bytes; one over ``MAX_BYTES`` is refused unread."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise IngestError(path, f"file too large ({size} bytes; the limit is {MAX_BYTES})")
    return path.read_bytes()


def read_source(path: Path) -> Source:
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise IngestError(path, f"unknown file type {path.suffix or '(none)'!r}; expected .txt or .html")
    if path.is_dir():
        raise IngestError(path, "is a folder, not a document")
    try:
        raw = read_bytes(path)
    except OSError as err:
        raise IngestError(path, f"cannot read file: {err.strerror or err}") from err
    if not raw.strip():
        raise IngestError(path, "empty document")
    if b"\x00" in raw:
        raise IngestError(path, "binary file (contains NUL bytes)")
    text, encoding = decode(raw, path)
    if path.suffix.lower() in (".html", ".htm"):
        text = html_main_text(text, path)
    if not text.strip():
        raise IngestError(path, "no text in document")
    return Source(
        path=path,
        doc_id=path.stem,
        text=text,
        encoding=encoding,
        sha256=hashlib.sha256(raw).hexdigest(),
        meta=read_sidecar(path),
    )


def decode(raw: bytes, path: Path | str = "<bytes>") -> tuple[str, str]:
    """UTF-8 (a BOM is dropped and reported), else cp1252, else latin-1."""
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as err:
            raise IngestError(path, f"invalid UTF-8 after a UTF-8 BOM at byte {err.start + 3}") from err
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as err:
            raise IngestError(path, "invalid UTF-16") from err
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for encoding in ("cp1252", "latin-1"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
        if controls > len(text) * 0.01:
            raise IngestError(path, "binary or undecodable file (not UTF-8, and control characters in cp1252/latin-1)")
        return text, encoding
    raise IngestError(path, "undecodable text")


def sidecar_path(path: Path) -> Path:
    """Where a document's sidecar of metadata lies (``a.txt`` → ``a.meta.json``)."""
    return path.with_name(path.stem + SIDECAR)


def read_sidecar(path: Path) -> dict:
    sidecar = sidecar_path(path)
    if not sidecar.exists():
        return {}
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise IngestError(sidecar, f"broken sidecar JSON: {err}") from err
    if not isinstance(meta, dict):
        raise IngestError(sidecar, "sidecar must hold a JSON object")
    known = {"title", "publisher", "author", "url", "published"}
    unknown = set(meta) - known
    if unknown:
        raise IngestError(sidecar, f"unknown sidecar keys {sorted(unknown)}; allowed: {sorted(known)}")
    if "published" in meta:
        try:
            date.fromisoformat(str(meta["published"])[:10])
        except ValueError as err:
            raise IngestError(sidecar, f"'published' is not an ISO 8601 date: {meta['published']!r}") from err
    return meta


# --------------------------------------------------------------------------- HTML


class _TextNodes(HTMLParser):
    """Text nodes of an HTML page with their offsets in the page's source text."""

    SKIP = {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "svg", "head"}
    BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article", "blockquote"}

    def __init__(self, source: str):
        super().__init__(convert_charrefs=False)
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.nodes: list[tuple[int, str]] = []  # (source offset, decoded text)
        self.skip = 0

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip += 1
        elif tag in self.BLOCK:
            self.nodes.append((-1, "\n"))

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCK:
            self.nodes.append((-1, "\n"))

    def handle_data(self, data):
        if not self.skip:
            self.nodes.append((self._offset(), data))

    def _ref(self, raw: str):
        if not self.skip:
            self.nodes.append((self._offset(), html.unescape(raw)))

    def handle_entityref(self, name):
        self._ref(f"&{name};")

    def handle_charref(self, name):
        self._ref(f"&#{name};")


def html_main_text(source: str, path: Path | str = "<html>") -> str:
    """The page's main text, blanked into the page source so offsets stay the source's.

    trafilatura decides what the main text is; the text nodes it kept are laid into a
    copy of the source with everything else blanked (markup becomes spaces, block ends
    newlines). Offsets into the result are therefore offsets into the HTML file itself.
    """
    import trafilatura

    main = trafilatura.extract(source, include_comments=False, include_tables=False, favor_precision=True) or ""
    if not main.strip():
        raise IngestError(path, "no main text found in HTML")
    kept = _normalise_ws(main)
    parser = _TextNodes(source)
    parser.feed(source)
    parser.close()
    out = [" " if ch not in "\n" else "\n" for ch in source]
    for offset, text in parser.nodes:
        if offset < 0 or not text.strip() or _normalise_ws(text) not in kept:
            continue
        if source.startswith(text, offset):  # as written (a bare "&" too; "&amp;" keeps its "&")
            out[offset : offset + len(text)] = list(text)
        else:  # an entity: one decoded character standing for the whole reference
            end = source.index(";", offset) + 1
            out[offset] = text[:1]
            for i in range(offset + 1, end):
                out[i] = " "
    return "".join(out)


def _normalise_ws(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------- cleaning

_SENT_END = re.compile(r"[.!?:;…“”\"»«)]\s*$")
_BLANKS = ("\xa0", "\u2009", "\u202f", "\t")  # each becomes a space: one character for one
_CONJ_AFTER_HYPHEN = {"und", "oder", "sowie", "bzw.", "bis", "als", "noch", "wie"}


@lru_cache(maxsize=1)
def _boilerplate() -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in load_data("boilerplate.json")["lines"]), re.IGNORECASE)


def is_boilerplate(line: str) -> bool:
    return bool(_boilerplate().fullmatch(line.strip()))


@lru_cache(maxsize=1)
def _lexicon() -> tuple[dict[str, str] | None, frozenset[str]]:
    """German word forms known to spaCy's lookup lemmatiser (the table itself: its keys
    are the forms) and their lemmas, to test de-hyphenation."""
    table = lemma_lookup()
    if not table:  # the lookups package is optional for cleaning
        return None, frozenset()
    return table, frozenset(v.lower() for v in table.values())


def _known(word: str) -> bool:
    forms, lemmas = _lexicon()
    if forms is None:
        return False
    return any(w in forms for w in (word, word.lower(), word.capitalize())) or word.lower() in lemmas


def _join_hyphenated(head: str, tail: str) -> str:
    """How a line ending in ``head-`` joins a line starting with ``tail``.

    Returns ``""`` (drop the hyphen: Ver-|einbarung), ``"-"`` (keep it, no space:
    OSZE-|Gipfeltreffen) or ``"- "`` (a suspended hyphen: Wirtschafts-| und).
    """
    first = tail.split(maxsplit=1)[0] if tail.split() else ""
    if first.lower() in _CONJ_AFTER_HYPHEN or first.startswith(","):
        return "- "
    word = re.findall(r"[\wÄÖÜäöüß]+$", head)
    stem = word[0] if word else ""
    if not stem or first[:1].isupper() or first[:1].isdigit() or stem[-1:].isupper() or stem[-1:].isdigit():
        return "-"
    rest = re.match(r"[\wÄÖÜäöüß]+", first)
    rest = rest.group(0) if rest else first
    if not _known(stem + rest) and _known(stem) and _known(rest):
        return "-"
    return ""


def _stands_alone(body: str) -> bool:
    """Navigation, disclaimers and bylines are blocks of their own (``body`` is stripped)."""
    return bool(_boilerplate().fullmatch(body) or _BYLINE.match(body))


def _is_heading(body: str, prev_blank: bool, next_body: str | None) -> bool:
    """A short title line that must not glue onto the sentence below it (both stripped)."""
    if not prev_blank or next_body is None or _SENT_END.search(body):
        return False
    return len(body) <= 60 and len(next_body) >= 1.8 * len(body) and next_body[:1].isupper()


def clean(text: str) -> Cleaned:
    """Join lines broken inside sentences, undo end-of-line hyphenation, keep blocks apart.

    Paragraph breaks (blank lines), headings, bylines and navigation lines stay on lines
    of their own, so the sentence splitter never glues them onto a sentence.
    """
    out: list[str] = []  # pieces of the cleaned text
    starts: list[int] = []  # runs of original characters: where each starts in the cleaned
    origins: list[int] = []  # text, and where in the original
    size = 0  # of the cleaned text so far

    def keep(at: int, length: int) -> None:
        """The next ``length`` cleaned characters stand for those of the original at ``at``."""
        nonlocal size
        if not starts or origins[-1] + size - starts[-1] != at:
            starts.append(size)
            origins.append(at)
        size += length

    raws = text.split("\n")
    bodies = [raw.strip() for raw in raws]  # "" for a blank line
    alone: dict[int, bool] = {}

    def stands_alone(i: int) -> bool:  # asked only of a line that could join a neighbour
        if i not in alone:
            alone[i] = _stands_alone(bodies[i])
        return alone[i]

    last = len(raws) - 1
    start = 0  # of the current line in ``text``
    for i, raw in enumerate(raws):
        body = bodies[i]
        newline_at = start + len(raw)  # the "\n" ending this line (or text end)
        if not body:
            start = newline_at + 1
            continue
        body_start = start + len(raw) - len(raw.lstrip())
        start = newline_at + 1
        next_body = bodies[i + 1] if i < last else None

        # How this line joins the next one: a break, a space, or hyphen handling.
        if not next_body:
            joiner = "\n\n"
        elif stands_alone(i) or stands_alone(i + 1) or _is_heading(body, i == 0 or not bodies[i - 1], next_body):
            joiner = "\n"
        elif body.endswith("-") and len(body) > 1 and body[-2].isalpha():
            joiner = _join_hyphenated(body[:-1], next_body)
        else:
            joiner = " "

        if joiner in ("", "-", "- "):  # the hyphen is re-emitted below if kept
            out.append(body[:-1])
            keep(body_start, len(body) - 1)
            if joiner:
                out.append(joiner)
                keep(body_start + len(body) - 1, 1)
                if joiner == "- ":
                    keep(newline_at, 1)
        else:
            out.append(body)
            out.append(joiner)
            keep(body_start, len(body))
            keep(newline_at, 1)
            if joiner == "\n\n":
                if newline_at + 1 < len(text):
                    keep(newline_at + 1, 1)
                else:
                    out[-1] = "\n"
    cleaned = "".join(out)
    for blank in _BLANKS:
        cleaned = cleaned.replace(blank, " ")
    # Only the break after the last line stands for no character of the original (it is
    # at len(text)); it goes, so every cleaned character has its original.
    end = len(cleaned)
    while end and cleaned[end - 1] in " \n" and origins[-1] + end - 1 - starts[-1] >= len(text):
        end -= 1
        if starts[-1] == end:
            del starts[-1], origins[-1]
    cleaned = cleaned[:end]
    return Cleaned(cleaned, tuple(starts), tuple(origins), tuple(find_pull_quotes(cleaned)))


# --------------------------------------------------------------------------- pull quotes

_SENT_SPLIT = re.compile(r"[^.!?\n]+[.!?]?")
_WORD = re.compile(r"\w+")  # \w takes in umlauts and ß


def _words(text: str) -> list[str]:
    words = _WORD.findall(text)
    # Lower-cased at once: a space ends a word for Unicode's casing rules (final sigma)
    # too, so this is each word lower-cased, in one call instead of one per word.
    return " ".join(words).lower().split(" ") if words else []


def _sentences(text: str):
    """Each sentence's span and its words, lower-cased."""
    if "\u0130" in text or "\u03a3" in text:  # İ lower-cases to two characters, Σ by context
        for m in _SENT_SPLIT.finditer(text):
            yield m.span(), _words(m.group())
        return
    # Otherwise lower() maps each character to one of the same kind (word or not), so the
    # whole text is lower-cased at once and its words keep their places.
    lowered = text.lower()
    for m in _SENT_SPLIT.finditer(text):
        yield m.span(), _WORD.findall(lowered, *m.span())


def _starts_a_word(ordered: list[str], start: str) -> bool:
    """Whether a word of ``ordered`` (sorted) starts with ``start``."""
    at = bisect_left(ordered, start)
    return at < len(ordered) and ordered[at].startswith(start)


def find_pull_quotes(text: str, containment: float = 0.8, min_words: int = 8) -> list[tuple[int, int]]:
    """Sentences that repeat a longer sentence elsewhere in the text (pull quotes).

    A pull quote is laid out in a box and often shortened or reordered, so it is found by
    how much of its vocabulary (prefix-matched, for inflection) a longer sentence holds:
    a word ``w`` is held where a word of the other sentence starts with ``w[:6]``.

    Not all pairs are compared. A quote needing at most ``n - m`` of its ``n`` words held
    (``m`` the fewest misses that fail ``containment``) shares with its source at least
    one of any ``m`` of its words; for words of six letters or more, sharing ``w[:6]``
    means a word of the other sentence starts with it. An index from those six-letter
    starts to sentences gives the candidates through the quote's ``m`` rarest ones.
    """
    spans, words_of, long_keys = [], [], []  # of the sentences with enough words
    for span, words in _sentences(text):
        if len(words) >= min_words:
            spans.append(span)
            words_of.append(words)
            long_keys.append([w[:6] for w in words if len(w) >= 6])
    six = [set(ks) for ks in long_keys]  # a sentence's six-letter word starts
    index: dict[str, list[int]] = {}  # six-letter word start -> sentences with such a word
    for j, ks in enumerate(six):
        for key in ks:
            index.setdefault(key, []).append(j)
    rarity = {key: len(js) for key, js in index.items()}
    ordered: dict[int, list[str]] = {}  # a sentence's word starts, sorted, when needed
    quotes = []
    for i, words in enumerate(words_of):
        n = len(words)
        longs = long_keys[i]
        misses = 1
        while misses <= n and (n - misses) / n >= containment:
            misses += 1
        if misses > len(longs):  # too few long words to rule anything out
            candidates: range | set[int] = range(len(words_of))
        else:
            rare = sorted(longs, key=rarity.__getitem__)[:misses]
            candidates = {j for k in rare for j in index[k]}
        for j in candidates:
            if j == i or len(words_of[j]) <= n:
                continue
            # A six-letter start is held only by the same six-letter start, a shorter word
            # by a word starting with it. Where even every shorter word held would not
            # reach containment, the shorter words are not looked up.
            hits = sum(map(six[j].__contains__, longs))
            if (hits + n - len(longs)) / n < containment:
                continue
            if j not in ordered:
                ordered[j] = sorted({w[:6] for w in words_of[j]})
            hits += sum(1 for w in words if len(w) < 6 and _starts_a_word(ordered[j], w))
            if hits / n >= containment:
                quotes.append(spans[i])
                break
    return quotes


# --------------------------------------------------------------------------- metadata

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("januar", "jan", "jänner"),
            ("februar", "feb"),
            ("märz", "mär", "mrz"),
            ("april", "apr"),
            ("mai",),
            ("juni", "jun"),
            ("juli", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("oktober", "okt"),
            ("november", "nov"),
            ("dezember", "dez"),
        ]
    )
    for m in names
}
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")
_WORD_DATE = re.compile(r"\b(\d{1,2})\.?\s+([A-Za-zÄÖÜäöü]+)\.?\s+(\d{4})\b")
_YEAR_DIGITS = re.compile(r"\d{4}")
_STAND = re.compile(r"\bStand:?\s+(?:(\d{1,2})\.\s*)?([A-Za-zÄÖÜäöü]+)\s+(\d{4})\b")
_URL = re.compile(r"https?://\S+")
_NAME = r"[A-ZÄÖÜ][\wäöüßéğ'-]+(?:\s+[A-ZÄÖÜ][\wäöüßéğ'-]+){1,2}"
_BYLINE = re.compile(rf"^(?:von|Von|Autor(?:in)?:)\s+({_NAME})\s*$")
_PIPE_AUTHOR = re.compile(rf"\|\s*({_NAME})\s*$")
_LONE_NAME = re.compile(rf"^{_NAME}$")


def header_date(line: str) -> date | None:
    """A full date written in a header line (09.11.2017, 18. September 2008, 6 Aug. 2022)."""
    if not _YEAR_DIGITS.search(line):  # a quick scan; the date patterns, led by \b, try every position
        return None
    for m in _NUMERIC_DATE.finditer(line):
        try:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        except ValueError:
            continue
    for m in _WORD_DATE.finditer(line):
        month = _MONTHS.get(m.group(2).lower().rstrip("."))
        if month:
            try:
                return date(int(m.group(3)), month, int(m.group(1)))
            except ValueError:
                continue
    return None


def read_metadata(source: Source, cleaned: str | None = None) -> dict:
    """Title, publisher, author, date and url, read from the text; a sidecar overrides.

    ``cleaned`` is ``clean(source.text).text`` where the caller has it already.
    """
    if cleaned is None:
        cleaned = clean(source.text).text
    lines = [ln.strip() for ln in cleaned.splitlines()]
    head = [ln for ln in lines if ln][:12]
    found: dict = {"title": None, "publisher": None, "author": None, "date": None, "url": None}

    # A later "Stand:" date (a fact sheet's last update) is the date its figures speak from.
    for ln in head:
        d = header_date(ln)
        if d and not ln.startswith("Stand"):
            found["date"] = d.isoformat()
            break
    for ln in head:
        m = "Stand" in ln and _STAND.search(ln)  # the pattern, led by \b, would try every position
        month = m and _MONTHS.get(m.group(2).lower())
        if month:
            stand = date(int(m.group(3)), month, int(m.group(1) or 1)).isoformat()[: 10 if m.group(1) else 7]
            if found["date"] is None or stand > found["date"]:
                found["date"] = stand
            break

    for pattern, publisher in load_data("boilerplate.json")["publishers"].items():
        if re.search(pattern, source.text):
            found["publisher"] = publisher
            break

    for ln in head:
        m = _BYLINE.match(ln) or _PIPE_AUTHOR.search(ln)
        if m:
            found["author"] = m.group(1)
            break
    if found["author"] is None:
        tail = [ln for ln in lines if ln][-3:]
        for ln in reversed(tail):
            if _LONE_NAME.match(ln) and not is_boilerplate(ln):
                found["author"] = ln
                break
    if found["author"] is None:
        for ln in lines[:40]:
            m = _BYLINE.match(ln)
            if m:
                found["author"] = m.group(1)
                break

    for block in [ln for ln in lines if ln][:8]:
        if (
            len(block.split()) >= 2
            and not is_boilerplate(block)
            and not header_date(block)
            and not block.startswith(("Stand", "http"))
            and not _PIPE_AUTHOR.search(block)
            and len(block) <= 200
        ):
            found["title"] = block
            break

    url = _URL.search(source.text)
    found["url"] = url.group(0) if url else None
    for key in ("title", "publisher", "author", "url"):
        if source.meta.get(key):
            found[key] = source.meta[key]
    if source.meta.get("published"):
        found["date"] = str(source.meta["published"])[:10]
    return found


def reference_date(meta: dict) -> date | None:
    value = meta.get("date")
    if not value:
        return None
    parts = [int(p) for p in value.split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
