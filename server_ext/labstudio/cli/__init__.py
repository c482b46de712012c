"""The `labstudio` command. Each resource registers its subcommands from its own module.

Errors a user can fix print one line and exit 2 (usage, invalid input) or 1 (not found,
conflict); tracebacks are only for bugs.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Callable, Sequence

from .._version import __version__
from ..errors import Invalid, LabstudioError

# Modules that expose `register(subparsers)`; each added parser sets `func(args) -> int`.
COMMAND_MODULES: list[str] = [
    "labstudio.cli.jobs",
    "labstudio.cli.experiments",
    "labstudio.cli.endpoints",
]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, like argparse but without the usage block
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="labstudio", description="Local-first ML studio: training jobs, experiments, endpoints.")
    parser.add_argument("--version", action="version", version=f"labstudio {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return int(func(args) or 0)
    except Invalid as exc:
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
    except BrokenPipeError:
        return 0


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
