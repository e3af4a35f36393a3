"""The fine-tuning procedure every app uses with a pretrained backbone.

1. `freeze(backbone)`, train the new head.
2. `unfreeze_top(backbone, blocks)`: the top blocks train again, every
   BatchNormalization stays frozen (so it runs in inference mode and its
   statistics are kept), then recompile at a lower learning rate (the
   classifier uses a tenth) and train on.
"""

from __future__ import annotations

import keras


def unit_layers(model):
    """The layers of `model` that count as blocks (nested models flattened)."""
    units = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            units.extend(unit_layers(layer))
        elif layer.weights:
            units.append(layer)
    return units


def freeze(backbone):
    """Phase 1 of fine-tuning: nothing in the backbone trains."""
    backbone.trainable = False


def unfreeze_top(backbone, blocks):
    """Phase 2: the top `blocks` blocks train, BatchNorm stays frozen.

    A block is a layer with weights: a shared block (ConvBlock,
    ResidualBlock...) counts once, a keras.applications model counts each
    of its layers. A frozen BatchNormalization runs in inference mode.
    """
    backbone.trainable = True
    units = unit_layers(backbone)
    for layer in units[: max(len(units) - blocks, 0)]:
        layer.trainable = False
    for layer in walk_layers(backbone):
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
    return len(units[-blocks:]) if blocks else 0


def walk_layers(layer, seen=None):
    """Every layer inside `layer` (not itself), nested models and blocks included.

    Keras has no public recursive walk over the sub-layers of custom
    layers, so this follows `Model.layers` and the Layer-valued attributes
    (and lists of layers) that the shared blocks hold their parts in.
    """
    seen = set() if seen is None else seen
    children = list(layer.layers) if isinstance(layer, keras.Model) else []
    for value in vars(layer).values():
        if isinstance(value, keras.layers.Layer):
            children.append(value)
        elif isinstance(value, (list, tuple)):
            children.extend(item for item in value if isinstance(item, keras.layers.Layer))
    found = []
    for child in children:
        if id(child) in seen or child is layer:
            continue
        seen.add(id(child))
        found.append(child)
        found.extend(walk_layers(child, seen))
    return found
