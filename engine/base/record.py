"""Frozen records: the classes `@dataclass(frozen=True, slots=True)` makes, made for a start-up.

`casus run` defined 69 dataclasses before it read a byte (the syntax tree alone has 44), and
`dataclasses` spends about half a millisecond on each: it compiles six or more generated
functions apiece, works out a signature for the docstring with `inspect`, and for `slots=True`
makes the class twice: ~30 ms of a warm run of ~135 ms (issue 18, item 4: start-up).
`record` makes the same class in about a tenth of the time. The functions whose speed matters and
that depend on the fields (`__init__`, `__eq__`, `__hash__`, `__reduce__`, and the ordering ones
when asked for) are generated as dataclasses generates them, but compiled once per number of
fields and renamed for each class (`CodeType.replace`: compiling was most of what a class
cost); the rest are shared (`__repr__`, and the `__setattr__`/`__delattr__` that make it
frozen).

What it keeps of a dataclass, because the code and the tests lean on it:
- `field(...)` from dataclasses declares a field's default and `compare=False` (kept out of
  `==`, `hash` and ordering, as a dataclass keeps it); `hash` and `==` are those a frozen
  dataclass computes (a tuple of the compared fields), so dictionaries keyed by nodes behave
  the same, down to their hash values;
- `__dataclass_fields__` holds real `dataclasses.Field`s, so `dataclasses.fields`, `replace`,
  `asdict` and `is_dataclass` work on records as on dataclasses;
- the type checker reads a record as a frozen dataclass (`dataclass_transform`).

What it changes: a record pickles as a call of its class on its fields (`__reduce__`), not as
a new object and a `__setstate__` that looks the fields up again for every object; reading the
library back from the cache (about 3,000 nodes) takes a third of the time it took. Only code
written here, over the class's own field names, is ever compiled, in-process, as `dataclasses`
itself does: nothing read from a file becomes code."""

from __future__ import annotations

import builtins
import dataclasses
import inspect
from collections.abc import Callable
from types import CodeType, FunctionType
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, overload

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_: Any) -> Callable[[Any], Any]:
        """Only the type checker reads it (typing has it from Python 3.11 on)."""
        return lambda f: f


_T = TypeVar("_T", bound=type)
_MISSING: Any = dataclasses.MISSING
# what `dataclasses.fields` and `replace` tell a field from a class variable by (private, but the
# same since Python 3.7; tests/base/test_record.py fails if it ever changes)
_FIELD: Any = dataclasses._FIELD  # type: ignore[attr-defined]


@overload
def record(cls: _T, /) -> _T: ...


@overload
def record(*, eq: bool = True, order: bool = False) -> Callable[[_T], _T]: ...


@dataclass_transform(frozen_default=True, eq_default=True, order_default=False,
                     field_specifiers=(dataclasses.field, dataclasses.Field))
def record(cls: Any = None, /, *, eq: bool = True, order: bool = False) -> Any:
    """`@record` or `@record(eq=False)` / `@record(order=True)`: a frozen, slotted class with
    the annotated names as its fields, as `@dataclass(frozen=True, slots=True, eq=…, order=…)`
    makes it. `eq=False`: objects equal only to themselves, hashed by identity."""
    if order and not eq:
        raise ValueError("record: order=True needs eq=True")

    def make(c: _T) -> _T:
        return _make(c, eq, order)

    return make if cls is None else make(cls)


def _make(cls: Any, eq: bool, order: bool) -> Any:
    inherited: dict[str, dataclasses.Field[Any]] = {}
    for base in reversed(cls.__mro__[1:]):  # a base record's fields come first, as in a dataclass
        inherited.update(getattr(base, "__dataclass_fields__", {}))
    fields = dict(inherited)
    namespace = dict(cls.__dict__)
    for name, annotation in inspect.get_annotations(cls).items():  # the class's own, in order
        if (annotation.startswith(("ClassVar", "typing.ClassVar")) if isinstance(annotation, str)
                else getattr(annotation, "__origin__", None) is ClassVar):
            continue  # a class variable, as in a dataclass
        value = namespace.pop(name, _MISSING)
        f: Any = value if isinstance(value, dataclasses.Field) else dataclasses.field(default=value)
        if f.default_factory is not _MISSING or not f.init or f.kw_only is True or f.hash is not None:
            raise TypeError(f"record {cls.__name__}.{name}: default_factory, init=False, kw_only and hash "
                            "are not supported")
        f.name, f.type, f.kw_only, f._field_type = name, annotation, False, _FIELD
        fields[name] = f
    namespace.pop("__dict__", None)
    namespace.pop("__weakref__", None)
    namespace["__slots__"] = tuple(n for n in fields if n not in inherited)
    namespace["__dataclass_fields__"] = fields
    namespace["__match_args__"] = tuple(fields)
    namespace["__setattr__"] = _frozen_setattr
    namespace["__delattr__"] = _frozen_delattr
    if eq and namespace.get("__hash__", _MISSING) is None and "__eq__" in namespace:
        del namespace["__hash__"]  # what Python sets beside an `__eq__` of the class's own, not the class's choice
    shared = {"__repr__": _repr, **_generated(cls.__name__, fields, eq, order)}
    for method, fn in shared.items():
        namespace.setdefault(method, fn)  # a method the class defines itself wins, as in a dataclass
    made = type(cls)(cls.__name__, cls.__bases__, namespace)
    made.__qualname__ = cls.__qualname__
    return made


