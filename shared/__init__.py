"""annsuite's shared package: layers, callbacks, training runner, CLI, export.

Apps build on this package; it never imports an app. Importing it selects
the TensorFlow backend for Keras (export writes TensorFlow SavedModels) and
imports TensorFlow with its C++ start-up chatter (CUDA probing on machines
without a GPU, CPU feature notes) sent to /dev/null, so that a command's
stderr holds only what the command says. Set ANNSUITE_TF_LOGS=1 to see it.
"""

import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"


def _import_tensorflow_quietly():
    if "tensorflow" in sys.modules or os.environ.get("ANNSUITE_TF_LOGS") == "1":
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow as tf  # deferred on purpose: imported with stderr sent to /dev/null

        tf.config.list_physical_devices("GPU")  # the CUDA probe logs now, not later
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


_import_tensorflow_quietly()
