"""The `labstudio` command. Each resource registers its subcommands from its own module.

Errors a user can fix print one line and exit 2 (usage, invalid input) or 1 (not found,
conflict); tracebacks are only for bugs.
"""
from __future__ import annotations

import argparse
import errno
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from .._version import __version__
from ..config import READ_ONLY_FALLBACK, Settings
from ..diskfull import as_disk_full
from ..errors import Invalid, LabstudioError, NameTaken, Unavailable

# Modules that expose `register(subparsers)`; each added parser sets `func(args) -> int`.
COMMAND_MODULES: list[str] = [
    "labstudio.cli.jobs",
    "labstudio.cli.experiments",
    "labstudio.cli.endpoints",
    "labstudio.cli.processing",
    "labstudio.cli.tuning",
    "labstudio.cli.transform",
    "labstudio.cli.models",
    "labstudio.cli.lineage",
    "labstudio.cli.pipelines",
    "labstudio.cli.monitor",
    "labstudio.cli.automl",
]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, like argparse but without the usage block
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="labstudio", description="Local-first ML studio: training jobs, experiments, endpoints.")
    parser.add_argument("--version", action="version", version=f"labstudio {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(sub)
    from .jobkind import register_groups  # every registered job kind's group the modules left out

    register_groups(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    READ_ONLY_FALLBACK["enabled"] = True  # listing a store on a read-only home still works
    try:
        return int(func(args) or 0)
    except Unavailable as exc:  # the home or the store cannot be used: a setting to fix, like bad input
        print(f"labstudio: error: {exc.message}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except OSError as exc:
        full = as_disk_full(exc)  # errors.DiskFull, or an ENOSPC that surfaced as it is: the disk, in one line
        if full is not None:
            print(f"labstudio: error: {full.message}", file=sys.stderr)
            return 1
        if exc.errno not in _UNWRITABLE:
            raise
        print(f"labstudio: error: {_home_message(exc)}", file=sys.stderr)
        return 2
    except (Invalid, NameTaken) as exc:
        print(f"labstudio: error: {exc.message}", file=sys.stderr)
        return 2
    except LabstudioError as exc:
        print(f"labstudio: error: {exc.message}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"labstudio: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("labstudio: interrupted", file=sys.stderr)
        return 130
    finally:
        READ_ONLY_FALLBACK["enabled"] = False


_UNWRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS)


def _home_message(exc: OSError) -> str:
    """A permission error under the home folder names LABSTUDIO_HOME; any other is shown as it is."""
    try:
        settings = Settings.from_env()
    except ValueError:
        return str(exc)
    filename = str(exc.filename or "")
    if filename and (filename == str(settings.home) or filename.startswith(str(settings.home) + "/")):
        from ..core import home_unusable_message

        return home_unusable_message(settings, exc)
    return f"{exc.strerror or exc}: {filename}" if filename else str(exc)


def parse_pairs(values: Sequence[str] | None, option: str) -> dict[str, str]:
    """KEY=VALUE options (repeated) into a dict; a malformed one is an Invalid naming the option."""
    out: dict[str, str] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise Invalid(f"{option} expects KEY=VALUE, got {item!r}", field=option)
        out[key] = value
    return out


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
