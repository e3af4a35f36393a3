"""Memory: the Neural Turing Machine (an LSTM controller with an external memory) vs an LSTM.

Python API (the CLI's options as keyword arguments)::

    import apps.memory as memory
    run = memory.train(task="copy", epochs=2)   # RunResult(path, metrics)
    model = memory.load(run.path)
    model.predict([], length=40)                # [{"length": 40, "bit_errors": ..., "output": "0110... ..."}]
    model.predict(["sequences.npz"])            # a user's file in the documented layout
    memory.export(run.path, "out/")             # SavedModel: sequences in, outputs and weightings out
    # RUN/model.keras alone (after `import apps`): (B, T, bits + 2) sequences in,
    # {"probabilities", "bits", "read_weights", "write_weights"} out
"""

from shared.app import python_api

DESCRIPTION = "external memory: Neural Turing Machine vs LSTM on copy, repeat copy and associative recall"
METRIC = "bit_errors_train"
DEMO_ARGS = ["--epochs", "3", "--steps-per-epoch", "40", "--max-length", "5", "--test-sequences", "32"]

# train, load, export, main: from apps.memory.app, imported on first use so
# that `python -m apps list` and `apps.memory.config` stay light.
__getattr__ = python_api(__name__, "apps.memory.app")
