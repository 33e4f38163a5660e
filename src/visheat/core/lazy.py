"""Names a package loads when they are first used, as ``lazy_loader.attach`` does.

A package lists ``{name: submodule}``; :func:`attach` gives it the module-level
``__getattr__`` and ``__dir__`` that import the submodule on first access. Users'
type checkers see the same names through the package's ``if TYPE_CHECKING:`` imports,
so a lazy name is typed like an eager one.

>>> getattr_, dir_ = attach("visheat.io", {"open_store": "stores"}, ["load_array"])
>>> getattr_("open_store").__name__
'open_store'
>>> "open_store" in dir_()
True
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def attach(package: str, lazy: Mapping[str, str], eager: Iterable[str] = ()
           ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: ``lazy`` maps a name to the submodule
    (relative to ``package``) that defines it; a name equal to its submodule's name is
    the submodule itself."""
    names = sorted(set(lazy) | set(eager))

    def __getattr__(name: str) -> Any:
        module = lazy.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        found = importlib.import_module(f"{package}.{module}")
        value = found if module.rpartition(".")[2] == name else getattr(found, name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(names) | set(vars(sys.modules[package])))

    return __getattr__, __dir__
