"""How engine values are stored as JSON in snapshots: whole results and plans are converted by pydantic
from their dataclasses (`Snapshots`, used by roadmap.engine.scoring.snapshots and
roadmap.engine.planner.snapshots).

Most values are stored as their dataclass fields. The few whose stored form is something else (a text as
locale pairs, a month as "2027-01", an override's points or level as "value") declare that form in their
class, once, with `stored_form`; pydantic then uses it wherever the value appears.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from pydantic import GetCoreSchemaHandler, TypeAdapter
from pydantic_core import CoreSchema, core_schema

T = TypeVar("T")


def stored_form(encode: Callable[[Any], Any], decode: Callable[[Any, Any], Any]) -> Any:
    """A class's `__get_pydantic_core_schema__`: `encode(instance)` gives its JSON form, `decode(cls, data)`
    the instance of a JSON form (an instance passes through)."""

    def schema(cls: type, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        def validate(data: Any) -> Any:
            return data if isinstance(data, cls) else decode(cls, data)

        return core_schema.no_info_plain_validator_function(
            validate, serialization=core_schema.plain_serializer_function_ser_schema(encode)
        )

    return classmethod(schema)


class Snapshots(Generic[T]):
    """Values of one dataclass as JSON-serialisable documents and back, equal to the original."""

    def __init__(self, kind: type[T]) -> None:
        self._adapter = TypeAdapter(kind)

    def to_dict(self, value: T) -> dict[str, Any]:
        document: dict[str, Any] = self._adapter.dump_python(value, mode="json")
        return document

    def from_dict(self, data: Mapping[str, Any]) -> T:
        return self._adapter.validate_python(data)
