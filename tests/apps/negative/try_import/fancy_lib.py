"""Stands for an optional dependency: importable only when WITH_PLUGIN is set."""

import os

if not os.environ.get("WITH_PLUGIN"):
    raise ImportError("No module named 'fancy_lib'")
