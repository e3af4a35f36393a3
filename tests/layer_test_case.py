"""`run_layer_test`: the one harness every layer test uses (as keras-hub's TestCase).

For a layer class, its constructor arguments and an input it accepts, it
checks what every serializable annsuite layer must do:
1. every constructor argument comes back from `get_config` with its value,
   and every documented argument is in the config;
2. `from_config(get_config())` gives the same config (idempotent);
3. the symbolic output shape (a Functional model) equals the eager one;
4. a model holding the layer saves to `.keras` and reloads with
   `safe_mode=True` to equal outputs and the same number of weights;
5. one `fit` step moves the trainable weights (when the layer has any).
"""

from __future__ import annotations

import inspect
import tempfile
from pathlib import Path

import keras
import numpy as np


def normalise(value):
    """Compare initializers, regularizers and serialized objects by their config."""
    if isinstance(value, (keras.regularizers.Regularizer, keras.initializers.Initializer,
                          keras.layers.Layer)):
        return keras.saving.serialize_keras_object(value)
    if isinstance(value, dict) and "class_name" in value:
        return keras.saving.serialize_keras_object(keras.saving.deserialize_keras_object(value))
    if isinstance(value, str) and value.startswith(("glorot", "he_")):
        return keras.saving.serialize_keras_object(keras.initializers.get(value))
    if isinstance(value, tuple):
        return list(value)
    return value


def random_inputs(input_shape, seed=0):
    """Uniform [0, 1) float32 arrays of a shape or of a list of shapes."""
    rng = np.random.default_rng(seed)
    if isinstance(input_shape[0], (tuple, list)):
        return [rng.uniform(size=shape).astype("float32") for shape in input_shape]
    return rng.uniform(size=input_shape).astype("float32")


def as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def check_config(cls, init_kwargs):
    layer = cls(**init_kwargs)
    config = layer.get_config()
    for name, value in init_kwargs.items():
        assert name in config, f"{cls.__name__}.get_config() has no {name!r}"
        assert normalise(config[name]) == normalise(value), f"{cls.__name__}.get_config()[{name!r}]"
    documented = set(inspect.signature(cls.__init__).parameters) - {"self", "args", "kwargs"}
    assert documented <= set(config), f"{cls.__name__}: missing from get_config: {documented - set(config)}"
    clone = cls.from_config(config)
    assert clone.get_config() == config, f"{cls.__name__}: config round trip changed it"


def call_layer(layer, inputs, call_kwargs):
    """Several inputs are positional arguments, unless given as a tuple: one list argument."""
    if isinstance(inputs, tuple):
        return layer(list(inputs), **call_kwargs)
    return layer(*as_list(inputs), **call_kwargs)


def functional_model(cls, init_kwargs, inputs, call_kwargs):
    """A Functional model of the layer on inputs shaped (and typed) like `inputs`."""
    symbolic = [keras.Input(x.shape[1:], dtype="string" if x.dtype == object else str(x.dtype))
                for x in as_list(inputs)]
    layer = cls(**init_kwargs)
    outputs = call_layer(layer, type(inputs)(symbolic) if isinstance(inputs, (list, tuple)) else symbolic[0],
                         call_kwargs)
    return keras.Model(symbolic, outputs), layer


def output_shapes(outputs):
    return [tuple(y.shape) for y in keras.tree.flatten(outputs)]


def check_shapes(cls, init_kwargs, inputs, call_kwargs, expected_output_shape):
    model, _ = functional_model(cls, init_kwargs, inputs, call_kwargs)
    eager = output_shapes(call_layer(cls(**init_kwargs), inputs, call_kwargs))
    symbolic = output_shapes(model.outputs)
    assert [s[1:] for s in symbolic] == [e[1:] for e in eager], \
        f"{cls.__name__}: symbolic {symbolic} != eager {eager}"
    if expected_output_shape is not None:
        expected = expected_output_shape if isinstance(expected_output_shape, list) else [expected_output_shape]
        assert eager == [tuple(shape) for shape in expected], f"{cls.__name__}: output shape {eager}"


def check_save_and_reload(cls, init_kwargs, inputs, call_kwargs):
    model, _ = functional_model(cls, init_kwargs, inputs, call_kwargs)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "layer.keras"
        model.save(path)
        reloaded = keras.saving.load_model(path, safe_mode=True)
    expected = keras.tree.flatten(model(as_list(inputs), training=False))
    actual = keras.tree.flatten(reloaded(as_list(inputs), training=False))
    for want, got in zip(expected, actual, strict=True):
        want, got = np.asarray(want), np.asarray(got)
        if want.dtype.kind in "OSU":  # strings
            np.testing.assert_array_equal(want, got)
        else:
            np.testing.assert_allclose(want, got, rtol=1e-5, atol=1e-5)
    assert len(model.weights) == len(reloaded.weights)


def check_training_step(cls, init_kwargs, inputs, call_kwargs):
    model, layer = functional_model(cls, init_kwargs, inputs, call_kwargs)
    if not layer.trainable_weights:
        return
    outputs = keras.tree.flatten(model(as_list(inputs)))
    first = keras.layers.Flatten()(keras.tree.flatten(model.outputs)[0])
    head = keras.Model(model.inputs, keras.layers.Dense(1)(first))
    head.compile(keras.optimizers.SGD(0.1), "mse")
    before = [np.array(w.numpy()) for w in layer.trainable_weights]
    target = np.ones((len(np.asarray(outputs[0])), 1), "float32")
    head.fit(as_list(inputs), target, epochs=1, batch_size=len(target), verbose=0)
    moved = [not np.allclose(b, w.numpy()) for b, w in zip(before, layer.trainable_weights)]
    assert any(moved), f"{cls.__name__}: one fit step moved none of its weights"


def run_layer_test(cls, init_kwargs, input_shape=None, input_data=None, call_kwargs=None,
                   expected_output_shape=None, run_training_check=True):
    """Run the five checks of the module docstring on `cls(**init_kwargs)`.

    Args:
        cls: the layer class.
        init_kwargs: constructor arguments (non-default values find more bugs).
        input_shape: a shape with the batch axis, or a list of shapes for
            several inputs (random float32 data is made).
        input_data: the inputs themselves (integer ids, boxes, masks...),
            instead of `input_shape`. A list is passed as positional
            arguments (`layer(a, b)`), a tuple as one list (`layer([a, b])`).
        call_kwargs: keyword arguments of `call` (e.g. `training`).
        expected_output_shape: the eager output shape(s), batch included.
        run_training_check: whether to check that one fit step trains it.
    """
    inputs = input_data if input_data is not None else random_inputs(input_shape)
    if isinstance(input_shape, tuple) and input_shape and isinstance(input_shape[0], (tuple, list)):
        inputs = tuple(inputs)  # a tuple of shapes: the layer takes one list
    call_kwargs = dict(call_kwargs or {})
    check_config(cls, init_kwargs)
    check_shapes(cls, init_kwargs, inputs, call_kwargs, expected_output_shape)
    check_save_and_reload(cls, init_kwargs, inputs, call_kwargs)
    if run_training_check:
        check_training_step(cls, init_kwargs, inputs, call_kwargs)
