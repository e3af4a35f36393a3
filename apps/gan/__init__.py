"""GAN app: a DCGAN and (denoising, variational) autoencoders, scored by FID/KID.

Python API (the CLI's options as keyword arguments)::

    import apps.gan as gan
    run = gan.train(epochs=10)                 # RunResult(path, metrics)
    model = gan.load(run.path)
    model.predict(["0", "1", "2"])             # DCGAN: noise seeds -> [{"seed": ..., "file": ...}]
    model.predict(["digit.png"])               # autoencoder: [{"file", "reconstruction", "mse"}]
    gan.export(run.path, "out/")

`RUN/model.keras` (`keras.saving.load_model(..., safe_mode=True)` after
`import apps`) takes the raw inputs itself: a DCGAN's integer noise seeds
(and labels) -> uint8 images; an autoencoder's encoded image bytes ->
reconstructions (apps/gan/serving.py).
"""

from shared.app import python_api

DESCRIPTION = "image generation: DCGAN (EMA, conditional) and autoencoders, FID/KID/class coverage"
METRIC = "fid"
DEMO_ARGS = ["--epochs", "10"]

# train, load, export, main: from apps.gan.app, imported on first use so
# that `python -m apps list` and `apps.gan.config` stay light.
__getattr__ = python_api(__name__, "apps.gan.app")
