"""pandas keeps text in Python objects in creditdesk, whether or not pyarrow is installed.

pandas 3 stores text columns in Arrow when pyarrow is importable ("auto"), and Arrow-backed text
behaves differently at the edges: an empty text column sums to '' and a map of text ids onto
nothing stays text, where arithmetic then fails (the provision matrix, the cash forecast on a
small book). pyarrow came with the batch's Parquet files; the models and reports were written
and tested on Python-backed text. So whenever pandas is imported in a creditdesk process, its
text storage is set to "python" — without importing pandas for commands that never use it
(a finder wraps pandas' own import).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import Any

STORAGE = "python"


def _set(pandas: Any) -> None:
    pandas.set_option("mode.string_storage", STORAGE)


class _AfterPandas(importlib.abc.MetaPathFinder):
    """Finds nothing itself: it wraps the loader that imports pandas to set the option after."""

    def find_spec(self, fullname: str, path: Any, target: ModuleType | None = None) -> Any:
        if fullname != "pandas":
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        execute = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            execute(module)
            _set(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def python_text() -> None:
    if "pandas" in sys.modules:
        _set(sys.modules["pandas"])
    elif not any(isinstance(finder, _AfterPandas) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AfterPandas())
