"""Where a rule's documentation page lives on the web, for bots that link it (SARIF `helpUri`,
rdjson `code.url`).

The address comes from the package's own metadata (`[project.urls]` in pyproject.toml: a
"Repository", "Source" or "Homepage" on GitHub or a similar host). When the project declares none,
there is no page to link: the outputs leave the field out rather than invent an address (the page
itself still travels in SARIF's `help.markdown`)."""

from __future__ import annotations

import functools
from importlib import metadata

_LABELS = ("repository", "source", "source code", "code", "homepage")


@functools.lru_cache(maxsize=1)
def repository_url() -> str | None:
    try:
        entries = metadata.metadata("awaitify").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    urls = {}
    for entry in entries:
        label, _, url = entry.partition(",")
        urls[label.strip().lower()] = url.strip().rstrip("/")
    return next((urls[label] for label in _LABELS if urls.get(label, "").startswith("https://")), None)


def rule_page_url(doc_page: str, base: str | None = None) -> str | None:
    """The page `docs/rules/<doc_page>` under the repository's default branch, or None."""
    base = base if base is not None else repository_url()
    if not base:
        return None
    return f"{base}/blob/HEAD/docs/rules/{doc_page}"  # the pages' home; the wheel maps them in as package data
