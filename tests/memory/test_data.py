"""The memory data: the generated tasks' layout, user files checked, bad input as one line."""

import numpy as np
import pytest

from apps.memory import main
from apps.memory.config import MemoryConfig
from apps.memory.data import curriculum_length, load_data
from apps.memory.formats import read_sequences
from apps.memory.tasks import generate, steps_of
from shared.cli import run


def test_copy_sequences_follow_the_documented_layout():
    batch = generate("copy", np.random.default_rng(0), 3, 4, bits=5)
    assert batch.inputs.shape == (3, 9, 7) and batch.targets.shape == (3, 9, 5)
    x, y, w = batch.inputs[0], batch.targets[0], batch.weights[0]
    np.testing.assert_array_equal(y[5:], x[:4, :5])  # the targets are the inputs again
    assert x[4, 5] == 1 and x[5:].sum() == 0 and w.tolist() == [0] * 5 + [1] * 4


def test_repeat_copy_and_recall_answers_come_from_the_inputs():
    batch = generate("repeat-copy", np.random.default_rng(1), 1, 2, bits=4, max_repeats=3)
    x, y, w = batch.inputs[0], batch.targets[0], batch.weights[0]
    repeats = round(x[2, 5] * 3)
    assert w.sum() == 2 * repeats and np.array_equal(y[3:3 + 2], x[:2, :4])
    batch = generate("associative-recall", np.random.default_rng(2), 1, 4, bits=4, item_length=2)
    x, y, w = batch.inputs[0], batch.targets[0], batch.weights[0]
    items = [x[i * 3 + 1:i * 3 + 3, :4] for i in range(4)]
    query = x[13:15, :4]
    index = next(i for i, item in enumerate(items) if np.array_equal(item, query))
    np.testing.assert_array_equal(y[w > 0], items[index + 1])
    assert steps_of("associative-recall", 4, item_length=2) == len(w)


def test_the_seed_fixes_every_split_and_the_splits_differ():
    first, again = load_data(MemoryConfig(test_sequences=5)), load_data(MemoryConfig(test_sequences=5))
    np.testing.assert_array_equal(first.test[40].inputs, again.test[40].inputs)
    other = load_data(MemoryConfig(test_sequences=5, seed=1))
    assert not np.array_equal(first.test[40].inputs, other.test[40].inputs)
    assert sorted(first.test) == [1, 7, 14, 20, 30, 40, 60]


def test_the_curriculum_grows_to_the_longest_length_by_half_the_epochs():
    config = MemoryConfig(curriculum=True)
    assert [curriculum_length(config, epoch, 10) for epoch in (0, 4, 9)] == [5, 20, 20]
    assert curriculum_length(MemoryConfig(), 0, 10) == 20  # off by default: lengths 1..20 from the start


def write_csv(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_a_csv_and_an_npz_of_the_same_sequences_read_alike(tmp_path):
    csv = write_csv(tmp_path / "s.csv", "sequence,input,target\n1,100,\n1,001,11\n2,010,\n2,001,01\n2,000,10\n")
    from_csv = read_sequences(csv)
    np.savez(tmp_path / "s.npz", inputs=from_csv.inputs, targets=from_csv.targets, weights=from_csv.weights)
    from_npz = read_sequences(tmp_path / "s.npz")
    for name in ("inputs", "targets", "weights", "lengths"):
        np.testing.assert_array_equal(getattr(from_csv, name), getattr(from_npz, name))
    assert from_csv.lengths.tolist() == [1, 2]


@pytest.mark.parametrize("name,content,fragment", [
    ("bad.csv", "sequence,input,target\n1,10x,\n", "bad.csv:2: input '10x' is not a string of 0/1"),
    ("bad.csv", "sequence,input,target\n1,101,11\n1,10,11\n", "bad.csv:3: input has 2 bits"),
    ("bad.csv", "sequence,input,target\n1,101,11\n2,101,1\n", "bad.csv:3: target has 1 bits"),
    ("bad.csv", "sequence,input,target\n1,101,\n2,101,11\n", "sequence '1' has no step with a target"),
    ("bad.csv", "sequence,input,target\n1,101,11\n2,101,11\n1,101,11\n", "bad.csv:4: the rows of sequence '1'"),
    ("bad.csv", "seq,x,y\n1,101,11\n", "bad.csv:1: the header must be sequence,input,target"),
    ("bad.csv", "sequence,input,target\n1,101\n", "bad.csv:2: expected 3 columns"),
    ("empty.csv", "", "empty.csv: empty file"),
    ("seq.txt", "hello", "unknown format '.txt'"),
])
def test_bad_files_are_one_line_naming_the_file_and_line(tmp_path, capsys, name, content, fragment):
    path = write_csv(tmp_path / name, content)
    assert run(main, ["train", "--data", str(path)], prog="python -m apps.memory") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err and "Traceback" not in err


@pytest.mark.parametrize("arrays,fragment", [
    ({"inputs": np.zeros((2, 3, 4))}, "no 'targets' array"),
    ({"inputs": np.full((2, 3, 4), 2.0), "targets": np.zeros((2, 3, 1))}, "inputs must hold only 0 and 1"),
    ({"inputs": np.zeros((2, 3, 4)), "targets": np.zeros((2, 4, 1))}, "the same S and T"),
    ({"inputs": np.zeros((2, 3, 4)), "targets": np.zeros((2, 3, 1)), "weights": np.zeros((2, 3))},
     "sequence 0 has no scored step"),
])
def test_bad_npz_files_are_one_line(tmp_path, capsys, arrays, fragment):
    np.savez(tmp_path / "s.npz", **arrays)
    assert run(main, ["train", "--data", str(tmp_path / "s.npz")], prog="python -m apps.memory") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err


@pytest.mark.parametrize("argv,fragment", [
    (["train", "--task", "sort"], "invalid choice: 'sort'"),
    (["train", "--eval-lengths", "10,x"], "eval_lengths must be positive integers"),
    (["train", "--min-length", "9", "--max-length", "3"], "min_length must be <= max_length"),
    (["train", "--data", "/nonexistent/s.csv"], "no such file"),
    (["evaluate", "--run", "/nonexistent/run"], "not a run folder"),
])
def test_bad_command_lines_exit_2_with_one_line(argv, fragment, capsys):
    assert run(main, argv, prog="python -m apps.memory") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err and "Traceback" not in err


def test_a_user_file_trains_and_scores_per_length(tmp_path):
    rng = np.random.default_rng(0)
    batch = generate("copy", rng, 30, (1, 3), bits=3, pad_to=3)
    np.savez(tmp_path / "copy.npz", inputs=batch.inputs, targets=batch.targets, weights=batch.weights)
    metrics = main(["train", "--data", str(tmp_path / "copy.npz"), "--run-dir", str(tmp_path / "run"),
                    "--epochs", "1", "--units", "8", "--memory-size", "8", "--memory-width", "4"])
    assert metrics["test"]["bit_errors"] >= 0 and any(k.startswith("bit_errors_L") for k in metrics["test"])
