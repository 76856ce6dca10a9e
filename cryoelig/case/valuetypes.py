"""The value types of the case contract as pydantic annotations: numbers, whole numbers, yes/no and
listed values, each read by the one input grammar (cryoelig.case.grammar).

The case's numeric fields are typed by ``cryoelig.case.measures.measured`` instead (the grammar, the field's
plausible range and its unit slips in one validator); ``Number`` and ``Count`` stay for numbers of no field.

Why a module of its own: the case model (``cryoelig.case.contract``) and the groups of fields the published
scales read (``cryoelig.case.scalefields``) are built from the same types, so a value means the same
thing in every part of a case, and neither module has to import the other to get them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic_core import PydanticCustomError

from .grammar import BOOL_WORDS, GrammarError, parse_bool, parse_choice, parse_number


def _grammar(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A grammar function (cryoelig.case.grammar) as a pydantic validator; its message never holds the value."""
    def validate(value: Any) -> Any:
        try:
            return parse(value)
        except GrammarError as error:
            raise PydanticCustomError("grammar", str(error)) from None
    return validate


def dedupe(value: Any) -> Any:
    """Lists are sets of answers: items in any letter case, first occurrence kept, repeats dropped
    (linear: a list of 100,000 items costs one pass, not a quadratic scan)."""
    if type(value) in (list, tuple):
        items = [parse_choice(item) for item in value]
        try:
            return list(dict.fromkeys(items))
        except TypeError:  # an unhashable item: the model refuses it with its position
            return items
    return value


def _flag(value: Any) -> bool:
    """A yes/no value by the grammar (cryoelig.case.grammar.parse_bool), the common cases first: one call per field."""
    if value is True or value is False:
        return value
    if type(value) is str:
        found = BOOL_WORDS.get(value.strip().lower())
        if found is not None:
            return found
    return _bool(value)


def _float(value: Any) -> Any:
    if type(value) is float and math.isfinite(value):
        return value
    return _number(value)


#: The grammar's validators, made once (a closure made per value cost a function object per field).
_bool = _grammar(parse_bool)
_number = _grammar(parse_number)
Number = Annotated[float, BeforeValidator(_float)]
Count = Annotated[int, BeforeValidator(_grammar(functools.partial(parse_number, whole=True)))]
Flag = Annotated[bool, BeforeValidator(_flag)]
#: Listed values in any letter case ('Kidney', 'Poor'): Annotated[<a Literal>, ANY_CASE].
ANY_CASE = BeforeValidator(parse_choice)


class Part(BaseModel):
    """A group of case fields (tumor, symptoms, mirels, ...): unknown names refused, values frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)
