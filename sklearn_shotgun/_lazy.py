"""Module-level ``__getattr__`` and ``__dir__`` (PEP 562) for packages that import on first use.

Both ``sklearn_shotgun`` and ``sklearn_shotgun.featurizers`` keep their import cheap by
resolving public names only when they are first looked up; this builds the two functions
they need from a name -> submodule mapping. It imports nothing but :mod:`importlib`, so it
adds nothing to ``import sklearn_shotgun``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Collection, Mapping
from typing import Any


def lazy_attributes(
    namespace: dict[str, Any], lazy: Mapping[str, str], submodules: Collection[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` of a package whose public names load on first use.

    Parameters
    ----------
    namespace : dict
        The package's ``globals()``. Its ``__name__`` anchors the relative imports; a name,
        once resolved, is stored here so that later look-ups do not reach ``__getattr__``;
        its ``__all__`` is read when ``__dir__`` is called (it may be defined later).
    lazy : mapping of str to str
        Public name -> the submodule (relative to the package) that defines it.
    submodules : collection of str
        Submodules that are attributes of the package without an explicit import, as they
        were when the package imported them eagerly.

    Returns
    -------
    getattr_ : callable
        The module's ``__getattr__``: resolves a name of ``lazy`` or ``submodules``, raises
        ``AttributeError`` (with the message of a plain module) for any other.
    dir_ : callable
        The module's ``__dir__``: its globals, ``__all__`` and ``submodules``, sorted.
    """
    package = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        if name in lazy:
            value = getattr(importlib.import_module(f".{lazy[name]}", package), name)
        elif name in submodules:
            value = importlib.import_module(f".{name}", package)
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        namespace[name] = value  # later look-ups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *namespace.get("__all__", ()), *submodules})

    return __getattr__, __dir__
