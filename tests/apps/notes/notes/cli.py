"""`notes add|show|list|archive`: the sync command line, calling the store directly."""

import argparse

from notes import store


def main(argv: list[str]) -> str:
    parser = argparse.ArgumentParser(prog="notes")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add")
    add.add_argument("title")
    add.add_argument("text")
    sub.add_parser("show").add_argument("title")
    sub.add_parser("list")
    sub.add_parser("archive").add_argument("dest")
    args = parser.parse_args(argv)
    if args.command == "add":
        return store.add(args.title, args.text)
    if args.command == "show":
        return store.read(args.title)
    if args.command == "archive":
        return ",".join(store.archive(args.dest))
    return ",".join(store.titles())
