"""The TLS trust a rewritten module keeps: requests' own, made once at import.

requests checks certificates against `REQUESTS_CA_BUNDLE`, else `CURL_CA_BUNDLE`, else certifi's
bundle (`requests.sessions.merge_environment_settings`, then `HTTPAdapter.cert_verify`: a folder is
a `capath`, anything else a `cafile`) and ignores `SSL_CERT_FILE`/`SSL_CERT_DIR`. httpx's
`create_ssl_context()` reads only the latter two, so a private CA handed to requests through
`REQUESTS_CA_BUNDLE` would be lost and every call to such a service would fail verification. The
module gets two lines instead:

    _HTTPX_CA_BUNDLE = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()
    _HTTPX_SSL_CONTEXT = ssl.create_default_context(**{"capath" if os.path.isdir(...) else "cafile": ...})

(certifi is a dependency of both requests and httpx). They are read once, at import; requests reads
them per request.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

IMPORTS = ("os", "ssl", "certifi")


def bundle_name(context_name: str) -> str:
    return context_name.replace("_SSL_CONTEXT", "_CA_BUNDLE")


def context_lines(context_name: str) -> list[cst.SimpleStatementLine]:
    bundle = bundle_name(context_name)
    return [
        cst.parse_statement(f'{bundle} = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") '
                            "or certifi.where()\n"),  # type: ignore[list-item]
        cst.parse_statement(f'{context_name} = ssl.create_default_context(**{{"capath" if os.path.isdir({bundle}) '
                            f'else "cafile": {bundle}}})\n'),  # type: ignore[list-item]
    ]


def written_context(module: cst.Module) -> str | None:
    """The name of a context line an earlier run wrote at the module's top, so a file migrated in steps
    keeps one context. (An older `X = httpx.create_ssl_context()` is not reused: it lacks requests' trust.)"""
    current = m.Call(func=m.Attribute(m.Name("ssl"), m.Name("create_default_context")),
                     args=[m.Arg(star="**", value=m.Dict())])
    for stmt in module.body:
        if m.matches(stmt, m.SimpleStatementLine(body=[m.Assign(targets=[m.AssignTarget(m.Name())], value=current)])):
            return stmt.body[0].targets[0].target.value  # type: ignore[attr-defined]
    return None
