"""The memory app's layers: the Neural Turing Machine cell and its read-out.

`NTMCell` is one step of a Neural Turing Machine (Graves, Wayne and Danihelka
2014, "Neural Turing Machines", arXiv:1410.5401) for `keras.layers.RNN`: a
controller (an LSTM cell or a dense layer) reads the step's input and the
previous read vectors, and emits the parameters of each head. Every head
finds its weighting over the `memory_size` slots in four stages (the
paper's section 3.3):

1. content: cosine similarity of a key with each slot (an epsilon in the
   denominator), sharpened by the key strength beta = softplus(.), softmax;
2. interpolation with the head's previous weighting by a gate g = sigmoid(.);
3. a circular convolution with a softmax over the shifts -S..S;
4. sharpening by gamma = 1 + softplus(.) >= 1, then renormalisation.

Read heads return `r = sum_i w_i M_i` (on the memory before this step's
writes); write heads then erase (`M_i *= 1 - w_i e`) and add (`M_i += w_i a`).

Initial state (the choice matters for stability, Collier and Beel 2018): the
memory starts at a small constant (1e-6) in every slot, not learned and not
random; the previous weightings start sharp on slot 0 (so that shifts have a
place to start from); the initial read vectors are learned.

`import apps` imports this module, so `keras.saving.load_model(...,
safe_mode=True)` finds these layers and the training metric
`bit_errors_per_step` that checkpoints/best.keras compiles with.
"""

from __future__ import annotations

import keras
from keras import ops

EPSILON = 1e-6
MEMORY_INIT = 1e-6
CLIP = 20.0  # head parameters are clipped to [-CLIP, CLIP] before their activations
CONTROLLERS = ("lstm", "dense")


def safe_norm(x, axis=-1, keepdims=False):
    """Euclidean norm whose gradient stays finite at 0."""
    return ops.sqrt(ops.sum(ops.square(x), axis=axis, keepdims=keepdims) + 1e-12)


def cosine_similarity(key, memory):
    """key (B, M), memory (B, N, M) -> (B, N) cosine similarity, epsilon in the denominator."""
    dot = ops.einsum("bm,bnm->bn", key, memory)
    norms = safe_norm(memory) * safe_norm(key, keepdims=True)
    return dot / (norms + EPSILON)


def circular_shift(weights, shift):
    """weights (B, N), shift (B, 2S+1) over shifts -S..S -> sum_k shift_k * roll(weights, k - S)."""
    radius = (shift.shape[-1] - 1) // 2
    rolled = [ops.roll(weights, offset, axis=-1) for offset in range(-radius, radius + 1)]
    return ops.einsum("bkn,bk->bn", ops.stack(rolled, axis=1), shift)


def address(memory, previous, key, beta, gate, shift, gamma):
    """One head's new weighting (B, N) from its activated parameters (the four stages)."""
    content = ops.softmax(beta * cosine_similarity(key, memory), axis=-1)
    gated = gate * content + (1.0 - gate) * previous
    shifted = circular_shift(gated, shift)
    sharpened = ops.power(shifted + EPSILON, gamma)
    return sharpened / ops.sum(sharpened, axis=-1, keepdims=True)


@keras.saving.register_keras_serializable(package="annsuite")
def bit_errors_per_step(y_true, y_pred):
    """Wrong bits of each step (B, T) from logits (a bit is 1 where its logit is > 0)."""
    wrong = ops.not_equal(ops.cast(y_pred > 0, "float32"), ops.cast(y_true > 0.5, "float32"))
    return ops.sum(ops.cast(wrong, "float32"), axis=-1)


