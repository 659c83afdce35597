"""The command line: thin on purpose. It parses flags, loads config, calls the runner, prints."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import List, Optional

import typer

try:  # recent typer releases vendor click as typer._click; older ones use click itself
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover - depends on the installed typer
    from click import exceptions as click_exceptions

from awaitify import __version__
from awaitify.api_results import fails_check
from awaitify.audit.formats import FORMATS, render, statistics, text
from awaitify.commands import choice as _choice, load_settings, run_check
from awaitify.config import PROPAGATE_POLICIES, Config
from awaitify.errors import UsageError
from awaitify.engine.gc_tuning import for_the_process
from awaitify.help_format import PlaceholderCommand
from awaitify.rules import doc_text, every_rule, find_rules, select_rules, without_fix
from awaitify.safe_write import PathRefused, write_output

# The engine, the codemods and libcst (~0.6 s to import) are imported by the commands that run
# them: a warm `check` answers from the cache without them.

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Move async Python code off blocking calls. `fix` is a dry run by default: it prints a patch.",
)

EXIT_OK, EXIT_CHANGES, EXIT_USAGE = 0, 1, 2
EXIT_NOT_WRITTEN = 3  # `fix --write`: a file could not be written (failed, refused or changed since read)
EXIT_INTERRUPTED = 130


def _split(values: Optional[List[str]]) -> tuple[str, ...]:
    return tuple(v.strip() for value in values or () for v in value.split(",") if v.strip())


def _use_color(color: str, stream) -> bool:
    """--color always/never as said; auto: a terminal, unless NO_COLOR is set (no-color.org) or TERM=dumb."""
    if color != "auto":
        return color == "always"
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def _load_config(config_file: Optional[Path], paths: list[Path]) -> Config:
    return load_settings(config_file, paths)  # the API's too (awaitify.commands): one path


def _interactive(result, settings: Config, rules, console, allow_dirty: bool, verify_cmd: Optional[str], quiet: bool,
                 verify: dict) -> int:
    from awaitify.apply import apply_results, refuse_dirty
    from awaitify.interactive import accepted_results, review
    from awaitify.report import print_summary

    if not allow_dirty:
        refuse_dirty(result.changed)  # before any question: answers must not be wasted
    if not result.changed:
        print_summary(result, console, "write", quiet, False)
        return EXIT_OK
    decisions = review(result, console, ask=input)
    accepted = accepted_results(result, decisions, rules, settings)
    applied = apply_results(accepted, Path.cwd(), True, verify_cmd, **verify)
    for skipped in [r for r in accepted if r.error]:
        console.print(f"{skipped.display}: {skipped.error}")
    _report_verify(applied, console)
    console.print(f"awaitify: wrote {len(applied.written)} of {len(result.changed)} files"
                  f"{' (stopped early: the rest left as they were)' if decisions.quit else ''}")
    return _apply_exit(applied) or EXIT_OK


def _report_verify(applied, console) -> None:
    """What the summary does not say about the verify command and the restore."""
    if applied.verify_problem:
        done = len(applied.written) - len(applied.restore_failed)
        console.print(f"awaitify: the verify command {applied.verify_problem}; restored {done} of {len(applied.written)} written files")
    for result, why in applied.restore_failed:
        console.print(f"awaitify: error: {result.display}: could not be restored: {why}")


def _apply_exit(applied) -> int | None:
    """The exit code a `--write` decides, if any: interrupted, a file not written, a restore."""
    if applied.interrupted or applied.verify_problem == "interrupted":
        return EXIT_INTERRUPTED
    if applied.failed or applied.restore_failed:
        return EXIT_NOT_WRITTEN
    return EXIT_CHANGES if applied.restored else None


def _reads_stdin(paths: Optional[List[Path]], stdin_filename: Optional[str]) -> bool:
    """`-` as the only path reads stdin (as black and ruff do); `--stdin-filename` names it."""
    dash = bool(paths) and any(str(p) == "-" for p in paths)
    if dash and len(paths or []) > 1:
        raise UsageError("`-` (stdin) cannot be combined with other paths")
    if stdin_filename and not dash:
        raise UsageError("--stdin-filename needs the path `-`")
    return dash


def _write_output(path: Optional[Path], data: bytes) -> None:
    """stdout, or a file (written whole, then renamed into place: a CI step never reads half a report)."""
    if path is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:  # never through a link, never outside the tree as spelled (awaitify.safe_write)
        write_output(path, Path.cwd(), data)
    except PathRefused as exc:
        raise UsageError(f"{path}: {exc}") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror or exc}") from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"awaitify {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    pass


@app.command(cls=PlaceholderCommand)
def fix(
    paths: Optional[List[Path]] = typer.Argument(None, metavar="PATH", help="Files or folders (default: .)"),
    write: bool = typer.Option(False, "--write", help="Apply the changes in place."),
    check: bool = typer.Option(False, "--check", help="Exit 1 if any file would change; print nothing else unless --diff."),
    diff: bool = typer.Option(False, "--diff", help="With --check or --write: also print the patch."),
    select: Optional[List[str]] = typer.Option(None, "--select", metavar="<CODE>", help="Rule codes, prefixes or names (comma-separated)."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", metavar="<CODE>", help="Rule codes, prefixes or names to skip."),
    config: Optional[Path] = typer.Option(None, "--config", metavar="<FILE>", help="A pyproject.toml or awaitify TOML file."),
    propagate: Optional[str] = typer.Option(None, "--propagate", metavar="<POLICY>", help="auto | offload | off"),
    target: Optional[str] = typer.Option(None, "--target", metavar="<RUNTIME>", help="asyncio | anyio | trio (default: detected)"),
    http_client: Optional[str] = typer.Option(None, "--http-client", metavar="<CLIENT>", help="httpx | httpx2 (for requests-httpx)"),
    lifespan_merge: Optional[bool] = typer.Option(
        None, "--lifespan-merge", help="Merge on_event hooks into an existing lifespan= (they are dead code today)."
    ),
    subprocess_mode: Optional[str] = typer.Option(
        None, "--subprocess", metavar="<MODE>", help="thread (offload) | exec (simple subprocess.run -> asyncio.create_subprocess_exec)"
    ),
    unsafe_fixes: bool = typer.Option(
        False, "--unsafe-fixes", help="Also make unsafe changes (a library's public signatures made async)."
    ),
    explain: bool = typer.Option(False, "--explain", help="Print every change with its reason."),
    color: str = typer.Option("auto", "--color", metavar="<WHEN>", help="auto | always | never"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only errors and diagnostics."),
    jobs: int = typer.Option(0, "--jobs", "-j", metavar="<N>", min=0, help="Worker processes (default: every core)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Neither read nor write .awaitify_cache/."),
    allow_dirty: bool = typer.Option(False, "--allow-dirty", help="--write even over uncommitted changes."),
    verify_cmd: Optional[str] = typer.Option(
        None, "--verify-cmd", metavar="<COMMAND>", help="With --write: run this command before and after; restore every file if it starts failing."
    ),
    verify_timeout: float = typer.Option(
        600.0, "--verify-timeout", metavar="<SECONDS>", min=0.001, help="Seconds --verify-cmd may run; on timeout it is killed and every file restored."
    ),
    verify_allow_failing_baseline: bool = typer.Option(
        False, "--verify-allow-failing-baseline", help="Write even when --verify-cmd fails before the rewrite (it is then not run after)."
    ),
    output_format: str = typer.Option("text", "--format", metavar="<FORMAT>", help="text (the patch) | json (a change report) | markdown (a PR description) | rdjson (reviewdog suggestions)"),
    output_file: Optional[Path] = typer.Option(None, "--output-file", metavar="<FILE>", help="Write what goes to stdout to this file instead."),
    patch_file: Optional[Path] = typer.Option(None, "--patch-file", metavar="<FILE>", help="Also write the patch (git apply-able) to this file."),
    changed_since: Optional[str] = typer.Option(
        None, "--changed-since", metavar="<REF>", help="Fix only files changed since this git revision (callers elsewhere still follow)."
    ),
    stdin_filename: Optional[str] = typer.Option(
        None, "--stdin-filename", metavar="<PATH>", help="With the path `-`: read the source from stdin, print the fixed source (editors)."
    ),
    interactive: bool = typer.Option(
        False, "--interactive", "-i", help="Review each change (y/n/a/q) and write the accepted ones."
    ),
    split_by: Optional[str] = typer.Option(
        None, "--split-by", metavar="<HOW>", help="closure | package | codeowners | file: one changeset per group, each safe alone, written to --out (docs/monorepo.md)."
    ),
    out: Optional[Path] = typer.Option(None, "--out", metavar="<DIR>", help="With --split-by: the folder for NNN-<slug>.patch, NNN-<slug>.md and plan.json."),
    max_files: Optional[int] = typer.Option(None, "--max-files", metavar="<N>", min=1, help="With --split-by: at most N files per changeset (a closure is never divided)."),
    max_lines: Optional[int] = typer.Option(None, "--max-lines", metavar="<N>", min=1, help="With --split-by: at most N changed lines per changeset (a closure is never divided)."),
    commit: bool = typer.Option(False, "--commit", help="With --split-by: one branch (awaitify/<id>-<slug>) and commit per changeset, for `gh pr create`."),
    include: Optional[List[str]] = typer.Option(None, "--include", metavar="<GLOB>", help="Fix only files matching these .gitignore patterns (callers elsewhere still follow)."),
    exclude: Optional[List[str]] = typer.Option(None, "--exclude", metavar="<GLOB>", help="Do not fix files matching these .gitignore patterns (unless a fix elsewhere forces an edit there)."),
    skip_tests: bool = typer.Option(False, "--skip-tests", help="Do not fix tests (tests/, test_*.py, *_test.py, conftest.py) unless a fix elsewhere forces it."),
    skip_docs: bool = typer.Option(False, "--skip-docs", help="Do not fix docs/, examples/, notebooks/ unless a fix elsewhere forces it."),
) -> None:
    """Rewrite blocking calls in async code. Dry run by default: prints a unified diff."""
    from awaitify.apply import apply_results
    from awaitify.change_report import REPORT_FORMATS, missing_dependencies, render as render_changes
    from awaitify.report import make_console, patch_bytes, patch_note, print_summary, progress_bar, write_patch
    from awaitify.commands import fix_rules, fix_settings, reported_codes, run_fix
    from awaitify.stdin import fix_stdin

    _choice("--color", color, ("auto", "always", "never"))
    _choice("--format", output_format, (*REPORT_FORMATS, "rdjson"))
    if write and check:
        raise UsageError("--write and --check cannot be used together")
    if interactive and (check or output_format != "text"):
        raise UsageError("--interactive cannot be combined with --check or --format")
    from awaitify.changesets.command import check_options as check_split_options

    check_split_options(split_by, out, commit, max_files, max_lines,
                        {"--write": write, "--check": check, "--interactive": interactive, "--format": output_format != "text"})
    stdin = _reads_stdin(paths, stdin_filename)
    paths = [Path(stdin_filename).parent if stdin_filename else Path(".")] if stdin else list(paths or [Path(".")])
    settings = fix_settings(_load_config(config, paths), lambda name: "--" + name.replace("_", "-"), propagate=propagate,
                            target=target, http_client=http_client, lifespan_merge=lifespan_merge,
                            subprocess=subprocess_mode, unsafe_fixes=unsafe_fixes)
    rules = fix_rules(settings, _split(select), _split(ignore))
    reported = reported_codes(settings, _split(select), _split(ignore))  # the diagnostics shown, as `check` selects
    if stdin:
        raise typer.Exit(fix_stdin(stdin_filename or "stdin.py", settings, rules, check, diff, reported))
    for selector in without_fix(_split(select)):
        print(f"awaitify: `{selector}` has no fix: `awaitify check` reports it, rewrite it by hand", file=sys.stderr)
    console = make_console(color)
    with progress_bar(console, quiet) as progress:
        from awaitify.scope_filters import scope_for

        filtered = scope_for(paths, settings, _split(include), _split(exclude), skip_tests, skip_docs)
        result = run_fix(paths, settings, rules, changed_since=changed_since, jobs=jobs, use_cache=not no_cache,
                         progress=progress, scope=filtered, reported=reported)
    stdout_color = output_file is None and _use_color(color, sys.stdout)
    verify = {"verify_timeout": verify_timeout, "allow_failing_baseline": verify_allow_failing_baseline}
    if interactive:
        raise typer.Exit(_interactive(result, settings, rules, console, allow_dirty, verify_cmd, quiet, verify))
    if split_by is not None and out is not None:
        from awaitify.changesets.command import run_split

        count = run_split(result, settings, split_by, out, max_files, max_lines, commit, lambda line: print(line, file=sys.stderr))
        print_summary(result, console, "dry-run", quiet, explain, None)
        raise typer.Exit(EXIT_NOT_WRITTEN if count < 0 else EXIT_OK)
    applied = apply_results(result.changed, Path.cwd(), allow_dirty, verify_cmd, **verify) if write else None
    if patch_file is not None:
        _write_output(patch_file, patch_bytes(result))
    if output_format != "text":
        from awaitify.rdjson import from_fix

        report = from_fix(result) if output_format == "rdjson" else render_changes(result, settings, output_format)
        _write_output(output_file, report.encode())
    elif (not write and not check) or diff:
        if output_file is not None:
            _write_output(output_file, patch_bytes(result))
        else:
            write_patch(result, stdout_color)
    if patch_file is not None or (output_format == "text" and ((not write and not check) or diff)):
        note = patch_note(result)
        if note is not None and not quiet:
            print(note, file=sys.stderr)
    print_summary(result, console, "write" if write else "check" if check else "dry-run", quiet, explain, applied)
    missing = missing_dependencies(result, settings)
    if missing and not quiet:
        console.print(f"awaitify: the rewritten code imports {', '.join(missing)}: add "
                      f"{'it' if len(missing) == 1 else 'them'} to your dependencies")
    if applied is not None:
        _report_verify(applied, console)
        if _apply_exit(applied) is not None:
            raise typer.Exit(_apply_exit(applied))
    if check and fails_check(bool(result.changed), (r.error or "" for r in result.skipped)):
        raise typer.Exit(EXIT_CHANGES)  # a file that does not parse fails the check, as in `awaitify check` (AW000)


@app.command("check", cls=PlaceholderCommand)
def check(
    paths: Optional[List[Path]] = typer.Argument(None, metavar="PATH", help="Files or folders (default: .)"),
    select: Optional[List[str]] = typer.Option(None, "--select", metavar="<CODE>", help="Rule codes, prefixes, names or ASYNCxxx codes."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", metavar="<CODE>", help="Rule codes, prefixes or names to skip."),
    config: Optional[Path] = typer.Option(None, "--config", metavar="<FILE>", help="A pyproject.toml or awaitify TOML file."),
    output_format: str = typer.Option("text", "--format", metavar="<FORMAT>", help="text | json | markdown | sarif | github | rdjson"),
    output_file: Optional[Path] = typer.Option(None, "--output-file", metavar="<FILE>", help="Write the report to this file instead of stdout."),
    propagate: Optional[str] = typer.Option(None, "--propagate", metavar="<POLICY>", help="auto | offload | off (what `fix` may do)"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary line on stderr."),
    jobs: int = typer.Option(0, "--jobs", "-j", metavar="<N>", min=0, help="Worker processes (default: every core)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Neither read nor write .awaitify_cache/."),
    changed_since: Optional[str] = typer.Option(None, "--changed-since", metavar="<REF>", help="Report only findings on lines changed since this git revision, or whose chain passes through one."),
    stdin_filename: Optional[str] = typer.Option(None, "--stdin-filename", metavar="<PATH>", help="With the path `-`: check the source read from stdin."),
    show_statistics: bool = typer.Option(False, "--statistics", help="One line per rule with its count, instead of each finding."),
    color: str = typer.Option("auto", "--color", metavar="<WHEN>", help="auto | always | never (auto: on a terminal, unless NO_COLOR is set)"),
    baseline: Optional[Path] = typer.Option(None, "--baseline", metavar="<FILE>", help="Hide the findings recorded in this file (--write-baseline): report only new ones."),
    write_baseline: Optional[Path] = typer.Option(None, "--write-baseline", metavar="<FILE>", help="Record every finding in this file, then exit 0."),
    whole_project: bool = typer.Option(False, "--whole-project", help="Index the whole project; report only in, or through, the files given (pre-commit)."),
) -> None:
    """Report blocking calls in async-reachable code. Exit 1 when there are findings."""
    _choice("--format", output_format, FORMATS)
    _choice("--color", color, ("auto", "always", "never"))
    if show_statistics and output_format != "text":
        raise UsageError("--statistics prints text; it cannot be combined with --format")
    colored = output_format == "text" and output_file is None and _use_color(color, sys.stdout)

    def report(result) -> str:
        if show_statistics:
            return statistics(result)
        return text(result, color=True) if colored else render(result, output_format)
    if _reads_stdin(paths, stdin_filename):
        from awaitify.audit.engine import check_source
        from awaitify.stdin import read_stdin

        settings = _load_config(config, [Path(stdin_filename).parent if stdin_filename else Path(".")])
        rules = select_rules(_split(select) or settings.select, (*settings.ignore, *_split(ignore)), checks=True)
        result = check_source(read_stdin(stdin_filename or "stdin.py"), settings, rules)
        _write_output(output_file, report(result).encode())
        for path, reason in result.errors:
            print(f"{path}: {reason}", file=sys.stderr)
        raise typer.Exit(EXIT_CHANGES if result.findings else EXIT_OK)
    paths = list(paths or [Path(".")])
    settings = _load_config(config, paths).with_overrides(propagate=_choice("--propagate", propagate, PROPAGATE_POLICIES))
    from awaitify.pr_scope import narrowed, project_paths, sarif_fixes

    report_in, paths = (paths, project_paths(paths, settings)) if whole_project else (None, paths)
    # --changed-since keeps findings by line (awaitify.changed_lines), not by file: the run sees every file
    result = run_check(paths, settings, _split(select), _split(ignore), jobs=jobs,
                       use_cache=not no_cache)  # the API's run too (awaitify.commands): one path
    if write_baseline is not None:
        from awaitify.baseline import dump

        data, count = dump(result)
        _write_output(write_baseline, data)
        print(f"awaitify: recorded {count} finding{'s' if count != 1 else ''} in {write_baseline}", file=sys.stderr)
        raise typer.Exit(EXIT_OK)
    result, hidden = narrowed(result, changed_since=changed_since, report_in=report_in, baseline=baseline)
    fixes = sarif_fixes(result, paths, settings, _split(select), _split(ignore), jobs, not no_cache) if output_format == "sarif" else None
    _write_output(output_file, (render(result, output_format, fixes) if fixes else report(result)).encode())
    for path, reason in result.errors:
        print(f"{path}: {reason}", file=sys.stderr)
    if not quiet:
        fixable = sum(f.fixable for f in result.findings)
        print(f"awaitify: {len(result.findings)} finding{'s' if len(result.findings) != 1 else ''} "
              f"({fixable} fixable with `awaitify fix`) in {result.scanned} file{'s' if result.scanned != 1 else ''} scanned"
              f"{f', {result.suppressed} suppressed' if result.suppressed else ''}"
              f"{f', {len(result.errors)} not readable' if result.errors else ''}"
              f"{f', {hidden} known (--baseline)' if hidden else ''}", file=sys.stderr)
    if result.findings:
        raise typer.Exit(EXIT_CHANGES)


COLOR_OPTION = typer.Option("auto", "--color", metavar="<WHEN>", help="auto | always | never (auto: on a terminal, unless NO_COLOR is set)")


@app.command("rules", cls=PlaceholderCommand)
def list_rules(color: str = COLOR_OPTION) -> None:
    """List every rule: code, name, whether `fix` rewrites it, summary."""
    _choice("--color", color, ("auto", "always", "never"))
    red, reset = ("\x1b[1;31m", "\x1b[0m") if _use_color(color, sys.stdout) else ("", "")
    for rule in every_rule():
        typer.echo(f"{red}{rule.code:<8}{reset}{rule.name:<22}{'fix ' if rule.fixable else '    '}{rule.summary}",
                   color=bool(red))


@app.command("explain", cls=PlaceholderCommand)
def explain_rule(code: str = typer.Argument(..., help="A rule code (AW101), name (sleep) or flake8-async code (ASYNC251)."),
                 color: str = COLOR_OPTION) -> None:
    """Print a rule's documentation page (markdown, never coloured; --color is accepted as on every command)."""
    _choice("--color", color, ("auto", "always", "never"))
    rules = find_rules(code)
    if len(rules) > 1:
        typer.echo(f"{code.upper()} is covered by {', '.join(f'{r.code} {r.name}' for r in rules)}.\n")
    typer.echo("\n".join(doc_text(rule) for rule in rules))


