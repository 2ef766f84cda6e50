"""Instances of the card's frozen dataclasses built at a third of their ``__init__``'s cost.

A frozen dataclass sets each field through ``object.__setattr__`` (~100 ns a field): a
6-bénéficiaire Vitale read builds some thirty of them, a CPS read a few more, and this
was a fifth of the parse. :func:`maker` returns a function taking the fields in order that
fills a twin class with the same slots (plain slot stores) and then gives the instance its
real class: the result is an instance of the dataclass itself, equal, hashed and frozen
like one its ``__init__`` made. Only for slotted frozen dataclasses without
``__post_init__`` (nothing would check what it checks): :func:`maker` refuses others.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar, cast

T = TypeVar("T")


def maker(cls: type[T]) -> Callable[..., T]:
    """``cls(*fields)`` for a slotted frozen dataclass, every field given, in order.

    :raises TypeError: ``cls`` is not a slotted frozen dataclass, or has ``__post_init__``.
    """
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls.__name__}: not a dataclass")
    names = tuple(f.name for f in dataclasses.fields(cls))
    if (
        not cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
        or getattr(cls, "__slots__", None) != names
        or hasattr(cls, "__post_init__")
        or cls.__bases__ != (object,)
    ):
        raise TypeError(f"{cls.__name__}: not a slotted frozen dataclass without __post_init__")
    # The twin: same base, same slots in the same order, so CPython lets an instance change
    # from one class to the other (``object.__class__`` assignment checks the layouts).
    twin = type(f"_{cls.__name__}Twin", (), {"__slots__": names})
    args = ", ".join(names)
    stores = "".join(f"    o.{name} = {name}\n" for name in names)
    env: dict[str, Any] = {"_new": object.__new__, "_twin": twin, "_cls": cls}
    source = (
        f"def make({args}):\n    o = _new(_twin)\n{stores}    o.__class__ = _cls\n    return o\n"
    )
    exec(source, env)  # noqa: S102 - our own dataclass's field names
    make = env["make"]
    make.__qualname__ = make.__name__ = f"make_{cls.__name__}"
    return cast(Callable[..., T], make)
