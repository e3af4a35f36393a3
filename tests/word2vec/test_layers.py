"""model.keras's word lookup: the shared special tokens, lower-casing, zeros for unknown words."""

import keras
import numpy as np
import pytest

from apps.word2vec.layers import FIRST_WORD, WordIds, inference_model, vocabulary_of, word_ids
from shared.text import SPECIALS, UNK_ID, Vocabulary

WORDS = ["paris", "rome", "café"]
VECTORS = np.arange(9, dtype="float32").reshape(3, 3) + 1


def test_ids_are_the_shared_vocabularys_after_its_special_tokens():
    assert FIRST_WORD == len(SPECIALS)
    out = WordIds(WORDS)(np.array(["Rome", " CAFÉ ", "oslo", "[UNK]"], dtype=object))
    index = Vocabulary(WORDS).index
    assert out["id"].numpy().tolist() == [index["rome"], index["café"], UNK_ID, UNK_ID]
    assert out["known"].numpy().tolist() == [True, True, False, False]


def test_a_word_that_is_a_special_token_is_refused():
    with pytest.raises(ValueError, match="special tokens"):
        WordIds(["paris", "[PAD]"])


def test_model_round_trips_in_safe_mode_with_its_vocabulary(tmp_path):
    model = inference_model(WORDS, VECTORS)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    words, vectors = vocabulary_of(loaded)
    assert words == WORDS
    np.testing.assert_array_equal(vectors, VECTORS)
    out = loaded.predict(np.array(["ROME", "nowhere"], dtype=object), verbose=0)
    np.testing.assert_array_equal(out["vector"], [VECTORS[1], np.zeros(3)])
    assert out["known"].tolist() == [True, False]
    assert word_ids(loaded, ["Café", "nowhere", "paris"]).tolist() == [2, -1, 0]
