"""Field types for request schemas: text the database can store, with Chinese messages.

PostgreSQL refuses NUL in text and UTF-8 cannot carry a lone surrogate (JSON can, as
"\\ud800"); either would fail inside the database as a server error instead of naming the
field, so every string a request carries into a query goes through `Text`.
"""

from typing import Annotated, Any

from ninja import Query
from pydantic import AfterValidator, WithJsonSchema
from pydantic_core import PydanticCustomError


def clean(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("text_nul", "不能包含空字符")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError("text_encoding", "包含无法识别的字符") from None
    return value


def limited(max_length: int) -> Any:
    """Text of at most `max_length` characters."""

    def check(value: str) -> str:
        value = clean(value)
        if len(value) > max_length:
            raise PydanticCustomError("text_too_long", "不能超过 {max_length} 字", {"max_length": max_length})
        return value

    return Annotated[str, AfterValidator(check), WithJsonSchema({"type": "string", "maxLength": max_length})]


Text = Annotated[str, AfterValidator(clean)]


# Paging of every list: a page of at most 100, an offset the database can take (SQLite's
# integers end at 2**63; a larger one would fail inside the query).
Limit = Annotated[int, Query(20, ge=1, le=100)]
Offset = Annotated[int, Query(0, ge=0, le=1_000_000_000)]
