"""Loaders on fixtures in the real formats, good and bad; the numbers default."""

import pytest

from apps.translator import main
from apps.translator.config import TranslatorConfig
from apps.translator.data import load_data, number_pairs
from shared.cli import run
from shared.errors import DataError

PAIRS = [("Go.", "Va !"), ("Run!", "Cours !"), ("I see.", "Je comprends."), ("Who won?", "Qui a gagné ?"),
         ("Help me.", "Aidez-moi."), ("I'm OK.", "Je vais bien."), ("Stop!", "Arrête !"), ("Wait.", "Attends.")] * 3


def write_tsv(path, attribution=True, extra=""):
    tail = "\tCC-BY 2.0 (France) Attribution: tatoeba.org #1 (x)" if attribution else ""
    path.write_text("".join(f"{s}\t{t}{tail}\n" for s, t in PAIRS) + extra, encoding="utf-8")
    return path


def config(path, **kwargs):
    return TranslatorConfig(data=str(path), **kwargs)


@pytest.mark.parametrize("attribution", [True, False])
def test_anki_tsv_with_and_without_attribution(tmp_path, attribution):
    data = load_data(config(write_tsv(tmp_path / "fra.txt", attribution)))
    assert data.source == "tsv"
    everything = sum((data.pairs[s] for s in ("train", "validation", "test")), [])
    assert sorted(everything) == sorted(PAIRS)
    assert "gagné" in data.target_vocab.tokens and "\uffed." in data.source_vocab.tokens
    assert not any("CC-BY" in t for t in data.target_vocab.tokens)


def test_reverse_swaps_the_direction(tmp_path):
    data = load_data(config(write_tsv(tmp_path / "fra.txt"), reverse=True))
    assert all((t, s) in PAIRS for s, t in data.pairs["train"])
    assert "gagné" in data.source_vocab.tokens


def test_two_aligned_files_and_csv_with_named_columns(tmp_path):
    (tmp_path / "a.en").write_text("".join(s + "\n" for s, _ in PAIRS), encoding="utf-8")
    (tmp_path / "a.fr").write_text("".join(t + "\n" for _, t in PAIRS), encoding="utf-8")
    data = load_data(config(f"{tmp_path / 'a.en'},{tmp_path / 'a.fr'}"))
    assert data.source == "parallel" and ("Go.", "Va !") in sum(data.pairs.values(), [])
    rows = "".join(f'{i},"{t}","{s}"\n' for i, (s, t) in enumerate(PAIRS))
    (tmp_path / "p.csv").write_text("id,french,english\n" + rows, encoding="utf-8")
    data = load_data(config(tmp_path / "p.csv", source_column="english", target_column="french"))
    assert data.source == "csv" and ("Go.", "Va !") in sum(data.pairs.values(), [])


def test_length_cap_drops_long_pairs(tmp_path):
    path = write_tsv(tmp_path / "fra.txt", extra="one two three four five six seven\tun deux\n")
    data = load_data(config(path, max_length=5))
    assert data.dropped_long == 1
    assert all(len(s.split()) < 7 for s, _ in sum(data.pairs.values(), []))


@pytest.mark.parametrize("content,line,problem", [
    (b"Go.\tVa !\nno tab here\n", 2, "no tab"),
    (b"Go.\tVa !\n\t  Cours !\n", 2, "empty source"),
    (b"Go.\tVa !\nRun!\t\n", 2, "empty target"),
    (b"Go.\tVa !\nGo.\tVa \xff!\n", 2, "not UTF-8"),
])
def test_bad_lines_name_file_and_line(tmp_path, content, line, problem):
    path = tmp_path / "bad.txt"
    path.write_bytes(content * 1 + "".join(f"{s}\t{t}\n" for s, t in PAIRS).encode())
    with pytest.raises(DataError, match=f"bad.txt:{line}: {problem}"):
        load_data(config(path))
    data = load_data(config(path, skip_bad=True))
    assert data.skipped == 1


def test_misaligned_files(tmp_path):
    (tmp_path / "a.en").write_text("".join(s + "\n" for s, _ in PAIRS), encoding="utf-8")
    (tmp_path / "a.fr").write_text("".join(t + "\n" for _, t in PAIRS[:-2]), encoding="utf-8")
    spec = f"{tmp_path / 'a.en'},{tmp_path / 'a.fr'}"
    with pytest.raises(DataError, match=rf"a.fr:{len(PAIRS) - 1}: misaligned"):
        load_data(config(spec))
    assert load_data(config(spec, skip_bad=True)).skipped == 1


def test_bad_input_exits_2_with_one_line_and_no_run_folder(tmp_path, capsys):
    path = tmp_path / "bad.txt"
    path.write_text("Go.\tVa !\nno tab\n", encoding="utf-8")
    code = run(main, ["train", "--data", str(path), "--run-dir", str(tmp_path / "run")], prog="translator")
    error = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and error == [f"translator: error: {path}:2: no tab: expected source<TAB>target[<TAB>attribution]"]
    assert not (tmp_path / "run").exists()


def test_numbers_default_is_num2words_and_test_numbers_are_unseen():
    pairs = number_pairs(300, seed=1)
    assert len({number for _, _, number in pairs}) == 300
    lookup = {int(n): (en, fr) for en, fr, n in number_pairs(3000, seed=2)}
    assert lookup.get(71, ("seventy-one", "soixante et onze")) == ("seventy-one", "soixante et onze")
    data = load_data(TranslatorConfig(num_examples=600))
    train = {s for s, _ in data.pairs["train"]}
    assert not train & {s for s, _ in data.pairs["test"]}
    assert len(data.pairs["test"]) == 60 and len(data.pairs["validation"]) == 30
