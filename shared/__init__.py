"""annsuite's shared package: layers, callbacks, training runner, CLI, export.

Apps build on this package; it never imports an app. Importing it only sets
quiet defaults for TensorFlow's C++ logging and selects the TensorFlow
backend for Keras (export writes TensorFlow SavedModels), unless the user set
them already.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
