"""Loaders (TSV, chatterbot YAML, JSON lines), validation, windowing (shared/text), generated dialogues."""

import json
import re

import numpy as np
import pytest

from apps.chatbot.arrays import WordTexts, vocabulary_of, window
from apps.chatbot.config import ChatbotConfig
from apps.chatbot.data import ChatData, Example, examples_of, load_data
from apps.chatbot.dialogues import generate
from apps.chatbot.formats import read_dialogues
from apps.chatbot.preprocessing import conversation_array
from shared.data import BadInputs
from shared.errors import DataError
from shared.text import END_ID, SPECIALS, START_ID, WordTokenizer

YAML = """categories:
- greetings
conversations:
- - Hello
  - Hi there!
  - How are you?
- - Good morning.
  - Good morning to you.
"""


def write(path, text, mode="w"):
    if mode == "wb":
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_tsv_chains_consecutive_lines_into_one_dialogue(tmp_path):
    path = write(tmp_path / "d.tsv", "hi\thello!\nhello!\thow are you?\nbye\tsee you\n")
    dialogues = read_dialogues(path, BadInputs())
    assert [d.turns for d in dialogues] == [["hi", "hello!", "how are you?"], ["bye", "see you"]]
    examples = examples_of(dialogues[0])
    assert [e.context for e in examples] == [("hi",), ("hi", "hello!")]
    assert [e.follow_up for e in examples] == [False, True]


def test_tsv_blank_lines_separate_dialogues_of_pairs(tmp_path):
    path = write(tmp_path / "d.txt", "a\tb\nc\td\n\ne\tf\n")
    assert [d.turns for d in read_dialogues(path, BadInputs())] == [["a", "b", "c", "d"], ["e", "f"]]


def test_chatterbot_yaml_and_jsonl(tmp_path):
    dialogues = read_dialogues(write(tmp_path / "c.yml", YAML), BadInputs())
    assert [d.turns for d in dialogues] == [["Hello", "Hi there!", "How are you?"],
                                            ["Good morning.", "Good morning to you."]]
    lines = [json.dumps({"turns": ["q1", "a1", "q2", "a2"], "needs_context": [False, True]}),
             json.dumps({"turns": ["x", "y"]})]
    dialogues = read_dialogues(write(tmp_path / "d.jsonl", "\n".join(lines) + "\n"), BadInputs())
    examples = examples_of(dialogues[0])
    assert [(e.context, e.response, e.needs_context) for e in examples] == [
        (("q1",), "a1", False), (("q1", "a1", "q2"), "a2", True)]


@pytest.mark.parametrize("name, content, expected", [
    ("d.tsv", "hi\thello\nno tab here\n", "d.tsv:2: expected utterance<TAB>response"),
    ("d.tsv", "hi\t  \n", "d.tsv:1: empty turn"),
    ("d.tsv", b"hi\thello\n\xff\xfe\tx\n", "d.tsv:2: not UTF-8 text"),
    ("d.jsonl", '{"turns": ["a", "b"]}\n{"turns": ["a", "b"\n', "d.jsonl:2: malformed JSON"),
    ("d.jsonl", '{"turns": ["only one"]}\n', "d.jsonl:1: a dialogue needs at least 2 turns"),
    ("c.yaml", "conversations:\n- - a\n  - b\n- [c\n", "c.yaml:5: malformed YAML"),
    ("c.yaml", "conversations:\n- - a\n  - b\n- - lonely\n", "c.yaml:4: a dialogue needs at least 2 turns"),
    ("c.yaml", "conversations:\n- - a\n  - ''\n", "c.yaml:2: empty turn"),
])
def test_bad_files_name_file_line_and_problem(tmp_path, name, content, expected):
    path = write(tmp_path / name, content, "wb" if isinstance(content, bytes) else "w")
    with pytest.raises(DataError) as error:
        read_dialogues(path, BadInputs())
    assert str(error.value).endswith(expected) or expected in str(error.value)
    assert str(error.value).startswith(str(tmp_path))


def test_skip_bad_counts_and_keeps_the_good_lines(tmp_path):
    path = write(tmp_path / "d.tsv", "hi\thello\nbroken line\nbye\tsee you\n")
    bad = BadInputs(skip_bad=True)
    dialogues = read_dialogues(path, bad)
    assert bad.count == 1 and [d.turns for d in dialogues] == [["hi", "hello"], ["bye", "see you"]]


def test_load_data_splits_real_dialogues_without_leaks(tmp_path):
    lines = [f"question {i}\tanswer {i}\nanswer {i}\tmore {i}\n\n" for i in range(30)]
    path = write(tmp_path / "d.tsv", "".join(lines))
    data = load_data(ChatbotConfig(data=str(path)))
    first = lambda split: {e.context[0] for e in split}  # noqa: E731 - one dialogue per opening
    assert not (first(data.train) & first(data.test)) and not (first(data.train) & first(data.validation))
    assert len(data.train) + len(data.validation) + len(data.test) == 60


