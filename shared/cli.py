"""Command line for every app: a dataclass config becomes flags.

Precedence of values: the dataclass defaults, then `--config FILE` (JSON or
YAML), then explicit flags, then `--set key=value` (last wins). Errors in
the command line or in a value raise `UsageError`; `run()` turns those and
`DataError` into one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from shared import limits
from shared.errors import AnnsuiteError, DataError, UsageError

log = logging.getLogger("annsuite")


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises `UsageError` instead of exiting."""

    def error(self, message):
        raise UsageError(message)


@dataclass
class Verb:
    """One sub-command of an app.

    Args:
        name: the verb as typed (`train`, `predict`...).
        help: one line for `--help`.
        handler: called with the parsed namespace; returns a dict.
        add_arguments: adds the verb's own arguments to its sub-parser.
        config_cls: a config dataclass whose fields become flags (train).
    """

    name: str
    help: str
    handler: Callable[[argparse.Namespace], dict]
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None
    config_cls: type | None = None


def field_types(config_cls):
    """Return {field name: (base type, accepts None)} of a config dataclass."""
    hints = typing.get_type_hints(config_cls)
    result = {}
    for field in dataclasses.fields(config_cls):
        hint = hints[field.name]
        args = typing.get_args(hint)
        optional = type(None) in args
        if typing.get_origin(hint) in (typing.Union, types.UnionType):
            hint = next(a for a in args if a is not type(None))
        result[field.name] = (hint, optional)
    return result


def parse_value(name, text, base, optional):
    """Convert the string `text` to the field's type, or raise UsageError."""
    if optional and text.lower() in ("none", "null", ""):
        return None
    try:
        if base is bool:
            lowered = text.lower()
            if lowered not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(text)
            return lowered in ("true", "1", "yes")
        if typing.get_origin(base) in (list, tuple) or base in (list, tuple):
            return [item for item in text.split(",") if item]
        return base(text)
    except ValueError:
        raise UsageError(f"{name}: cannot read {text!r} as {getattr(base, '__name__', base)}") from None


def add_config_arguments(parser, config_cls):
    """Add one flag per config field (defaults suppressed, shown in help)."""
    group = parser.add_argument_group("options (also accepted in --config and --set)")
    for field in dataclasses.fields(config_cls):
        base, optional = field_types(config_cls)[field.name]
        flag = "--" + field.name.replace("_", "-")
        default = field.default if field.default is not dataclasses.MISSING else field.default_factory()
        help_text = f"{field.metadata.get('help', '')} (default: {default!r})"
        kwargs = {"dest": field.name, "default": argparse.SUPPRESS, "help": help_text}
        if base is bool:
            group.add_argument(flag, action=argparse.BooleanOptionalAction, **kwargs)
            continue
        choices = field.metadata.get("choices")
        group.add_argument(
            flag, metavar=field.name.upper(), choices=choices,
            type=lambda text, n=field.name, b=base, o=optional: parse_value(n, text, b, o),
            **kwargs,
        )
    parser.add_argument("--config", dest="config_file", metavar="FILE",
                        help="JSON or YAML file of option values")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE", help="set one option (repeatable)")


