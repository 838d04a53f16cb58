"""Raw parsed data to a validated model, with pydantic's errors rewritten for people. No I/O.

Each problem names the field path as written in the file (`tools[2].nmae`), says what was found
and, where it can, what would be accepted (`did you mean 'name'?`).
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from agentcd.core.definition.model import SLUG, SYMBOL
from agentcd.errors import DefinitionError

M = TypeVar("M", bound=BaseModel)
_MAX_PROBLEMS = 10
_PATTERNS = {
    SLUG: "lowercase letters, digits and dashes (1 to 63, no dash at either end)",
    SYMBOL: "letters, digits, '_', '.' and '-', starting with a letter or '_' (at most 128)",
    r"@sha256:[0-9a-f]{64}$": "an image pinned by digest (...@sha256:<64 hex digits>)",
}


def validate_model(model: type[M], data: Any, path: str) -> M:
    """Validate raw data into `model`, turning pydantic's errors into one DefinitionError."""
    if not isinstance(data, dict):
        raise DefinitionError(path, "", f"must be a mapping of fields, found {_describe(data)}")
    try:
        return model.model_validate(data)
    except ValidationError as e:
        errors = _root_causes(e.errors())
        problems = [(_field_path(err, data), _message(err, model)) for err in errors]
        field, message = problems[0]
        for more_field, more_message in problems[1:_MAX_PROBLEMS]:
            where = f"{path}: {more_field}" if more_field else path
            message += f"\n{where}: {more_message}"
        raise DefinitionError(path, field, message) from None


def _describe(value: Any) -> str:
    if value is None:
        return "an empty document"
    if isinstance(value, bool):
        return f"the boolean {value!r}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value!r}" if len(value) <= 40 else "a string"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _root_causes(errors: Sequence[Any]) -> list[Any]:
    """Drop 'too short after validation' errors that only echo a failed item inside them."""
    locs = [tuple(err["loc"]) for err in errors]
    return [
        err
        for err in errors
        if not (
            "after validation" in str(err.get("msg", ""))
            and any(len(o) > len(err["loc"]) and o[: len(err["loc"])] == err["loc"] for o in locs)
        )
    ] or list(errors)


def _field_path(err: Mapping[str, Any], data: Any) -> str:
    """`('tools', 2, 'name')` -> `tools[2].name`, skipping union tags that are not in the data."""
    loc: tuple[int | str, ...] = tuple(err["loc"])
    if err.get("type") in ("union_tag_invalid", "union_tag_not_found"):
        loc = (*loc, str(err["ctx"]["discriminator"]).strip("'"))
    out = ""
    node = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, list) and isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if part < len(node) else None
        elif isinstance(part, str) and (last or (isinstance(node, dict) and part in node)):
            out += f".{part}" if out else part
            node = node.get(part) if isinstance(node, dict) else None
    return out


def _message(err: Mapping[str, Any], model: type[BaseModel]) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        return "unknown field" + _suggestion(model, tuple(err["loc"]))
    if kind in ("missing", "union_tag_not_found"):
        return "field required"
    if kind == "union_tag_invalid":
        return f"unknown value {ctx['tag']!r} (expected one of {ctx['expected_tags']})"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") in _PATTERNS:
        return f"{err['input']!r} is not valid: use {_PATTERNS[ctx['pattern']]}"
    msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    msg = msg[:1].lower() + msg[1:]
    found = err.get("input")
    if kind.endswith(("_type", "_parsing")) or kind in (
        "enum",
        "literal_error",
        "string_pattern_mismatch",
    ):
        msg += f", found {_describe(found)}"
        if kind == "string_type" and isinstance(found, int | float | bool):
            msg += " (quote the value in YAML to keep it text)"
    return msg


def _suggestion(model: type[BaseModel], loc: tuple[int | str, ...]) -> str:
    known = _known_fields(model, loc[:-1])
    close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (known fields: {', '.join(known)})" if known else ""


def _known_fields(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The field names a mapping at `loc` accepts, following the model's annotations."""
    node: Any = model
    for part in loc:
        node = _child(node, part)
        if node is None:
            return []
    node = _model_of(node, None)
    if node is None:
        return []
    return [field.alias or name for name, field in node.model_fields.items()]


def _child(annotation: Any, part: int | str) -> Any:
    if isinstance(part, int):
        args = [a for a in get_args(_strip(annotation)) if a is not Ellipsis]
        return args[0] if args else None
    model = _model_of(annotation, part)
    if model is not None and part not in _fields_by_alias(model):
        return model  # `part` was a union tag, not a field: stay on the chosen member
    if model is not None:
        return _fields_by_alias(model)[part]
    if get_origin(_strip(annotation)) is dict:
        return get_args(_strip(annotation))[1]
    return None


def _model_of(annotation: Any, tag: int | str | None) -> type[BaseModel] | None:
    """The model an annotation holds; for a union of models, the one whose literal is `tag`."""
    annotation = _strip(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType):
        models = [m for a in get_args(annotation) if (m := _model_of(a, None)) is not None]
        tagged = [m for m in models if tag is not None and _has_literal(m, tag)]
        if tagged or len(models) == 1:
            return (tagged or models)[0]
    return None


def _has_literal(model: type[BaseModel], value: int | str) -> bool:
    return any(value in get_args(f.annotation) for f in model.model_fields.values())


def _fields_by_alias(model: type[BaseModel]) -> dict[str, Any]:
    return {(f.alias or name): f.annotation for name, f in model.model_fields.items()}


def _strip(annotation: Any) -> Any:
    """`Annotated[X, ...]` and `X | None` -> `X`."""
    while True:
        args = get_args(annotation)
        if get_origin(annotation) is Annotated:
            annotation = args[0]
        elif get_origin(annotation) in (Union, types.UnionType) and type(None) in args:
            rest = [a for a in args if a is not type(None)]
            if len(rest) != 1:
                return annotation
            annotation = rest[0]
        else:
            return annotation