def texts_of(texts, **options):
    config = ChatbotConfig(**options)
    return WordTexts(WordTokenizer(punctuation="sentence").vocabulary(texts).tokens, config)


def test_window_keeps_the_last_exchanges_and_pads_at_the_start():
    history = ["q1", "a1", "q2", "a2", "q3"]
    assert window(history, 1) == ["q2", "a2", "q3"]
    assert window(history, 0) == ["q3"]
    assert window(history, 5) == history
    texts = texts_of(history, turns=1, utterance_length=4)
    ids = texts.contexts([history, ["q3"]])
    assert ids.shape == (2, 3, 4)
    assert (ids[1, :2] == 0).all() and (ids[1, 2] == ids[0, 2]).all()
    np.testing.assert_array_equal(ids[0, :, 0], [texts.vocabulary.index(w) for w in ("q2", "a2", "q3")])
    # The raw layout: turns joined by "||"; blank turns and spaces around them are ignored.
    raw = texts.context_ids(np.array(["q3", " || q2||a2 ||  || q3 "], dtype=object)).numpy()
    np.testing.assert_array_equal(raw[0], ids[1])
    np.testing.assert_array_equal(raw[1], ids[0])
    assert list(conversation_array([["q2", "a2"], ["q3"]])) == ["q2 || a2", "q3"]


def test_tokens_round_trip_and_responses_end_with_end():
    texts = texts_of(["yes, the red hat."], response_length=8)
    assert texts.tokens(["Hi, you!"]) == [["hi", ",", "you", "!"]]
    inputs, targets = texts.teacher_forcing(["yes, the red hat."])
    ids = texts.responses(["yes, the red hat."])[0].tolist()  # yes , the red hat . and padding
    assert inputs[0].tolist() == [START_ID, *ids] and targets[0].tolist() == [*ids[:6], END_ID, 0, 0]
    assert texts.texts(targets) == ["yes, the red hat."]
    assert texts.texts([[texts.vocabulary.index("red"), 1, END_ID, 5]]) == ["red [UNK]"]


def test_words_keep_apostrophes_hyphens_and_signs_as_the_chatbot_always_did():
    """The chatbot's punctuation rule (shared.text's "sentence"): lower-case, then only . , ! ? ; : " ( )
    split off; answers get . , ! ? ; : back on the word before."""
    sentence = "I'll take the T-shirt (size -3), ok? \"Yes\": sure!"
    old_rule = re.sub(r'([.,!?;:"()])', r" \1 ", sentence.lower()).split()
    assert old_rule == ["i'll", "take", "the", "t-shirt", "(", "size", "-3", ")", ",", "ok", "?",
                        '"', "yes", '"', ":", "sure", "!"]
    data = ChatData(train=[Example((sentence,), "Sure.")], validation=[], test=[])
    vocabulary = vocabulary_of(data, ChatbotConfig()).tokens
    assert set(vocabulary[len(SPECIALS):]) == {*old_rule, "sure", "."}
    texts = WordTexts(vocabulary, ChatbotConfig(response_length=20))
    assert texts.tokens([sentence]) == [old_rule]
    ids = texts.responses([sentence])
    assert ids[0, :len(old_rule)].tolist() == [vocabulary.index(t) for t in old_rule]
    assert texts.texts(ids) == ["i'll take the t-shirt ( size -3 ), ok? \" yes \": sure!"]


def test_generated_dialogues_need_context_and_hold_out_combinations():
    train, validation, test = generate(count=400, seed=3)
    assert len(train) + len(validation) + len(test) == 400
    def openings(split):  # weather (city, day) and shopping (color, item) combinations
        return {d.turns[1] for d in split if "degrees" in d.turns[1] or "in stock" in d.turns[1]}

    assert openings(test) and not openings(train) & openings(test)
    follow_ups = [(d.turns[2 * i], d.turns[2 * i + 1]) for d in test
                  for i, needs in enumerate(d.needs_context) if needs]
    assert len(follow_ups) > len(test) / 2
    # The same follow-up question gets different answers: only the context tells which.
    answers = {}
    for question, answer in follow_ups:
        answers.setdefault(question, set()).add(answer)
    assert max(len(a) for a in answers.values()) > 3


def test_tsv_keeps_unicode_line_separators_inside_a_turn(tmp_path):
    path = write(tmp_path / "d.tsv", "a song\t\u0085and you know\n\u0085and you know\tgreat song.\r\n")
    dialogues = read_dialogues(path, BadInputs())
    assert [d.turns for d in dialogues] == [["a song", "and you know", "great song."]]  # stripped
