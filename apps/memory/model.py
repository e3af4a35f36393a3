"""The memory app's networks: the NTM, the LSTM baseline of the same size, model.keras.

Both networks map input sequences (B, T, W) to target-bit logits (B, T, bits)
and train with binary cross-entropy on the scored steps (sample weights),
Adam and gradient clipping by global norm. `inference_model` wraps the
trained layers into the model.keras a user loads: raw input sequences in,
{"probabilities", "bits"} out, and for the NTM the read and write
weightings of every step.
"""

from __future__ import annotations

import logging

import keras

from apps.memory.layers import NTMCell, NTMReadout, Threshold, bit_errors_per_step

log = logging.getLogger("annsuite")

INPUT = "sequence"


def ntm_layers(config):
    cell = NTMCell(units=config.units, memory_size=config.memory_size, memory_width=config.memory_width,
                   read_heads=config.read_heads, write_heads=config.write_heads, shift_range=config.shift_range,
                   controller=config.controller, name="ntm_cell")
    readout = NTMReadout(config.units, config.memory_size, config.memory_width, config.read_heads,
                         config.write_heads, name="readout")
    return keras.layers.RNN(cell, return_sequences=True, name="ntm"), readout


def build_ntm(config, input_width, bits):
    """Input sequences -> NTM -> Dense logits of the target bits."""
    inputs = keras.Input((None, input_width), name=INPUT)
    rnn, readout = ntm_layers(config)
    parts = readout(rnn(inputs))
    logits = keras.layers.Dense(bits, name="logits")(parts["features"])
    return keras.Model(inputs, logits, name="ntm_model")


def build_lstm(config, input_width, bits, units):
    """Input sequences -> `lstm_layers` stacked LSTMs of `units` -> Dense logits."""
    inputs = keras.Input((None, input_width), name=INPUT)
    hidden = inputs
    for index in range(config.lstm_layers):
        hidden = keras.layers.LSTM(units, return_sequences=True, name=f"lstm_{index + 1}")(hidden)
    logits = keras.layers.Dense(bits, name="logits")(hidden)
    return keras.Model(inputs, logits, name="lstm_model")


def lstm_parameters(layers, units, input_width, bits):
    """Weights of `build_lstm` (each LSTM: 4u(inputs + u + 1)) and its Dense head."""
    first = 4 * units * (input_width + units + 1)
    rest = (layers - 1) * 4 * units * (2 * units + 1)
    return first + rest + units * bits + bits


def matching_lstm_units(config, input_width, bits, target):
    """The units per layer whose stacked LSTM is closest to `target` parameters."""
    return min(range(1, 1025), key=lambda units: abs(lstm_parameters(config.lstm_layers, units, input_width, bits)
                                                     - target))


def ntm_parameters(config, input_width, bits):
    return build_ntm(config, input_width, bits).count_params()


def build_network(config, input_width, bits):
    """The network of `config.model` (the LSTM sized like the NTM unless --lstm-units)."""
    if config.model == "ntm":
        return build_ntm(config, input_width, bits)
    target = ntm_parameters(config, input_width, bits)
    units = config.lstm_units or matching_lstm_units(config, input_width, bits, target)
    model = build_lstm(config, input_width, bits, units)
    log.info("lstm baseline: %d layers of %d units, %d parameters (the NTM: %d)", config.lstm_layers, units,
             model.count_params(), target)
    return model


def learning_rate(config, total_steps):
    """The constant rate, or (--lr-decay) a cosine decay from it to 5% of it over `total_steps` batches."""
    if not config.lr_decay or not total_steps:
        return config.learning_rate
    return keras.optimizers.schedules.CosineDecay(config.learning_rate, decay_steps=int(total_steps), alpha=0.05)


def compile_network(model, config, total_steps=0):
    """Adam with global-norm clipping; XLA-compiled steps unless --no-jit-compile (the NTM step is many
    small ops: XLA fuses them, about 2.3x faster per batch on a CPU)."""
    optimizer = keras.optimizers.Adam(learning_rate(config, total_steps), global_clipnorm=config.clip_norm)
    model.compile(optimizer, keras.losses.BinaryCrossentropy(from_logits=True),
                  weighted_metrics=[keras.metrics.MeanMetricWrapper(bit_errors_per_step, name="bit_errors_per_step")],
                  jit_compile=config.jit_compile)


def inference_model(network):
    """model.keras: sequences (B, T, W) -> probabilities, bits (and the NTM's weightings)."""
    width = network.inputs[0].shape[-1]
    inputs = keras.Input((None, width), name=INPUT)
    outputs = {}
    if network.name == "ntm_model":
        parts = network.get_layer("readout")(network.get_layer("ntm")(inputs))
        logits = network.get_layer("logits")(parts["features"])
        outputs.update(read_weights=parts["read_weights"], write_weights=parts["write_weights"])
    else:
        logits = network(inputs)
    probabilities = keras.layers.Activation("sigmoid", name="probabilities")(logits)
    outputs.update(probabilities=probabilities,
                   bits=Threshold(name="bits")(probabilities))
    return keras.Model(inputs, outputs, name="memory_inference")