@keras.saving.register_keras_serializable(package="annsuite")
class NTMCell(keras.layers.Layer):
    """One step of a Neural Turing Machine, for `keras.layers.RNN`.

    The step's output is `[h, reads, read weightings, write weightings]`
    concatenated: `units + read_heads * memory_width + (read_heads +
    write_heads) * memory_size` values (`NTMReadout` splits them).

    Args:
        units: controller size (LSTM units or dense units).
        memory_size: N, the number of memory slots.
        memory_width: M, the size of each slot.
        read_heads: number of read heads.
        write_heads: number of write heads.
        shift_range: S, the largest shift of a head per step (shifts -S..S).
        controller: "lstm" or "dense" (a feed-forward controller).
        **kwargs: standard layer arguments.

    Example:
        >>> cell = NTMCell(units=32, memory_size=16, memory_width=8)
        >>> outputs = keras.layers.RNN(cell, return_sequences=True)(np.zeros((2, 5, 4), "float32"))
    """

    def __init__(self, units=100, memory_size=64, memory_width=20, read_heads=1, write_heads=1,
                 shift_range=1, controller="lstm", **kwargs):
        super().__init__(**kwargs)
        for name, value in (("units", units), ("memory_size", memory_size), ("memory_width", memory_width),
                            ("read_heads", read_heads), ("write_heads", write_heads)):
            if int(value) < 1:
                raise ValueError(f"{name} must be >= 1, got {value!r}")
        if not 0 <= int(shift_range) < int(memory_size) / 2:
            raise ValueError(f"shift_range must be in [0, memory_size / 2), got {shift_range!r}")
        if controller not in CONTROLLERS:
            raise ValueError(f"controller must be one of {', '.join(CONTROLLERS)}; got {controller!r}")
        self.units, self.memory_size, self.memory_width = int(units), int(memory_size), int(memory_width)
        self.read_heads, self.write_heads = int(read_heads), int(write_heads)
        self.shift_range, self.controller = int(shift_range), controller
        if controller == "lstm":
            self.controller_layer = keras.layers.LSTMCell(self.units, name="controller")
        else:
            self.controller_layer = keras.layers.Dense(self.units, activation="relu", name="controller")
        self.head_layer = keras.layers.Dense(self.head_parameters, name="heads")
        self.read_init = None

    # ---- sizes -----------------------------------------------------------
    @property
    def addressing_size(self):
        """key (M), beta, gate, shift (2S+1), gamma of one head."""
        return self.memory_width + 3 + 2 * self.shift_range + 1

    @property
    def head_parameters(self):
        heads = self.read_heads + self.write_heads
        return heads * self.addressing_size + self.write_heads * 2 * self.memory_width

    @property
    def controller_state_sizes(self):
        return [self.units, self.units] if self.controller == "lstm" else []

    @property
    def state_size(self):
        heads = self.read_heads + self.write_heads
        return [*self.controller_state_sizes, self.memory_size * self.memory_width,
                self.read_heads * self.memory_width, heads * self.memory_size]

    @property
    def output_size(self):
        heads = self.read_heads + self.write_heads
        return self.units + self.read_heads * self.memory_width + heads * self.memory_size

    # ---- weights -----------------------------------------------------------
    def build(self, input_shape):
        features = int(input_shape[-1]) + self.read_heads * self.memory_width
        self.controller_layer.build((None, features))
        self.head_layer.build((None, self.units))
        self.read_init = self.add_weight(name="read_init", shape=(self.read_heads * self.memory_width,),
                                         initializer=keras.initializers.RandomNormal(stddev=0.5))
        self.built = True

    def get_initial_state(self, batch_size=None):
        heads = self.read_heads + self.write_heads
        controller = [ops.zeros((batch_size, size)) for size in self.controller_state_sizes]
        memory = ops.full((batch_size, self.memory_size * self.memory_width), MEMORY_INIT)
        reads = ops.tile(ops.tanh(self.read_init)[None, :], (batch_size, 1))
        first_slot = ops.one_hot(ops.zeros((heads,), "int32"), self.memory_size)  # (heads, N)
        weights = ops.tile(ops.reshape(first_slot, (1, -1)), (batch_size, 1))
        return [*controller, memory, reads, weights]

    # ---- one step ----------------------------------------------------------
    def split_heads(self, parameters):
        """Head parameters (B, P) -> per head (key, beta, gate, shift, gamma), erase and add vectors."""
        parameters = ops.clip(parameters, -CLIP, CLIP)
        m, shifts = self.memory_width, 2 * self.shift_range + 1
        heads, offset = [], 0
        for _ in range(self.read_heads + self.write_heads):
            chunk = parameters[:, offset:offset + self.addressing_size]
            offset += self.addressing_size
            heads.append((ops.tanh(chunk[:, :m]), ops.softplus(chunk[:, m:m + 1]),
                          ops.sigmoid(chunk[:, m + 1:m + 2]), ops.softmax(chunk[:, m + 2:m + 2 + shifts], axis=-1),
                          1.0 + ops.softplus(chunk[:, m + 2 + shifts:m + 3 + shifts])))
        writes = []
        for _ in range(self.write_heads):
            writes.append((ops.sigmoid(parameters[:, offset:offset + m]),
                           ops.tanh(parameters[:, offset + m:offset + 2 * m])))
            offset += 2 * m
        return heads, writes

    def run_controller(self, inputs, reads, states):
        features = ops.concatenate([inputs, reads], axis=-1)
        if self.controller == "lstm":
            output, new_states = self.controller_layer(features, states)
            return output, list(new_states)
        return self.controller_layer(features), []

    def call(self, inputs, states, training=False):
        count = len(self.controller_state_sizes)
        controller_states, (memory, reads, weights) = list(states[:count]), states[count:]
        n, m = self.memory_size, self.memory_width
        memory = ops.reshape(memory, (-1, n, m))
        previous = ops.reshape(weights, (-1, self.read_heads + self.write_heads, n))
        hidden, controller_states = self.run_controller(inputs, reads, controller_states)
        heads, writes = self.split_heads(self.head_layer(hidden))
        new_weights = [address(memory, previous[:, index], *head) for index, head in enumerate(heads)]
        read_weights, write_weights = new_weights[:self.read_heads], new_weights[self.read_heads:]
        new_reads = [ops.einsum("bn,bnm->bm", weight, memory) for weight in read_weights]
        for weight, (erase, add) in zip(write_weights, writes):
            memory = memory * (1.0 - weight[:, :, None] * erase[:, None, :]) + weight[:, :, None] * add[:, None, :]
        reads = ops.concatenate(new_reads, axis=-1)
        weights = ops.concatenate(new_weights, axis=-1)
        output = ops.concatenate([hidden, reads, weights], axis=-1)
        return output, [*controller_states, ops.reshape(memory, (-1, n * m)), reads, weights]

    def get_config(self):
        return {**super().get_config(), "units": self.units, "memory_size": self.memory_size,
                "memory_width": self.memory_width, "read_heads": self.read_heads,
                "write_heads": self.write_heads, "shift_range": self.shift_range, "controller": self.controller}


