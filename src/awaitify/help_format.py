"""Help pages as ruff prints them: an argument is shown by its placeholder (`<PATH>...`), never by
the Python type typer derives from the annotation (`PATH <list[Path]>`), which says nothing to a
user and changes with typer releases."""

from __future__ import annotations

from typer.core import TyperCommand


def placeholder(param) -> str:
    """`<PATH>...` for a repeatable argument, `<CODE>` for a single one."""
    name = (param.metavar or param.name or "").strip("<>[]{}.").upper()
    return f"<{name}>" + ("..." if param.nargs != 1 else "")


class PlaceholderCommand(TyperCommand):
    """A typer command whose "Arguments" section names placeholders; options keep typer's rows
    (their `metavar=` already is the placeholder)."""

    def format_options(self, ctx, formatter) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument" and not getattr(param, "hidden", False):
                help_text = getattr(param, "help", None) or ""
                arguments.append((placeholder(param), help_text + ("  [required]" if param.required else "")))
            elif param.param_type_name == "option":
                record = param.get_help_record(ctx)
                if record is not None:
                    options.append(record)
        if arguments:
            with formatter.section("Arguments"):
                formatter.write_dl(arguments)
        if options:
            with formatter.section("Options"):
                formatter.write_dl(options)
