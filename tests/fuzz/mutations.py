"""Seeded mutations of a valid input file: the mistakes and the hostile files users bring.

Each mutation takes (bytes, rng, text) and returns the new bytes; `mutate`
picks one by the case's seed, so a case is reproduced by its seed alone.
"""

from __future__ import annotations

import re

NUMBER = re.compile(rb"-?\d+(?:\.\d+)?")


def truncate(data, rng, text):
    return data[: int(rng.integers(0, max(1, len(data))))]


def flip_bits(data, rng, text):
    out = bytearray(data)
    for _ in range(int(rng.integers(1, 9))):
        if out:
            out[int(rng.integers(len(out)))] ^= 1 << int(rng.integers(8))
    return bytes(out)


def header_field(data, rng, text):
    """Overwrite a few bytes of the first 64 (headers, magic numbers, chunk sizes)."""
    out = bytearray(data)
    if not out:
        return b"\xff\xff\xff\xff"
    start = int(rng.integers(0, min(64, len(out))))
    value = [b"\xff\xff\xff\xff", b"\x00\x00\x00\x00", b"\x7f\xff\xff\xff", bytes(rng.integers(0, 256, 4))]
    out[start:start + 4] = value[int(rng.integers(len(value)))]
    return bytes(out)


def huge_size(data, rng, text):
    """A declared size or count made enormous: a number in the text, or a 4-byte field."""
    if text:
        found = list(NUMBER.finditer(data))
        if found:
            match = found[int(rng.integers(len(found)))]
            big = [b"99999999999999999999", b"1e308", b"4294967296", b"-2147483649"][int(rng.integers(4))]
            return data[:match.start()] + big + data[match.end():]
    return header_field(data, rng, text)


def encoding(data, rng, text):
    """Another encoding: UTF-16, Latin-1 bytes, a byte-order mark, or a NUL byte."""
    choice = int(rng.integers(4))
    if choice == 0:
        return data.decode("utf-8", "replace").encode("utf-16")
    if choice == 1:
        at = int(rng.integers(0, len(data) + 1))
        return data[:at] + "café".encode("latin-1") + data[at:]
    if choice == 2:
        return b"\xef\xbb\xbf" + data
    at = int(rng.integers(0, len(data) + 1))
    return data[:at] + b"\x00" + data[at:]


def empty(data, rng, text):
    return b""


def duplicate(data, rng, text):
    """Entries repeated: lines for text, a block of bytes for binary files."""
    if text:
        lines = data.splitlines(keepends=True)
        if lines:
            index = int(rng.integers(len(lines)))
            return b"".join(lines[:index + 1] + [lines[index]] * int(rng.integers(1, 50)) + lines[index + 1:])
    start = int(rng.integers(0, max(1, len(data))))
    return data[:start] + data[start:start + 256] * 4 + data[start:]


def not_a_number(data, rng, text):
    """A number replaced by nan, inf, a word or nothing (wrong types)."""
    found = list(NUMBER.finditer(data)) if text else []
    if not found:
        return flip_bits(data, rng, text)
    match = found[int(rng.integers(len(found)))]
    word = [b"nan", b"inf", b"-inf", b"NaN", b"twelve", b"", b"[1, 2]", b"null"][int(rng.integers(8))]
    return data[:match.start()] + word + data[match.end():]


def deep_nesting(data, rng, text):
    """Thousands of nested brackets, or an unbalanced quote, spliced in."""
    depth = int(rng.integers(1000, 50000))
    pieces = [b"[" * depth + b"]" * depth, b"{\"a\":" * depth + b"1" + b"}" * depth, b"- " * depth + b"x",
              b"\"", b"<a>" * depth]
    at = int(rng.integers(0, len(data) + 1))
    return data[:at] + pieces[int(rng.integers(len(pieces)))] + data[at:]


def long_line(data, rng, text):
    at = int(rng.integers(0, len(data) + 1))
    return data[:at] + b"word " * int(rng.integers(100_000, 600_000)) + data[at:]


def wrong_type(data, rng, text):
    """The content of another kind of file: a PNG header, JSON, text, zeros."""
    others = [b"\x89PNG\r\n\x1a\n" + bytes(100), b"{\"not\": \"this\"}", b"just some text\n", bytes(1000),
              b"\x1f\x8b\x08\x00" + bytes(20)]
    return others[int(rng.integers(len(others)))]


MUTATIONS = {function.__name__: function for function in (
    truncate, flip_bits, header_field, huge_size, encoding, empty, duplicate, not_a_number, deep_nesting,
    long_line, wrong_type)}


def mutate(data, rng, text):
    """(mutation name, mutated bytes) chosen by `rng`."""
    name = list(MUTATIONS)[int(rng.integers(len(MUTATIONS)))]
    return name, MUTATIONS[name](data, rng, text)
