"""Writers of the bad data sets of the bad-input table.

Each `make(tmp)` writes a small data set with exactly one bad input under
`tmp` and returns (the `--data` value, the text the message must name,
words the message must contain). The image and table writers are shared
by several apps; the text and dialogue writers are in `bad_text_fixtures.py`,
the masks and boxes in `bad_label_fixtures.py`,
the per-app rows in `bad_inputs.py`.
"""

from __future__ import annotations

import gzip
import io
import zipfile

import numpy as np

from shared.idx import write_idx
from tests.helpers import write_class_folder

LATIN1 = "café au lait".encode("latin-1")  # the byte 0xe9 is not UTF-8


def png_bytes(size=16, seed=0):
    from PIL import Image

    buffer = io.BytesIO()
    pixels = np.random.default_rng(seed).integers(0, 255, (size, size, 3), dtype="uint8")
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def corrupt_png():
    """A PNG whose header is fine and whose pixel data is scrambled."""
    data = bytearray(png_bytes())
    start = data.index(b"IDAT") + 8
    data[start:start + 40] = bytes(range(40))
    return bytes(data)


def truncated_jpeg():
    from tests.helpers import jpeg_bytes

    whole = jpeg_bytes(np.random.default_rng(0).integers(0, 255, (64, 64, 3)))
    return whole[: len(whole) // 2]


BAD_IMAGES = {  # kind: (file name, bytes, words of the message)
    "corrupt": ("broken.png", corrupt_png, "unreadable image"),
    "truncated": ("cut.jpg", truncated_jpeg, "unreadable image"),
    "zero-byte": ("empty.png", lambda: b"", "empty file (0 bytes)"),
    "wrong-type": ("notes.png", lambda: b"just some text\n", "not an image"),
    "wrong-extension": ("notes.txt", lambda: b"just some text\n", "not an image file"),
}


def image_folder(kind, per_class=12):
    """Two class folders of good images and one bad file (BAD_IMAGES[kind])."""
    def make(tmp):
        root = write_class_folder(tmp / "images", per_class=per_class)
        name, content, words = BAD_IMAGES[kind]
        (root / "disk" / name).write_bytes(content())
        return root, f"disk/{name}", words
    return make


def empty_class_folder(tmp):
    root = write_class_folder(tmp / "images", per_class=12)
    (root / "circle").mkdir()
    (root / "circle" / ".DS_Store").write_bytes(b"\0")  # hidden files are ignored
    return root, "images/circle", "empty class folder"


def unknown_class(tmp):
    """train/ and val/ class folders; val/ has a class train/ lacks."""
    root = tmp / "images"
    write_class_folder(root / "train", per_class=12)
    write_class_folder(root / "val", per_class=3)
    (root / "val" / "circle").mkdir()
    (root / "val" / "circle" / "c.png").write_bytes(png_bytes())
    return root, "val/circle", "unknown class 'circle'"


def empty_folder(tmp):
    (tmp / "nothing").mkdir()
    return tmp / "nothing", "nothing", ""


def file_of(name, content, named=None, words=""):
    """One file of the given bytes (named: the text the message names)."""
    def make(tmp):
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return path, named or name, words
    return make


def folder_of(files, named, words):
    """A folder of {relative name: bytes or str}."""
    def make(tmp):
        root = tmp / "data"
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return root, named, words
    return make


# MNIST IDX ------------------------------------------------------------------

def idx_set(case):
    """train-images-idx3-ubyte + train-labels-idx1-ubyte with one fault."""
    def make(tmp):
        root = tmp / "mnist"
        root.mkdir()
        rng = np.random.default_rng(0)
        images = write_idx(root / "train-images-idx3-ubyte", rng.integers(0, 255, (40, 8, 8)))
        labels = write_idx(root / "train-labels-idx1-ubyte", np.arange(40) % 4)
        if case == "truncated":
            images.write_bytes(images.read_bytes()[:-100])
            return root, images.name, "truncated IDX file"
        if case == "missing pair":
            labels.unlink()
            return root, images.name, "no matching labels file"
        if case == "wrong size":
            write_idx(labels, np.arange(39) % 4)
            return root, labels.name, "39 labels for 40 images"
        images.write_bytes(b"not an IDX file at all\n")
        return root, images.name, "bad magic number"
    return make


# GAN npz ----------------------------------------------------------------------

def truncated_npz(tmp):
    path = tmp / "images.npz"
    np.savez(path, x=np.zeros((30, 8, 8)))
    path.write_bytes(path.read_bytes()[:400])
    return path, "images.npz", "unreadable .npz file"


def npz_file(words, **arrays):
    def make(tmp):
        path = tmp / "images.npz"
        np.savez(path, **arrays)
        return path, "images.npz", words
    return make


def with_side_file(make_data, name, content, named, words):
    """Good data from `make_data`, and a bad side file `tmp/name` (an option's file)."""
    def make(tmp):
        data, _, _ = make_data(tmp)
        (tmp / name).write_bytes(content if isinstance(content, bytes) else content.encode())
        return data, named, words
    return make


# bombs and hostile files (shared/limits.py) -----------------------------------

def idx_bomb(tmp):
    """A gzipped IDX whose header declares 100,000 x 10,000 x 10,000 pixels over a few bytes."""
    root = tmp / "mnist"
    root.mkdir()
    header = bytes([0, 0, 0x08, 3]) + b"".join(d.to_bytes(4, "big") for d in (100_000, 10_000, 10_000))
    with gzip.open(root / "train-images-idx3-ubyte.gz", "wb") as handle:
        handle.write(header + bytes(1000))
    write_idx(root / "train-labels-idx1-ubyte.gz", np.arange(40) % 4)
    return root, "train-images-idx3-ubyte.gz", "array elements is over the limit"


def npz_bomb(tmp):
    """An .npz whose member's header declares 10**12 float64 elements."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)})
    path = tmp / "images.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.npy", header.getvalue() + bytes(64))
    return path, "images.npz (x)", "1,000,000,000,000 array elements is over the limit"


def large_image_folder(tmp):
    """Two class folders of small images and one 200x200 image (over --limit pixels=10000)."""
    from PIL import Image

    root = write_class_folder(tmp / "images", per_class=12)
    Image.new("RGB", (200, 200), (200, 30, 30)).save(root / "disk" / "huge.png")
    return root, "disk/huge.png", "40,000 pixels is over the limit of 10,000"