@app.command("server", cls=PlaceholderCommand)
def language_server() -> None:
    """Run the language server on stdin/stdout (for editors: docs/editors.md; needs awaitify[server])."""
    from awaitify.server import serve

    serve()


_signalled: list[int] = []


def _interrupted(signum: int, frame: object) -> None:
    _signalled.append(signum)
    raise KeyboardInterrupt  # SIGTERM ends a run as Ctrl-C does: workers stopped, files whole, exit 130


def main(argv: Optional[list[str]] = None) -> None:
    import signal
    import threading

    _signalled.clear()  # `main` may run many times in one process (tests)
    on_main_thread = threading.current_thread() is threading.main_thread()  # only there can it take signals
    previous = {sig: signal.signal(sig, _interrupted) for sig in (signal.SIGINT, signal.SIGTERM)} if on_main_thread else {}
    try:
        code = _main(argv)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if code == EXIT_INTERRUPTED and _signalled:  # typer turns the KeyboardInterrupt into a silent 130
        print("awaitify: interrupted", file=sys.stderr)
    sys.exit(code if isinstance(code, int) else EXIT_OK)


def _main(argv: Optional[list[str]]) -> object:
    try:
        code = app(args=argv, prog_name="awaitify", standalone_mode=False)
    except UsageError as exc:
        print(f"awaitify: error: {exc}", file=sys.stderr)
        code = EXIT_USAGE
    except click_exceptions.UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `awaitify`: the help, as click prints it
            print(exc.format_message(), file=sys.stderr)
        else:
            print(f"awaitify: error: {exc.format_message()}", file=sys.stderr)
        code = EXIT_USAGE
    except (KeyboardInterrupt, typer.Abort):
        _signalled.append(0)  # `main` says so, once
        code = EXIT_INTERRUPTED
    except typer.Exit as exc:  # pragma: no cover - click returns it in non-standalone mode
        code = exc.exit_code
    except Exception as exc:  # a bug of ours: one line for the user, the traceback on request
        if os.environ.get("AWAITIFY_DEBUG"):
            raise
        print(f"awaitify: internal error: {type(exc).__name__}: {exc} (set AWAITIFY_DEBUG=1 for the traceback; "
              "please report it)", file=sys.stderr)
        code = EXIT_USAGE
    return code


def entry() -> None:
    """The `awaitify` command: `main`, then exit without tearing the interpreter down. A run over a
    large tree holds hundreds of thousands of small objects, and freeing them one by one at exit
    took a quarter of a second; every file is written and the worker pool shut down by then.
    Python's warnings about the code it reads (`SyntaxWarning: invalid escape sequence`, 3.12+)
    are not awaitify's to print."""
    warnings.filterwarnings("ignore", category=SyntaxWarning)
    for_the_process()
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if not isinstance(exc.code, (int, type(None))):
            print(exc.code, file=sys.stderr)
    else:  # pragma: no cover - main always exits
        code = EXIT_OK
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`): nothing more can be said
            pass
    os._exit(code)
