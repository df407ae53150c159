"""The data contract at the project's edges (``shared/spec/claims.md``).

Every record that leaves the extractor or enters the evaluator passes through one of
these pydantic models, so a malformed line is rejected with a reason instead of being
half-understood downstream.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

RELATIONS: tuple[str, ...] = (
    "member_of",
    "chair_of",
    "diplomatic_relations",
    "agreement",
    "visit",
    "meeting",
    "hosts_event",
    "military_exercise",
    "military_presence",
    "trade_volume",
    "trade_partner_rank",
    "import_value",
    "export_value",
    "import_share",
    "export_share",
    "ownership_share",
    "border_length",
    "population",
    "population_share",
    "casualties",
    "stance",
    "request",
)
# Relations whose actor and partner match in either order (spec §3, "S").
SYMMETRIC: frozenset[str] = frozenset(
    {"diplomatic_relations", "agreement", "meeting", "military_exercise", "trade_volume", "border_length"}
)

ENTITY_TYPES = ("COUNTRY", "ORG", "PER", "LOC")
EntityType = Literal["COUNTRY", "ORG", "PER", "LOC"]
Bound = Literal["eq", "approx", "gt", "ge", "lt", "le"]

_ISO3 = re.compile(r"^[A-Z]{3}$")
_SLUG_ID = re.compile(r"^(org|per|loc):[a-z0-9]+(?:-[a-z0-9]+)*$")
_FIXED_ORG = re.compile(r"^[A-Z][A-Z0-9]{1,9}$")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def valid_entity_id(entity_id: str, entity_type: str) -> bool:
    """Whether an id has the shape spec §2 gives its type."""
    if entity_type == "COUNTRY":
        return bool(_ISO3.match(entity_id))
    if entity_type == "ORG":
        return bool(_FIXED_ORG.match(entity_id)) or entity_id.startswith("org:") and bool(_SLUG_ID.match(entity_id))
    prefix = {"PER": "per:", "LOC": "loc:"}[entity_type]
    return entity_id.startswith(prefix) and bool(_SLUG_ID.match(entity_id))


def valid_date_value(value: str) -> bool:
    """ISO 8601 at the text's precision, or an interval ``a/b`` of two such dates."""
    parts = value.split("/")
    return 1 <= len(parts) <= 2 and all(_DATE.match(p) for p in parts)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Entity(Strict):
    id: str
    type: EntityType
    text: str

    @model_validator(mode="after")
    def _id_fits_type(self) -> "Entity":
        if not valid_entity_id(self.id, self.type):
            raise ValueError(f"bad {self.type} id {self.id!r} (spec §2)")
        return self


class NumberValue(Strict):
    type: Literal["money", "percent", "quantity", "count", "rank"]
    amount: float
    unit: str | None = None
    bound: Bound = "eq"
    text: str

    @model_validator(mode="after")
    def _unit_where_needed(self) -> "NumberValue":
        if self.type in ("money", "quantity") and not self.unit:
            raise ValueError(f"a {self.type} value needs a unit")
        return self


class TextValue(Strict):
    type: Literal["text"]
    text: str


# An entity value is the entity object itself: its `type` is COUNTRY/ORG/PER/LOC.
Value = Annotated[Union[NumberValue, TextValue, Entity], Field(union_mode="left_to_right")]


class DateValue(Strict):
    value: str | None
    role: Literal["point", "start", "end", "range", "as_of"] = "point"
    mod: Literal["START", "MID", "END", "APPROX"] | None = None
    text: str = ""

    @field_validator("value")
    @classmethod
    def _iso(cls, v: str | None) -> str | None:
        if v is not None and not valid_date_value(v):
            raise ValueError(f"bad date value {v!r}: ISO 8601 at the text's precision (2017, 2017-09, 2017-09-21, 2017/2018)")
        return v


class Evidence(Strict):
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str

    @model_validator(mode="after")
    def _ordered(self) -> "Evidence":
        if self.end <= self.start:
            raise ValueError(f"evidence end {self.end} is not after start {self.start}")
        return self


class Claim(Strict):
    claim_id: str
    doc_id: str
    relation: str
    actor: Entity
    partner: Entity | None = None
    value: Value | None = None
    date: DateValue | None = None
    qualifiers: dict[str, str] = Field(default_factory=dict)
    modality: Literal["asserted", "reported", "planned", "intended", "possible"] = "asserted"
    polarity: Literal["positive", "negative"] = "positive"
    attributed_to: Entity | None = None
    evidence: list[Evidence] = Field(min_length=1)
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)

    @field_validator("relation")
    @classmethod
    def _known_relation(cls, v: str) -> str:
        if v not in RELATIONS and not v.startswith("x_"):
            raise ValueError(f"unknown relation {v!r} (spec §3; extensions take an x_ prefix)")
        return v


class DocumentRecord(Strict):
    doc_id: str
    file: str
    sha256: str
    title: str | None = None
    publisher: str | None = None
    author: str | None = None
    date: str | None = None
    url: str | None = None
    encoding: str
    pipeline: str


class Failure(Strict):
    file: str
    reason: str
