"""A ninja `Schema` that validates a plain dict without ninja's getter.

The views build each answer as a plain dict of the values to send, and a JSON body arrives
as plain dicts. Ninja's `Schema` wraps every object it validates (each row of a list, each
nested object) in a `DjangoGetter` that looks each key up in Python: 11-15 % of the CPU of
the list endpoints. `DictSchema` hands a plain dict straight to pydantic, which validates
and serialises it exactly as before (same fields, same types, same JSON, same errors);
anything else (a model instance, a dict subclass) still goes through ninja's getter."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import ModelWrapValidatorHandler, ValidationInfo, model_validator


class DictSchema(Schema):
    """The base of the API's response schemas and of its hot request bodies."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler, info: ValidationInfo
    ) -> Any:
        # Same name as ninja's validator, so this one replaces it. A dict's values reach
        # pydantic as they are; ninja's getter would only call callables and list managers
        # found in it, which no view puts in a dict.
        if type(values) is dict and not cls._ninja_resolvers:
            return handler(values)
        if cls.model_config.get("extra") == "forbid" or cls.model_config.get(
            "validate_assignment", False
        ):
            handler(values)
        return handler(DjangoGetter(values, cls, info.context))
