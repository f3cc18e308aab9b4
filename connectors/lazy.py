"""Lazy public surfaces for connector packages.

`connectors/<system>/__init__.py` exposes the client and settings, but importing the package for its
raw payload models (as codecs do) must not import the HTTP stack. PEP 562 module `__getattr__`
loads a public name on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(package: str, public: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` that imports `name` from `public[name]` (a module path) on demand."""

    def __getattr__(name: str) -> Any:
        if name not in public:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(public[name]), name)

    return __getattr__
