"""awaitify: codemods that move async Python code off blocking calls."""

__version__ = "0.1.0"