def read_config_file(path):
    """Read a JSON or YAML mapping of option values."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"--config {path}: no such file")
    try:
        text = path.read_text(encoding="utf-8")
        values = limits.load_json(text, path) if path.suffix == ".json" else limits.load_yaml(text, path)
    except (DataError, UnicodeDecodeError) as error:
        first_line = (getattr(error, "problem", None) or str(error)).splitlines()[0]
        raise UsageError(f"--config {path}: cannot parse: {first_line}") from None
    if isinstance(values, dict) and isinstance(values.get("config"), dict):
        values = values["config"]  # a run folder's config.json
    if not isinstance(values, dict):
        raise UsageError(f"--config {path}: expected a mapping of option names to values")
    return values


def build_config(config_cls, values):
    """Instantiate the config, turning bad names or values into UsageError."""
    known = {f.name for f in dataclasses.fields(config_cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise UsageError(f"unknown option(s): {', '.join(unknown)}")
    try:
        return config_cls(**values)
    except (ValueError, TypeError) as error:
        raise UsageError(str(error)) from None


def given_options(config_cls, namespace):
    """Names of the options the user set (in --config, as flags or with --set)."""
    names = {f.name for f in dataclasses.fields(config_cls)}
    given = {name for name in names if name in vars(namespace)}
    if getattr(namespace, "config_file", None):
        given |= set(read_config_file(namespace.config_file)) & names
    for item in getattr(namespace, "overrides", []):
        given.add(item.partition("=")[0].strip().replace("-", "_"))
    return given


def resolve_config(config_cls, namespace):
    """Merge defaults, --config, flags and --set into a config instance."""
    types_by_name = field_types(config_cls)
    values = {}
    if getattr(namespace, "config_file", None):
        values.update(read_config_file(namespace.config_file))
    for name in types_by_name:
        if name in vars(namespace):
            values[name] = getattr(namespace, name)
    for item in getattr(namespace, "overrides", []):
        key, sep, text = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or key not in types_by_name:
            raise UsageError(f"--set {item!r}: expected KEY=VALUE with a known option name")
        values[key] = parse_value(key, text, *types_by_name[key])
    return build_config(config_cls, values)


def build_parser(prog, description, verbs):
    """The app's parser with one sub-parser per verb."""
    parser = Parser(prog=prog, description=description)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=Parser, required=True)
    for verb in verbs:
        verb_parser = sub.add_parser(verb.name, help=verb.help, description=verb.help)
        if verb.config_cls is not None:
            add_config_arguments(verb_parser, verb.config_cls)
        if verb.add_arguments is not None:
            verb.add_arguments(verb_parser)
        verb_parser.add_argument("--limit", action="append", default=[], metavar="NAME=VALUE",
                                 help=f"raise a resource limit ({', '.join(limits.DEFAULTS)}; "
                                      "see docs/bad-input.md)")
    return parser


def dispatch(prog, description, verbs, argv=None):
    """Parse `argv` and call the chosen verb's handler; return its dict."""
    parser = build_parser(prog, description, verbs)
    namespace = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    setup_logging(namespace.verbose)
    limits.configure(getattr(namespace, "limit", []))
    verb = next(v for v in verbs if v.name == namespace.verb)
    if verb.config_cls is not None:
        namespace.config = resolve_config(verb.config_cls, namespace)
        namespace.given = given_options(verb.config_cls, namespace)
    namespace.argv = list(sys.argv[1:] if argv is None else argv)
    return verb.handler(namespace)


def setup_logging(verbose=False):
    """Log to stderr in one plain format (idempotent)."""
    level = logging.DEBUG if verbose else logging.INFO
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
        log.addHandler(handler)
        log.propagate = False
    log.setLevel(level)


def run(main, argv=None, prog=None):
    """Call `main(argv)` and return the process exit code.

    0 on success; 2 with one line on stderr for a bad command line or bad
    input; 1 with the traceback logged for an unexpected failure.
    """
    prog = prog or Path(sys.argv[0]).name
    try:
        main(argv)
    except AnnsuiteError as error:
        message = " ".join(str(error).split())
        print(f"{prog}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except Exception:  # noqa: BLE001 - the last resort of the command line
        log.exception("unexpected failure")
        return 1
    return 0


def add_run_argument(parser, skip_bad=True):
    """`--run DIR` (and `--skip-bad`) of the verbs that start from a run folder."""
    parser.add_argument("--run", required=True, metavar="DIR", help="a run folder written by train")
    if skip_bad:
        parser.add_argument("--skip-bad", action="store_true", help="skip unreadable inputs, count them")


def add_export_arguments(parser):
    """`--run DIR` and `--out DIR` of every app's `export` verb."""
    add_run_argument(parser, skip_bad=False)
    parser.add_argument("--out", help="SavedModel folder (default: <run>/saved_model)")
