"""`awaitify check`: an audit of blocking calls in async-reachable code.

the rules (awaitify.rules: what is blocking, under which code) -> scan (one file, `ast`) -> reach (which sync
functions async code reaches, and by which chain) -> engine (the run) -> formats (text, json,
markdown). It shares discovery, configuration and the project index with `fix`, so both agree on
what is async code.
"""
