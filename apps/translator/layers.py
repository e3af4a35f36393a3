"""The translator's serializable layers: what `import apps` registers for model.keras.

model.keras (`apps.translator.inference.build_inference_model`) is
`TextToIds` (shared.text: the source tokenizer and vocabulary) ->
`GreedyDecoder` (the trained network and the in-graph greedy loop) ->
`IdsToText` (the target vocabulary and tokenizer). The networks of
`apps.translator.model` are imported here so that they are registered too.
"""

from __future__ import annotations

import keras

from apps.translator.decoding import clean_ids, greedy_decode, trim_padding
from apps.translator.model import RNNTranslator, TransformerTranslator, masked_accuracy

__all__ = ["GreedyDecoder", "RNNTranslator", "TransformerTranslator", "masked_accuracy"]


@keras.saving.register_keras_serializable(package="annsuite")
class GreedyDecoder(keras.layers.Layer):
    """Source ids (N, S) -> target ids (N, steps): arg-max decoding inside the graph.

    The source is cut to the batch's longest sentence first; the ids stop
    at the first [END] (it and everything after it are 0).

    Args:
        network: an `apps.translator.model` network (encode, initial_state,
            step), or its serialized config.
        steps: the longest translation in tokens.
    """

    def __init__(self, network, steps, **kwargs):
        super().__init__(**kwargs)
        if isinstance(network, dict):
            network = keras.saving.deserialize_keras_object(network)
        self.network = network
        self.steps = int(steps)

    def build(self, input_shape):
        self.built = True  # the network brings its own (built) weights

    def call(self, ids):
        return clean_ids(greedy_decode(self.network, trim_padding(ids), self.steps))

    def compute_output_spec(self, ids):
        return keras.KerasTensor((ids.shape[0], self.steps), dtype="int32")

    def get_config(self):
        network = keras.saving.serialize_keras_object(self.network)
        network.pop("compile_config", None)  # served, not trained: the optimizer stays in best.keras
        return {**super().get_config(), "network": network, "steps": self.steps}
