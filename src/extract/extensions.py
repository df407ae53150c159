"""Doc and Span extensions the project's components read and write.

Registered once, only if missing, so that importing any stage in any order is safe.

- ``Doc._.doc_id``: the corpus file's name without extension (set by the runner).
- ``Doc._.ref_date``: the document's own date (``datetime.date``) against which relative
  dates resolve; set by the runner before the pipeline runs, ``None`` when unknown.
- ``Doc._.claims``: the claims assembled for the document (``list[extract.models.Claim]``).
- ``Doc._.text``: the document's text, once read through ``doc_text`` (or set by the
  runner, which has it): ``doc.text`` rebuilds it from the tokens on every access.
- ``Span._.timex``: the normalised date of a span in ``doc.spans["timex"]``
  (``extract.models.DateValue``).
- ``Span._.quantity``: the normalised number of a span in ``doc.spans["quantity"]``
  (``extract.models.NumberValue``).

Entities are ``doc.ents`` with ``label_`` in COUNTRY/ORG/PER/LOC and the canonical id of
spec §2 in ``kb_id_``.
"""

import datetime

from spacy.tokens import Doc, Span

_DOC = {"doc_id": None, "ref_date": None, "claims": None, "text": None}
_SPAN = {"timex": None, "quantity": None}


def register() -> None:
    for name, default in _DOC.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)
    for name, default in _SPAN.items():
        if not Span.has_extension(name):
            Span.set_extension(name, default=default)


register()


def as_date(value) -> datetime.date | None:
    """A reference date as a ``datetime.date``: a datetime's day, an ISO string's date;
    None where unknown or malformed (a relative date then stays unresolved)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def doc_text(doc: Doc) -> str:
    """``doc.text``, built once: a Doc's text never changes, and building it walks every
    token (a few tenths of a millisecond for an article)."""
    if doc._.text is None:
        doc._.text = doc.text
    return doc._.text
