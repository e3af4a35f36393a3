"""The dataclass-driven command line: flags, --config, --set, errors."""

import json
from dataclasses import dataclass

import pytest

from shared.cli import Verb, build_parser, dispatch, run
from shared.config import TrainConfig, option
from shared.errors import DataError, UsageError


@dataclass
class DemoConfig(TrainConfig):
    size: int = option(4, "a size")
    mode: str = option("a", "a mode", ("a", "b"))
    ratio: float | None = option(None, "an optional ratio")


def parse(argv):
    verbs = [Verb("train", "train", lambda args: {"config": args.config}, config_cls=DemoConfig)]
    return dispatch("demo", "a demo app", verbs, argv)["config"]


def test_defaults_flags_and_types():
    config = parse(["train"])
    assert (config.size, config.mode, config.ratio, config.skip_bad) == (4, "a", None, False)
    config = parse(["train", "--size", "7", "--mode", "b", "--ratio", "0.5", "--skip-bad", "--epochs", "0"])
    assert (config.size, config.mode, config.ratio, config.skip_bad, config.epochs) == (7, "b", 0.5, True, 0)


def test_precedence_file_then_flags_then_set(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("size: 9\nmode: b\nepochs: 3\n")
    config = parse(["train", "--config", str(path), "--epochs", "5", "--set", "size=11"])
    assert (config.size, config.mode, config.epochs) == (11, "b", 5)


def test_run_folder_config_json_is_accepted(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"app": "x", "config": {"size": 3, "seed": 7}}))
    config = parse(["train", "--config", str(path)])
    assert (config.size, config.seed) == (3, 7)


@pytest.mark.parametrize("argv,fragment", [
    (["train", "--epochs", "-1"], "epochs must be >= 0, got -1"),
    (["train", "--mode", "c"], "invalid choice"),
    (["train", "--size", "x"], "cannot read 'x' as int"),
    (["train", "--set", "nope=1"], "known option"),
    (["train", "--set", "size"], "KEY=VALUE"),
    (["fly"], "invalid choice"),
    (["train", "--config", "/nonexistent.yaml"], "no such file"),
])
def test_bad_command_lines_raise_usage_error(argv, fragment):
    with pytest.raises(UsageError, match=fragment):
        parse(argv)


def test_unknown_key_in_config_file(tmp_path):
    path = tmp_path / "c.json"
    path.write_text('{"colour": "red"}')
    with pytest.raises(UsageError, match="unknown option.*colour"):
        parse(["train", "--config", str(path)])


def test_help_lists_every_field_with_default(capsys):
    parser = build_parser("demo", "d", [Verb("train", "t", lambda a: {}, config_cls=DemoConfig)])
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args(["train", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for flag in ("--size", "--mode", "--ratio", "--max-train-samples", "--skip-bad", "--strategy"):
        assert flag in text
    assert "(default: 4)" in text


def test_run_maps_errors_to_exit_codes(capsys):
    def usage(argv):
        raise UsageError("bad flag\nsecond line")

    def data(argv):
        raise DataError("/data/x.png", "not an image", line=3)

    def crash(argv):
        raise RuntimeError("boom")

    assert run(lambda argv: {}, prog="p") == 0
    assert run(usage, prog="p") == 2
    assert capsys.readouterr().err == "p: error: bad flag second line\n"
    assert run(data, prog="p") == 2
    assert capsys.readouterr().err == "p: error: /data/x.png:3: not an image\n"
    assert run(crash, prog="p") == 1
