"""Read-only views of a case for the rules: the same fields and methods as the model, read faster.

The rules read a case's attributes hundreds of times per file. A pydantic model defines
``__getattr__`` (for its private attributes), which makes every attribute read take Python's
slow path: about 55 ns instead of 20. So the fast path of the loader validates each file into
*views*: for every model class of the case, a plain class derived from it (its name, its fields
as the model lists them, its properties and methods, nothing written a second time), built by
the model's own validator with only the class to create swapped. Validation, and so every error
and its message, is exactly the model's; tests/test_views.py checks both on every shipped case.

A view answers ``isinstance`` for its model as the model's instances do (its ``__class__`` names
the model, which ``isinstance`` consults after the type; ``type()`` still gives the view),
compares and hashes by value as the frozen model does, and refuses assignment. It has none of
the model's methods for dumping or copying: code that needs those (the editor, the ledger)
validates with the model itself.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

from pydantic import BaseModel
from pydantic_core import SchemaValidator

from protocol_checks.case import CaseFile

_MODEL_ONLY = ("model_", "_abc_")
"""Class attributes that belong to pydantic (its API, and its ABC cache), not to the case."""


class ReadOnly:
    """What every view shares: value equality, hashing and no assignment (a frozen model's)."""

    # What pydantic's validator sets on each instance besides its fields (kept out of __dict__).
    __slots__ = ("__dict__", "__pydantic_extra__", "__pydantic_fields_set__",
                 "__pydantic_private__")
    model_fields: ClassVar[dict[str, Any]] = {}

    @property
    def model_fields_set(self) -> set[str]:
        """The fields the file gave (not left to their default), as the model's property."""
        return self.__pydantic_fields_set__

    def __eq__(self, other: object) -> bool:
        """Equal to a view or an instance of its model with the same values."""
        if type(other) is type(self) or type(other) is self.__class__:
            return self.__dict__ == other.__dict__
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self.__dict__.values()))

    def __setattr__(self, name: str, value: object) -> None:
        raise TypeError(f"{type(self).__name__} is read-only")

    def __delattr__(self, name: str) -> None:
        raise TypeError(f"{type(self).__name__} is read-only")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(view; {', '.join(self.__dict__)})"


def _own_attributes(model: type[BaseModel]) -> dict[str, Any]:
    """The properties, methods and constants the case's classes define (not pydantic's)."""
    namespace: dict[str, Any] = {}
    for klass in reversed(model.__mro__):
        if klass is BaseModel or not issubclass(klass, BaseModel):
            continue
        for name, value in vars(klass).items():
            if not name.startswith("__") and not name.startswith(_MODEL_ONLY):
                namespace[name] = value
    return namespace


def view_of(model: type[BaseModel]) -> type[ReadOnly]:
    """The read-only view class of ``model`` (same name, fields and methods)."""
    namespace = _own_attributes(model)
    namespace.update(__slots__=(), __doc__=model.__doc__, __module__=__name__,
                     __qualname__=f"{model.__qualname__}View", model_fields=model.model_fields,
                     __class__=property(lambda _self: model),
                     # What the model's own __eq__ reads of the other side, so model == view.
                     __pydantic_generic_metadata__=model.__pydantic_generic_metadata__)
    return type(model.__name__, (ReadOnly,), namespace)


def _swapped(schema: Any, views: dict[type, type]) -> Any:
    """A copy of a core schema in which every model schema creates its view instead."""
    if isinstance(schema, dict):
        out = {key: _swapped(value, views) for key, value in schema.items()}
        if out.get("type") == "model":
            model = schema["cls"]
            if model not in views:
                views[model] = view_of(model)
            out["cls"] = views[model]
        return out
    if isinstance(schema, list):
        return [_swapped(item, views) for item in schema]
    return schema


def _validator() -> tuple[SchemaValidator, dict[type, type]]:
    views: dict[type, type] = {}
    model_schema = CaseFile.__pydantic_core_schema__
    schema = _swapped(model_schema, views)
    # The model's settings, as pydantic gives them to its own validator (held by the model's
    # schema, under its definitions).
    config = model_schema.get("config") or model_schema["schema"]["config"]
    return SchemaValidator(schema, copy.deepcopy(config)), views


_VALIDATOR, VIEWS = _validator()
"""The model's validator creating views, and each model class's view class."""


def case_view(data: bytes) -> CaseFile:
    """``CaseFile.model_validate_json(data)``, as a view: the same checks, the same errors.
    Typed as the model, which it reads as."""
    return _VALIDATOR.validate_json(data)