_OPS = {"__eq__": "==", "__lt__": "<", "__le__": "<=", "__gt__": ">", "__ge__": ">="}
_GLOBALS: dict[str, Any] = {"__sa": object.__setattr__, "__builtins__": builtins}  # the generated methods'
_TEMPLATES: dict[tuple[str, int], CodeType] = {}


def _template(method: str, n: int) -> CodeType:
    """The code of `method` over `n` fields called `_f0`, `_f1`, …: compiled once per method and
    number of fields, then renamed for each class (`_generated`). Compiling was most of what a
    class cost (~0.2 ms); the 58 records of a run need 52 templates (12 numbers of fields)."""
    code = _TEMPLATES.get((method, n))
    if code is None:
        f = [f"_f{i}" for i in range(n)]
        mine = "(" + "".join(f"self.{x}, " for x in f) + ")"
        if method == "__init__":  # `__self`, not `self`: a field may be called that
            src = f"def __init__(__self{''.join(f', {x}' for x in f)}):" + (
                "".join(f"\n    __sa(__self, {x!r}, {x})" for x in f) or "\n    pass")
        elif method == "__reduce__":
            src = f"def __reduce__(self):\n    return (self.__class__, {mine})"
        elif method == "__hash__":
            src = f"def __hash__(self):\n    return hash({mine})"
        else:
            theirs = mine.replace("self.", "other.")
            src = (f"def {method}(self, other):\n    if other.__class__ is self.__class__:\n"
                   f"        return {mine} {_OPS[method]} {theirs}\n    return NotImplemented")
        namespace: dict[str, Any] = {}
        exec(compile(src, "<record>", "exec"), _GLOBALS, namespace)  # noqa: S102 - placeholders only
        code = _TEMPLATES[(method, n)] = namespace[method].__code__
    return code


def _method(cls_name: str, method: str, names: list[str], defaults: tuple[Any, ...] | None = None) -> Any:
    """`method` of a class over the fields `names`: its template with `_f0`, `_f1`, … renamed
    (the parameters, the attributes read, the names given to `object.__setattr__`)."""
    code = _template(method, len(names))
    to = {f"_f{i}": n for i, n in enumerate(names)}

    def renamed(items: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(to.get(x, x) if type(x) is str else x for x in items)

    code = code.replace(co_varnames=renamed(code.co_varnames), co_names=renamed(code.co_names),
                        co_consts=renamed(code.co_consts), co_filename=f"<record {cls_name}>")
    fn = FunctionType(code, _GLOBALS, method, defaults)
    fn.__qualname__ = f"{cls_name}.{method}"
    return fn


def _generated(name: str, fields: dict[str, dataclasses.Field[Any]], eq: bool, order: bool) -> dict[str, Any]:
    """The methods that depend on the fields, from templates (the names are the class's own
    field names, each checked to be an identifier). `eq=False`: no `__eq__` or `__hash__`
    (object's: identity)."""
    names = list(fields)
    for n in names:
        if not n.isidentifier() or n.startswith("__"):
            raise TypeError(f"record {name}: field name {n!r} cannot be used")
    defaults = [f.default for f in fields.values() if f.default is not _MISSING]
    if any(f.default is _MISSING for f in list(fields.values())[len(names) - len(defaults):]):
        raise TypeError(f"record {name}: a field without a default follows one with a default")
    made = {"__init__": _method(name, "__init__", names, tuple(defaults) or None),
            "__reduce__": _method(name, "__reduce__", names)}
    if eq:
        compared = [n for n, f in fields.items() if f.compare]
        for method in ("__hash__", "__eq__", *(("__lt__", "__le__", "__gt__", "__ge__") if order else ())):
            made[method] = _method(name, method, compared)
    return made


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


def _repr(self: Any) -> str:
    fields = self.__dataclass_fields__.values()
    return f"{type(self).__qualname__}({', '.join(f'{f.name}={getattr(self, f.name)!r}' for f in fields if f.repr)})"
