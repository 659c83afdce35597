from awaitify.cli import entry

entry()
