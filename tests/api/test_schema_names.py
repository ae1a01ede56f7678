"""Every request and response model of the API has its own name: the OpenAPI components are
keyed by class name, so two `DriftOut`s in two modules silently share one schema and one of the
operations documents (and is validated against) the other's shape."""

from __future__ import annotations

import importlib
import pkgutil
from collections import defaultdict

from pydantic import BaseModel

import omniloop.api


def test_api_model_names_are_unique():
    seen: dict[str, set[str]] = defaultdict(set)
    for info in pkgutil.iter_modules(omniloop.api.__path__):
        module = importlib.import_module(f"omniloop.api.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseModel)
                and value.__module__ == module.__name__
            ):
                seen[value.__name__].add(module.__name__)
    assert {name: mods for name, mods in seen.items() if len(mods) > 1} == {}
