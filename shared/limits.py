"""Resource limits on what a user's file may make the suite do, in one place.

One small hostile file must not exhaust the machine: a gzip bomb, an image
header declaring a billion pixels, an `.npz` member declaring 10**12
elements, a 16-bit mask naming 65,536 classes, a corpus of endless distinct
tokens, a YAML file whose aliases expand to billions of nodes. Each limit
has a documented default; a file over it stops the command with one line
naming the file (a `LimitError`, a `DataError`: `--skip-bad` skips it where
the file is one of many). Raise a limit for one command with
`--limit NAME=VALUE` (any verb) or for a session with the environment
variable `ANNSUITE_LIMITS="NAME=VALUE,NAME=VALUE"`.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import zipfile
import zlib

import numpy as np
import yaml

from shared.errors import DataError, UsageError

# name: (default, unit in messages, what it bounds)
DEFAULTS = {
    "pixels": (100_000_000, "pixels", "pixels per image (width x height), checked on the header before decoding"),
    "decompressed_bytes": (8 << 30, "decompressed bytes", "bytes read out of one compressed file"),
    "array_elements": (2_000_000_000, "array elements", "elements of one array in an .npz or IDX file"),
    "mask_classes": (256, "distinct mask values", "distinct values in a set of masks or labels"),
    "distinct_tokens": (10_000_000, "distinct tokens", "distinct tokens kept while counting a corpus "
                                                       "(the rarest are pruned beyond it)"),
    "line_chars": (1_000_000, "characters in one line", "characters in one line of a line-based text "
                                                        "format (TSV, CSV, JSON lines)"),
    "nesting": (64, "levels of nesting", "nesting depth of a JSON or YAML document"),
}

_values = {}
_configured = []


class LimitError(DataError):
    """A file over one of the limits."""

    def __init__(self, path, name, found, line=None):
        limit = get(name)
        super().__init__(path, f"{found:,} {DEFAULTS[name][1]} is over the limit of {limit:,} "
                               f"(raise it with --limit {name}={found})", line=line)


def parse(items):
    """{name: int} of NAME=VALUE strings; UsageError for a bad one."""
    values = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in DEFAULTS:
            raise UsageError(f"--limit {item!r}: expected NAME=VALUE, NAME one of {', '.join(DEFAULTS)}")
        try:
            values[name] = int(float(text))
        except ValueError:
            raise UsageError(f"--limit {item!r}: {text!r} is not a number") from None
        if values[name] <= 0:
            raise UsageError(f"--limit {item!r}: must be positive")
    return values


def configure(items=()):
    """Set the limits from ANNSUITE_LIMITS, then from `items` (NAME=VALUE strings)."""
    _values.clear()
    _configured[:] = [True]
    environment = [part for part in os.environ.get("ANNSUITE_LIMITS", "").split(",") if part.strip()]
    _values.update(parse(environment))
    _values.update(parse(items))


def get(name):
    """The current value of limit `name`."""
    if not _configured:
        configure()
    return _values.get(name, DEFAULTS[name][0])


def describe():
    """(name, default, what it bounds) of every limit, for the docs and --help."""
    return [(name, default, doc) for name, (default, _, doc) in DEFAULTS.items()]


def check(name, found, path, line=None):
    """Raise LimitError when `found` is over limit `name`; return `found`."""
    if found > get(name):
        raise LimitError(path, name, int(found), line=line)
    return found


def check_pixels(width, height, path):
    """A decoded image of width x height must fit the pixel limit."""
    return check("pixels", int(width) * int(height), path)


def read_bounded(stream, path, limit=None):
    """All bytes of a (decompressing) stream, at most the decompressed-bytes limit.

    Corrupt compressed data (zlib, EOF, gzip header errors) is a DataError."""
    limit = get("decompressed_bytes") if limit is None else limit
    chunks, total = [], 0
    try:
        while True:
            chunk = stream.read(min(1 << 20, limit + 1 - total))
            if not chunk:
                return b"".join(chunks)
            total += len(chunk)
            if total > limit:
                raise LimitError(path, "decompressed_bytes", total)
            chunks.append(chunk)
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise DataError(path, f"corrupt compressed data: {error}") from None


def npz_shapes(path):
    """{member: shape} of an .npz, read from the headers without loading the arrays."""
    shapes = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.filename.endswith(".npy"):
                    continue
                with archive.open(info) as member:
                    header = io.BytesIO(member.read(1 << 16))
                major, _ = np.lib.format.read_magic(header)
                reader = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
                shape, _, _ = reader(header, max_header_size=1 << 16)
                shapes[info.filename[:-4]] = tuple(shape)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, zlib.error) as error:
        raise DataError(path, f"unreadable .npz file: {error}") from None
    return shapes


def load_npz(path):
    """{name: array} of an .npz after checking each member's declared size."""
    for name, shape in npz_shapes(path).items():
        check("array_elements", int(np.prod(shape, dtype=np.float64)), f"{path} ({name})")
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (ValueError, OSError, EOFError, zlib.error, zipfile.BadZipFile) as error:
        raise DataError(path, f"unreadable .npz file: {error}") from None


class _NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader that refuses aliases (the 'billion laughs' expansion)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.YAMLError(f"line {mark.line + 1}: YAML aliases (*name) are not accepted")
        depth = getattr(self, "_depth", 0) + 1
        if depth > get("nesting"):
            raise yaml.YAMLError(f"line {self.peek_event().start_mark.line + 1}: nested deeper than "
                                 f"{get('nesting')} levels (raise it with --limit nesting=N)")
        self._depth = depth
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth = depth - 1


def load_yaml(text, path):
    """The YAML document in `text`: no aliases, bounded nesting; DataError naming `path`."""
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except RecursionError:
        raise DataError(path, f"malformed YAML: nested deeper than {get('nesting')} levels") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        problem = getattr(error, "problem", None) or (str(error).splitlines() or [type(error).__name__])[0]
        raise DataError(path, f"malformed YAML: {problem}", None if mark is None else mark.line + 1) from None


def load_json(text, path):
    """The JSON document in `text` with bounded nesting; DataError naming `path`."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise DataError(path, f"cannot parse JSON: nested deeper than {get('nesting')} levels") from None
    except ValueError as error:
        raise DataError(path, f"cannot parse JSON: {error}") from None
    if nesting_depth(value) > get("nesting"):
        raise DataError(path, f"JSON nested deeper than {get('nesting')} levels (raise it with --limit nesting=N)")
    return value


def nesting_depth(value, limit=None):
    """Depth of nested lists/dicts (iterative: no recursion limit), stopping past `limit`."""
    limit = get("nesting") if limit is None else limit
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest
