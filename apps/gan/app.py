"""The GAN app's App declaration: a DCGAN or an autoencoder on the shared lifecycle."""

from __future__ import annotations

import dataclasses
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import tensorflow as tf

from apps.gan import autoencoder as ae
from apps.gan.arguments import evaluate_arguments, predict_arguments
from apps.gan.config import GanConfig
from apps.gan.data import GanData, detect_format, load_data
from apps.gan.defaults import data_defaults
from apps.gan.evaluation import QualityMetrics, held_out_metrics, make_scorers, score_run
from apps.gan.inference import (
    code_statistics,
    epoch_images,
    generate_files,
    make_generator,
    noise_seeds,
    reconstruct_files,
    write_figures,
)
from apps.gan.model import build_dcgan, compile_dcgan
from apps.gan.quality import Scorer
from apps.gan.serving import (
    autoencoder_inference_model,
    dcgan_inference_model,
    export_autoencoder,
    export_generator,
    image_spec,
)
from apps.gan.verbs import extra_verbs, run_generator
from shared.app import App, rows_to_csv
from shared.callbacks import ImageLogger
from shared.cli import Verb
from shared.data import make_dataset
from shared.errors import UsageError
from shared.images import save_png
from shared.records import write_json

log = logging.getLogger("annsuite")

STATISTICS_IMAGES = 1000  # training images the autoencoder's code Gaussian is fitted to while training
EXAMPLES = 16  # held-out images kept in the run folder (autoencoder: the export's parity check)
EXAMPLES_FOLDER = "examples"
PARITY_IMAGES = 8


@dataclass
class Training:
    """What the hooks of one `train` share.

    Attributes:
        images: the loaded data.
        monitor: the Scorer against training images (model selection), once the run folder exists.
        scorer: the Scorer against the test split (the final model only).
        epochs: the epochs trained (the step of the final TensorBoard image).
    """

    images: GanData
    monitor: Scorer | None = None
    scorer: Scorer | None = None
    epochs: int = 0

    @property
    def skipped(self):
        return self.images.skipped


class GanApp(App):
    name = "gan"
    description = "Image generation: DCGAN and autoencoders."
    config_class = GanConfig
    monitor = "fid"  # the DCGAN's; `monitor_for` gives the one of each run
    mode = "min"
    train_help = "train a DCGAN or an autoencoder (default data: scikit-learn digits)"
    predict_help = "DCGAN: one PNG per noise seed; autoencoder: reconstructions of image files (CSV rows)"
    inputs_help = "DCGAN: noise seeds (integers); autoencoder: image files or folders"

    # ---- data ----
    def scan(self, config):
        return {"format": detect_format(config.data)}

    def load_data(self, config):
        return Training(load_data(config))

    def profile(self, data):
        shape = data.images.image_shape
        return {"train_images": len(data.images.x_train), "image_size": int(shape[0]), "channels": int(shape[-1])}

    def defaults(self, profile, config):
        return data_defaults(profile, config)

    # ---- training ----
    def on_run_start(self, run, data):
        images = data.images
        # For people: written from the data, never read back (model.keras carries what the verbs need).
        write_json(run.path / "data.json", {
            "class_names": images.class_names, "image_shape": list(images.image_shape),
            "source": images.source, "labelled": images.labelled})
        if run.config.model == "autoencoder":  # held-out images: the export's parity check
            for index, image in enumerate(images.x_test[:EXAMPLES]):
                save_png(image, run.path / EXAMPLES_FOLDER / f"test-{index:03d}.png")
        data.monitor, data.scorer = make_scorers(run.path, images, run.config)

    def build_task(self, config, data):
        if config.model == "dcgan":
            return build_dcgan(config, data.images.image_shape, len(data.images.class_names))
        return ae.build_autoencoder(config, data.images.image_shape)

    def datasets(self, config, data):
        images = data.images
        if config.model == "dcgan":
            return make_dataset(images.x_train, images.y_train, config.batch_size, shuffle=True,
                                seed=config.seed), None
        cut = max(1, len(images.x_train) // 10)
        x_fit, x_val = images.x_train[cut:], images.x_train[:cut]
        return (make_dataset(x_fit, x_fit / 255.0, config.batch_size, shuffle=True, seed=config.seed),
                make_dataset(x_val, x_val / 255.0, config.batch_size))

    def train_examples(self, data):
        return len(data.images.x_train)

    def generator_of(self, config, images):
        """model -> its Generator (the autoencoder's code Gaussian fitted to training images)."""
        def generator_of(model):
            return make_generator(model, config, images.x_train[:STATISTICS_IMAGES], len(images.class_names))
        return generator_of

    def callbacks(self, run, data, task):
        config = run.config
        generator_of = self.generator_of(config, data.images)
        return [QualityMetrics(run.path, data.monitor, generator_of, config.fid_samples, config.fid_every),
                ImageLogger(run.path, epoch_images(generator_of, data.images.x_test[:16]), subdir="train")]

    def compile(self, task, phase, config, steps):
        if config.model == "autoencoder":
            ae.compile_autoencoder(task, phase.learning_rate)
            return
        # XLA only on one device: called in the strategy scope, so this is the run's strategy.
        single = tf.distribute.get_strategy().num_replicas_in_sync == 1
        compile_dcgan(task, phase.learning_rate, decay_steps=steps * phase.epochs if config.lr_decay else None,
                      jit_compile=single)

    def monitor_for(self, config):
        # The best checkpoint's monitor depends on the model: the DCGAN has no validation loss.
        return ("fid", "min") if config.model == "dcgan" else ("val_loss", "min")

    def fit(self, run, data, task):
        data.epochs = super().fit(run, data, task)  # the step of the final TensorBoard image
        return data.epochs

    def test_metrics(self, model, data, config):
        generator = self.generator_of(config, data.images)(model)
        return held_out_metrics(generator, data.scorer, data.images.x_test, config)

    def summary(self, run, data, model):
        """The model kind in metrics.json; the figures of the best model."""
        config, images = run.config, data.images
        write_figures(run.path, self.generator_of(config, images)(model), data.epochs)
        return {**super().summary(run, data, model), "model": config.model}

    # ---- a trained run: model.keras carries the image size, channels, classes, code Gaussian ----
    def inference_model(self, network, data, config):
        """DCGAN: seeds (and labels) -> uint8 images; autoencoder: image bytes -> reconstructions."""
        images = data.images
        if config.model == "dcgan":
            return dcgan_inference_model(network, images.image_shape, images.class_names)
        mean, cov = code_statistics(network, images.x_train, config.variational)
        return autoencoder_inference_model(network, images.image_shape, mean, cov)

    def evaluate(self, trained, data=None, skip_bad=False, samples=None):
        """FID, KID and class coverage of the run's samples (held-out split of `data`); into metrics.json."""
        config = dataclasses.replace(trained.config, skip_bad=skip_bad)
        loaded = load_data(config, data) if data else load_data(config)
        size, channels = image_spec(trained.model)
        if loaded.x_test.shape[1:] != (shape := (size, size, channels)):
            raise UsageError(f"--data {data}: images of {loaded.x_test.shape[1:]} do not fit the run's {shape}")
        return score_run(trained.path, run_generator(trained), loaded, samples or config.fid_samples, config.seed)

    def predict_rows(self, trained, inputs, out=None, label=None, skip_bad=False):
        """DCGAN: seed, (label,) file of one image per noise seed; autoencoder: file,
        reconstruction, mse of each image. PNGs in `out` (default <run>/predictions)."""
        folder = Path(out) if out else trained.path / "predictions"
        if trained.config.model == "autoencoder":
            return reconstruct_files(trained.model, inputs, folder, skip_bad)[0]
        return generate_files(trained.model, noise_seeds(inputs), label, folder)

    def export(self, trained, out):
        if trained.config.model == "dcgan":
            return export_generator(trained.model, out)
        examples = sorted((trained.path / EXAMPLES_FOLDER).glob("*.png"))[:PARITY_IMAGES]
        return export_autoencoder(trained.model, [path.read_bytes() for path in examples], out)

    # ---- command line ----
    def predict_arguments(self, parser):
        predict_arguments(parser, self.inputs_help)

    def predict_options(self, args):
        return args.inputs, {"out": args.out, "label": args.label, "skip_bad": args.skip_bad}

    def write_predictions(self, trained, rows, args):
        """The rows as CSV on stdout and in `<out>/predictions.csv`."""
        path = (Path(args.out) if args.out else trained.path / "predictions") / "predictions.csv"
        text = rows_to_csv(rows)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        sys.stdout.write(text)
        return {"predictions": rows, "path": str(path)}

    def verbs(self):
        """The shared verbs with the GAN's evaluate and export help, and its own verbs, in order."""
        verbs = {verb.name: verb for verb in super().verbs()}
        verbs["evaluate"] = Verb("evaluate", "FID, KID, class coverage of a run's samples -> metrics.json",
                                 self.evaluate_verb, evaluate_arguments)
        verbs["export"] = dataclasses.replace(
            verbs["export"], help="SavedModel: noise (and class) -> uint8 images; encoder and decoder")
        order = ("train", "evaluate", "predict", "sample", "reconstruct", "export", "export-encoder")
        return [verbs[name] for name in order]

    def extra_verbs(self):
        return extra_verbs(self)

    def evaluate_verb(self, args):
        return self.evaluate(self.load(args.run), args.data, skip_bad=args.skip_bad, samples=args.samples)


APP = GanApp()
