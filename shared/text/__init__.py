"""The one text stack of the text apps (translator, chatbot, sentiment, word2vec).

- `normalization`: lower-casing, whitespace, punctuation split off with
  joiners (reversible), as TensorFlow string ops.
- `vocabulary`: the special tokens (`[PAD]` 0, `[UNK]` 1, `[START]` 2,
  `[END]` 3) and `Vocabulary`, words by frequency after them.
- `tokenizers`: word, WordPiece and SentencePiece tokenizers behind one
  interface (`split` strings -> token strings, `join` back), subword ones
  on keras-hub's tokenizer layers, trained on the training split only.
- `layers`: `TextToIds` and `IdsToText`, serializable Keras layers that
  carry the tokenizer and its vocabulary inside a saved model, so that the
  same ops run in `tf.data`, in training and in the exported SavedModel.
"""

from shared.text.layers import IdsToText, TextToIds
from shared.text.normalization import clean, join_words, split_words
from shared.text.tokenizers import KINDS, SentencePiece, WordPiece, WordTokenizer, train_tokenizer
from shared.text.vocabulary import (
    END,
    END_ID,
    PAD,
    PAD_ID,
    SPECIALS,
    START,
    START_ID,
    UNK,
    UNK_ID,
    Vocabulary,
)

__all__ = [
    "END", "END_ID", "KINDS", "PAD", "PAD_ID", "SPECIALS", "START", "START_ID", "UNK", "UNK_ID",
    "IdsToText", "SentencePiece", "TextToIds", "Vocabulary", "WordPiece", "WordTokenizer",
    "clean", "join_words", "split_words", "train_tokenizer",
]
