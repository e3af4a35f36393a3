import gzip
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from shared import limits
from shared.cli import read_config_file
from shared.data import csv_rows, read_image
from shared.errors import DataError, UsageError


@pytest.fixture(autouse=True)
def default_limits(monkeypatch):
    monkeypatch.delenv("ANNSUITE_LIMITS", raising=False)
    limits.configure()
    yield
    limits.configure()


def test_limits_are_raised_by_option_and_by_environment(monkeypatch):
    assert limits.get("mask_classes") == 256
    limits.configure(["mask_classes=1000"])
    assert limits.get("mask_classes") == 1000
    monkeypatch.setenv("ANNSUITE_LIMITS", "pixels=5,line_chars=7")
    limits.configure(["pixels=9"])
    assert (limits.get("pixels"), limits.get("line_chars")) == (9, 7)  # the option wins over the environment
    for bad in (["nope=3"], ["pixels"], ["pixels=x"], ["pixels=0"]):
        with pytest.raises(UsageError, match="--limit"):
            limits.configure(bad)


def test_over_a_limit_is_one_line_naming_the_file_and_the_option():
    limits.configure(["pixels=100"])
    limits.check_pixels(10, 10, "ok.png")
    with pytest.raises(DataError, match=r"^big.png: 101 pixels is over the limit of 100 \(raise it with "
                                        r"--limit pixels=101\)$"):
        limits.check_pixels(101, 1, "big.png")


def test_read_bounded_stops_a_gzip_bomb_and_names_corrupt_data(tmp_path):
    bomb = tmp_path / "bomb.gz"
    with gzip.open(bomb, "wb") as handle:
        handle.write(bytes(5_000_000))  # 5 MB of zeros: ~5 KB on disk
    with gzip.open(bomb, "rb") as handle, pytest.raises(DataError, match="bomb.gz: .*decompressed_bytes"):
        limits.read_bounded(handle, bomb, limit=1_000_000)
    with gzip.open(bomb, "rb") as handle:
        assert len(limits.read_bounded(handle, bomb)) == 5_000_000
    with pytest.raises(DataError, match="corrupt compressed data"):
        limits.read_bounded(gzip.GzipFile(fileobj=io.BytesIO(b"\x1f\x8b\x08\x00garbage")), "x.gz")


def test_npz_members_are_checked_on_their_header(tmp_path):
    good = tmp_path / "good.npz"
    np.savez(good, x=np.zeros((3, 4)), y=np.arange(3))
    assert limits.npz_shapes(good) == {"x": (3, 4), "y": (3,)}
    assert limits.load_npz(good)["x"].shape == (3, 4)
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False,
                                                  "shape": (10**12,)})
    bomb = tmp_path / "bomb.npz"
    with zipfile.ZipFile(bomb, "w") as archive:
        archive.writestr("x.npy", header.getvalue() + bytes(64))
    with pytest.raises(DataError, match=r"bomb.npz \(x\): 1,000,000,000,000 array elements is over"):
        limits.load_npz(bomb)
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(DataError, match="junk.npz: unreadable .npz file"):
        limits.load_npz(tmp_path / "junk.npz")


def test_yaml_aliases_and_deep_nesting_are_refused(tmp_path):
    laughs = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"
    with pytest.raises(DataError, match="laughs.yaml: .*line 2: YAML aliases"):
        limits.load_yaml(laughs, "laughs.yaml")
    assert limits.load_yaml("a: [1, 2]\nb: {c: d}\n", "fine.yaml") == {"a": [1, 2], "b": {"c": "d"}}
    with pytest.raises(DataError, match="nested deeper than 64"):
        limits.load_yaml("[" * 200 + "]" * 200, "deep.yaml")
    with pytest.raises(DataError, match="deep.json: cannot parse JSON"):
        limits.load_json("[" * 100_000 + "]" * 100_000, "deep.json")
    assert limits.nesting_depth({"a": [1, [2]]}) == 3


def test_config_files_get_the_same_protection(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    laughs = tmp_path / "laughs.yaml"
    laughs.write_text("a: &a [x]\nb: *a\n")
    for path in (deep, laughs):
        with pytest.raises(UsageError, match=f"--config {path}: cannot parse"):
            read_config_file(path)


def test_images_over_the_pixel_limit_are_refused_on_the_header(tmp_path):
    path = tmp_path / "wide.png"
    Image.new("RGB", (50, 4)).save(path)
    assert read_image(path).shape == (4, 50, 3)
    limits.configure(["pixels=199"])
    with pytest.raises(DataError, match=r"wide.png: 200 pixels is over the limit of 199 .* --limit pixels=200"):
        read_image(path)


def test_csv_rows_name_the_line_of_an_unbalanced_quote_or_an_overlong_line():
    good = "a,b\n1,\"x, y\"\n2,z\n"
    assert list(csv_rows(good, "t.csv")) == [(1, ["a", "b"]), (2, ["1", "x, y"]), (3, ["2", "z"])]
    with pytest.raises(DataError, match=r"^t.csv:2: unbalanced quote"):
        list(csv_rows("a,b\n1,\"oops\n2,z\n3,w\n", "t.csv"))
    limits.configure(["line_chars=20"])
    with pytest.raises(DataError, match=r"^t.tsv:3: 31 characters in one line is over the limit of 20 \(raise it with --limit line_chars=31\)"):
        list(csv_rows("a\tb\n1\t2\n" + "x" * 30 + "\n", "t.tsv", delimiter="\t"))


def test_the_bad_input_doc_lists_every_limit():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "bad-input.md").read_text(encoding="utf-8")
    for name, default, _ in limits.describe():
        assert f"| `{name}` | {default:,} |" in doc, name
