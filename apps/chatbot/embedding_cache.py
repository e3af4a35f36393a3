"""The frozen pretrained encoder's outputs, computed once per distinct text and cached.

With the backbone of the pretrained dual encoder frozen, a context's (and a
response's) mean-pooled backbone output never changes, so it is computed
once: `cached_vectors` encodes each distinct text of a side once (equal
conversation windows and equal responses share one row), in batches of
similar lengths each cut to its longest row, through `shared.feature_cache`
(a file in `RUN/cache` keyed by the backbone's weights and the inputs, so a
resumed run, or the next run on the same data, reads the vectors back).
The projections then train on these vectors for every epoch
(`apps.chatbot.frozen`).
"""

from __future__ import annotations

import numpy as np

from apps.chatbot.preprocessing import join_turns
from shared.feature_cache import cache_features_by_length

ENCODE_BATCH = 128


class SideEncoder:
    """One side's BERT inputs (`BertTexts`' dicts, `{side}_` names) -> pooled vectors.

    `name` and `weights` (the backbone's) key the cache; each batch is cut
    to its longest row (the padding mask), which changes nothing of a
    masked mean but the cost.
    """

    def __init__(self, tower, backbone, side):
        self.tower = tower
        self.side = side
        self.name = f"{tower.name}-{backbone.name}"
        self.weights = backbone.weights

    def __call__(self, batch):
        prefix = f"{self.side}_"
        width = max(1, int(np.asarray(batch[f"{prefix}padding_mask"]).sum(axis=1).max()))
        inputs = {name[len(prefix):]: np.asarray(value)[:, :width] for name, value in batch.items()}
        return self.tower(inputs, training=False)


def text_key(item):
    """A context (its turns) or a response as one string: equal keys share one vector."""
    return item if isinstance(item, str) else join_turns(item)


def text_lengths(inputs):
    """Each row's padding-mask length (all zeros, so the order is kept, when the inputs have no mask)."""
    masks = [value for name, value in inputs.items() if name.endswith("padding_mask")]
    count = len(next(iter(inputs.values())))
    return np.asarray(masks[0]).sum(axis=1) if masks else np.zeros(count, "int64")


def cached_vectors(encoder, make_inputs, items, path=None, batch_size=ENCODE_BATCH):
    """The encoder's vector of each item (contexts or responses), each distinct item encoded once.

    Args:
        encoder: a callable from a batch of `make_inputs`' dict to (batch, dim) vectors,
            with `name` and `weights` for the cache key (`SideEncoder`).
        make_inputs: distinct items -> a dict of equally long arrays (`BertTexts.context_inputs`).
        items: the contexts (tuples of turns) or responses (strings), in order.
        path: the cache folder (`RUN/cache`); None: computed in memory only.

    Returns:
        (len(items), dim) float32, row i the vector of items[i].
    """
    keys = [text_key(item) for item in items]
    first = dict(zip(keys, items))  # one item per distinct key, in first-seen order
    distinct = list(first)
    inputs = {name: np.asarray(value) for name, value in make_inputs([first[k] for k in distinct]).items()}
    unsorted = cache_features_by_length(encoder, inputs, text_lengths(inputs), path, batch_size)
    index = {key: i for i, key in enumerate(distinct)}
    return unsorted[[index[key] for key in keys]].astype("float32")