@keras.saving.register_keras_serializable(package="annsuite")
class NTMReadout(keras.layers.Layer):
    """Split an `NTMCell` sequence output (B, T, F) into its named parts.

    Args:
        units: the cell's controller size.
        memory_size: the cell's N.
        memory_width: the cell's M.
        read_heads: the cell's read heads.
        write_heads: the cell's write heads.
        **kwargs: standard layer arguments.

    Returns {"features": (B, T, units + R*M) controller output and reads,
    "read_weights": (B, T, R, N), "write_weights": (B, T, W, N)}.
    """

    def __init__(self, units, memory_size, memory_width, read_heads=1, write_heads=1, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.units, self.memory_size, self.memory_width = int(units), int(memory_size), int(memory_width)
        self.read_heads, self.write_heads = int(read_heads), int(write_heads)

    def build(self, input_shape):
        self.built = True

    def call(self, sequence):
        features = self.units + self.read_heads * self.memory_width
        reads_end = features + self.read_heads * self.memory_size
        shape = ops.shape(sequence)
        read = ops.reshape(sequence[:, :, features:reads_end], (shape[0], shape[1], self.read_heads, self.memory_size))
        write = ops.reshape(sequence[:, :, reads_end:], (shape[0], shape[1], self.write_heads, self.memory_size))
        return {"features": sequence[:, :, :features], "read_weights": read, "write_weights": write}

    def compute_output_spec(self, sequence):
        batch, steps = sequence.shape[0], sequence.shape[1]
        return {"features": keras.KerasTensor((batch, steps, self.units + self.read_heads * self.memory_width)),
                "read_weights": keras.KerasTensor((batch, steps, self.read_heads, self.memory_size)),
                "write_weights": keras.KerasTensor((batch, steps, self.write_heads, self.memory_size))}

    def get_config(self):
        return {**super().get_config(), "units": self.units, "memory_size": self.memory_size,
                "memory_width": self.memory_width, "read_heads": self.read_heads, "write_heads": self.write_heads}


@keras.saving.register_keras_serializable(package="annsuite")
class Threshold(keras.layers.Layer):
    """Probabilities -> int32 bits, 1 where the probability is above `threshold`.

    Args:
        threshold: the probability above which a bit is 1.
        **kwargs: standard layer arguments.
    """

    def __init__(self, threshold=0.5, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        if not 0.0 < float(threshold) < 1.0:
            raise ValueError(f"threshold must be in (0, 1), got {threshold!r}")
        self.threshold = float(threshold)

    def build(self, input_shape):
        self.built = True

    def call(self, probabilities):
        return ops.cast(probabilities > self.threshold, "int32")

    def compute_output_spec(self, probabilities):
        return keras.KerasTensor(probabilities.shape, dtype="int32")

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}
