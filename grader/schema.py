"""The JSON Schema of exercise files, generated from the key tables spec.py validates with.

Editors (through the yaml-language-server `$schema` comment) complete and check keys with it.
It says what a schema can say: keys, required keys, kinds of values, bounds and vocabularies.
What depends on other values (labels present in y, shapes that follow from sizes, part names
that refer to functions and cases) is checked by spec.py only, so a file the schema rejects is
always rejected by `grade validate`, not the other way round.
"""

from . import spec

SCHEMA_ID = "https://nn-grader.invalid/exercise.schema.json"  # names the schema; nothing is fetched


def _number(key: spec.Key) -> dict:
    schema: dict = {"type": "number"}
    if key.minimum is not None:
        schema["exclusiveMinimum" if key.exclusive else "minimum"] = key.minimum
    if key.maximum is not None:
        schema["exclusiveMaximum" if key.exclusive else "maximum"] = key.maximum
    return schema


def _integer(key: spec.Key) -> dict:
    schema: dict = {"type": "integer"}
    if key.minimum is not None:
        schema["minimum"] = key.minimum
    if key.maximum is not None:
        schema["maximum"] = key.maximum
    return schema


def _name(choices, pattern: str | None = None) -> dict:
    if choices is not None:
        return {"enum": list(choices)}
    schema: dict = {"type": "string", "minLength": 1}
    if pattern:
        schema["pattern"] = f"^{pattern}$"
    return schema


def _sizes(min_length: int) -> dict:
    return {"type": "array", "minItems": min_length,
            "items": {"type": "integer", "minimum": 1, "maximum": spec.MAX_SIZE}}


_LITERAL = {"$ref": "#/$defs/literal"}
_VALUES = {"$ref": "#/$defs/values"}


def _table(table: dict) -> dict:
    """A mapping of fixed keys: their schemas, which are required, and no others."""
    schema: dict = {"type": "object", "properties": {name: _key(k) for name, k in table.items()},
                    "additionalProperties": False}
    needed = list(spec.required_keys(table))
    if needed:
        schema["required"] = needed
    return schema


def _entries(entries) -> dict:
    return {"oneOf": [_table(t) for t in entries]} if isinstance(entries, tuple) else _table(entries)


def _named(key: spec.Key) -> dict:
    """A mapping of names the instructor chooses (functions, cases) to entries of one table."""
    schema = {"type": "object", "minProperties": 1, "additionalProperties": _entries(key.entries)}
    if key.entries is spec.FUNCTION:
        schema["propertyNames"] = {"pattern": r"^[A-Za-z_][A-Za-z0-9_]*$"}  # Python identifiers (ASCII)
    return schema


def _key(key: spec.Key) -> dict:
    kinds = {
        "name": lambda: _name(key.choices, key.pattern),
        "text": lambda: {"type": "string", "minLength": 1},
        "boolean": lambda: {"type": "boolean"},
        "integer": lambda: _integer(key),
        "number": lambda: _number(key),
        "names": lambda: {"type": "array", "minItems": key.min_length, "uniqueItems": key.unique,
                          "items": _name(key.choices, key.pattern)},
        "sizes": lambda: _sizes(key.min_length),
        "mapping": lambda: _table(key.keys),
        "table": lambda: _named(key),
        "one_of": lambda: _entries(key.entries),
        "list": lambda: {"type": "array", "minItems": key.min_length, "items": _part()},
        "values": lambda: _VALUES,
        "values_list": lambda: {"type": "array", "items": _VALUES},
    }
    schema = kinds[key.kind]()
    return {"description": key.doc, **schema}


def _part() -> dict:
    """A part: cases for the case-graded kinds, training (and no cases) for training parts."""
    schema = _table(spec.PART)
    schema["allOf"] = [
        {"if": {"properties": {"check": {"const": "training"}}, "required": ["check"]},
         "then": {"required": ["training"], "not": {"anyOf": [{"required": ["cases"]},
                                                              {"required": ["activation"]}]}},
         "else": {"required": ["cases"], "not": {"anyOf": [{"required": ["training"]},
                                                           {"required": ["on_request"]}]}}},
        {"if": {"properties": {"check": {"const": "activation_gradient"}}, "required": ["check"]},
         "then": {"required": ["activation"]}},
    ]
    return schema


def exercise_schema() -> dict:
    """The whole schema (draft 2020-12), for `grade schema`."""
    schema = _table(spec.EXERCISE)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "nn-grader exercise",
        "description": "An exercise for the `grade` command (docs/authoring.md).",
        **schema,
        "$defs": {
            "literal": {"anyOf": [{"type": "number"}, {"type": "array", "items": {"$ref": "#/$defs/literal"}}]},
            "values": {"oneOf": [{"type": "array", "items": _LITERAL}, _table(spec.VALUES_SEQUENCE),
                                 _table(spec.VALUES_RANDOM)]},
        },
    }
