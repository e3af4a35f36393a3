"""The segmenter's App declaration: its hooks on the shared lifecycle."""

from __future__ import annotations

import dataclasses
import logging
import sys
import weakref
from pathlib import Path

import numpy as np

from apps.segmenter import defaults, figures
from apps.segmenter.config import SegmenterConfig
from apps.segmenter.data import class_weights, load_data, make_dataset
from apps.segmenter.evaluation import evaluate_model
from apps.segmenter.model import build_model, compile_model
from apps.segmenter.serving import export_model, image_spec, inference_model, mask_values, segment
from shared.app import App, Phase, fine_tune_phases
from shared.callbacks import ImageLogger
from shared.cli import add_run_argument
from shared.data import BadInputs, list_input_files, read_image
from shared.errors import DataError, UsageError
from shared.images import encode_png, save_png
from shared.records import write_json

log = logging.getLogger("annsuite")

PARITY_IMAGES = 4
EXAMPLES_FOLDER = "examples"
VERB_HELP = {"evaluate": "mean IoU and pixel accuracy of a trained run on held-out data",
             "export": "SavedModel: encoded image bytes -> class-id mask at the input's size"}


def evaluate_arguments(parser):
    add_run_argument(parser)
    parser.add_argument("--data", help="evaluate on every pair of this data folder instead")


def predictions_folder(trained, out=None):
    """Where `predict` writes the PNGs: `out`, or <run>/predictions."""
    return Path(out) if out else trained.path / "predictions"


def segment_file(model, path, image, class_names, folder):
    """Segment one image at its own size (model.keras); write its mask and overlay PNGs; its row.

    A run whose masks were mapped (0/255...) also writes `<stem>_values.png`: the mask in the
    data's original values."""
    colours = figures.palette(len(class_names))
    outputs = segment(model, [encode_png(image)])
    ids, shares = outputs["class_ids"][0], outputs["class_shares"][0]
    mask_path = save_png(figures.colour_mask(ids, colours), folder / f"{path.stem}_mask.png")
    overlay_path = save_png(figures.overlay(image, ids, colours), folder / f"{path.stem}_overlay.png")
    row = {"file": str(path), "mask": str(mask_path), "overlay": str(overlay_path)}
    if mask_values(model) is not None and max(mask_values(model)) <= 255:
        row["values"] = str(save_png(outputs["mask"][0].astype("uint8"), folder / f"{path.stem}_values.png"))
    row["class_shares"] = {name: round(float(share), 4) for name, share in zip(class_names, shares, strict=True)}
    return row


class SegmenterApp(App):
    name = "segmenter"
    description = "Semantic segmentation: U-Net and FCN."
    config_class = SegmenterConfig
    monitor = "val_mean_iou"
    mode = "max"
    train_help = "train a segmenter (default data: generated shape scenes)"
    predict_help = "segment image files: colour masks and overlays as PNG"
    inputs_help = "image files or folders"

    def __init__(self):
        # The pretrained encoder of each backbone U-Net, for its phases. Not an
        # attribute of the Keras model: Keras would save it into the checkpoint.
        self.backbones = weakref.WeakKeyDictionary()

    # ---- data ----
    def scan(self, config):
        return defaults.scan(config)

    def profile(self, data):
        return {"train_examples": len(data.x_train), "mask_values": data.mask_values,
                "mask_reason": data.mask_reason}

    def defaults(self, profile, config):
        return defaults.resolve_defaults(profile, config)

    def load_data(self, config):
        data = load_data(config)
        class_weights(config, data)  # weights that do not match the classes fail before the run folder
        return data

    # ---- training ----
    def on_run_start(self, run, data):
        # For people: written from the data, never read back (model.keras carries the names and size).
        write_json(run.path / "labels.json", {
            "class_names": data.class_names, "image_size": int(data.x_train.shape[1]),
            "ignore_index": data.ignore_index, "source": data.source, "mask_values": data.mask_values})
        images = next((x for x in (data.x_test, data.x_val, data.x_train) if len(x)), data.x_train)
        for index, image in enumerate(images[:PARITY_IMAGES]):  # held-out images: the export's parity check
            save_png(image, run.path / EXAMPLES_FOLDER / f"test-{index:03d}.png")

    def inference_model(self, network, data, config):
        """Encoded image bytes -> mask, probabilities and class shares at the input's size."""
        return inference_model(network, int(data.x_train.shape[1]), data.class_names, data.mask_values,
                               config.tile)

    def build_task(self, config, data):
        shape = tuple(data.x_train.shape[1:])
        if not config.backbone:  # fully convolutional: trained on crops, applied to whole images and tiles
            shape = (None, None, shape[-1])
        model, backbone = build_model(config, shape, data.num_classes)
        if backbone is not None:
            self.backbones[model] = backbone
        return model

    def datasets(self, config, data):
        pixel_weights = class_weights(config, data) if config.loss == "ce" else None
        train = make_dataset(data.x_train, data.y_train, config.batch_size, shuffle=True, seed=config.seed,
                             augment=config.augment, weights=pixel_weights, ignore_index=data.ignore_index,
                             crop=None if config.backbone else config.crop, scale=config.augment_scale,
                             jitter=config.jitter)
        return train, make_dataset(data.x_val, data.y_val, config.batch_size)

    def callbacks(self, run, data, task):
        return [ImageLogger(run.path, figures.epoch_images(data.x_val, data.y_val, data.class_names))]

    def phases(self, config, data, task):
        options = {"class_names": data.class_names, "ignore_index": data.ignore_index,
                   "class_weights": class_weights(config, data)}
        backbone = self.backbones.get(task)
        if backbone is None:
            return [Phase("train", config.epochs, config.learning_rate, decay=True, options=options)]
        decoder, tune = fine_tune_phases(backbone, epochs=config.epochs,
                                         fine_tune_epochs=config.fine_tune_epochs,
                                         learning_rate=config.learning_rate,
                                         unfreeze_blocks=config.unfreeze_blocks)
        decoder.name = "decoder"  # the name in history.csv and backup/ of segmenter runs
        for phase in (decoder, tune):
            phase.options = options
        return [decoder, tune]

    def compile(self, task, phase, config, steps):
        decay_steps = steps * max(phase.epochs, 1) if phase.decay else None
        compile_model(task, config, learning_rate=phase.learning_rate, decay_steps=decay_steps,
                      **phase.options)

    def test_metrics(self, model, data, config):
        return evaluate_model(model, data.x_test, data.y_test, data.class_names, data.ignore_index)

    def summary(self, run, data, model):
        return {**super().summary(run, data, model), "model": run.config.model,
                "class_names": data.class_names}

    # ---- a trained run: model.keras carries the image size and the class names ----
    def trained_config(self, trained, skip_bad=False):
        return dataclasses.replace(trained.config, image_size=image_spec(trained.model)[0], skip_bad=skip_bad)

    def evaluate(self, trained, data=None, skip_bad=False):
        """mean IoU, pixel accuracy and per-class IoU on the test split or all of `data`."""
        config = self.trained_config(trained, skip_bad)
        if data:
            config = dataclasses.replace(config, data=data, max_train_samples=None)
        loaded = load_data(config)
        names = image_spec(trained.model)[1]
        if loaded.class_names != names:
            raise UsageError(f"--data {data}: classes {loaded.class_names} differ from the run's {names}")
        x = np.concatenate([loaded.x_train, loaded.x_val, loaded.x_test]) if data else loaded.x_test
        y = np.concatenate([loaded.y_train, loaded.y_val, loaded.y_test]) if data else loaded.y_test
        test = evaluate_model(trained.network, x, y, names, loaded.ignore_index)
        result = {"test": {**test, "examples": len(x)}, "data": data or "held-out test split"}
        write_json(trained.path / "evaluation.json", result)
        log.info("evaluation: %s", result["test"])
        return result

    def predict_rows(self, trained, inputs, out=None, skip_bad=False):
        """Colour mask and overlay PNGs of each image (at its size) in `out`; one row each."""
        folder = predictions_folder(trained, out)
        folder.mkdir(parents=True, exist_ok=True)
        names = image_spec(trained.model)[1]
        bad, rows = BadInputs(skip_bad), []
        for path in list_input_files(inputs):
            try:
                image = read_image(path, 3)
            except DataError as error:
                bad.report(error)
                continue
            rows.append(segment_file(trained.model, path, image, names, folder))
        bad.summary()
        return rows

    def export(self, trained, out):
        examples = sorted((trained.path / EXAMPLES_FOLDER).glob("*.png"))[:PARITY_IMAGES]
        if not examples:
            raise UsageError(f"{trained.path}: no {EXAMPLES_FOLDER}/ images for the export's check; train it again")
        return export_model(trained.model, [path.read_bytes() for path in examples], out)

    # ---- command line ----
    def verbs(self):
        verbs = super().verbs()
        for verb in verbs:
            verb.help = VERB_HELP.get(verb.name, verb.help)
            if verb.name == "evaluate":
                verb.add_arguments = evaluate_arguments
        return verbs

    def predict_arguments(self, parser):
        add_run_argument(parser)
        parser.add_argument("inputs", nargs="+", metavar="INPUT", help=self.inputs_help)
        parser.add_argument("--out", help="folder of the PNG masks and overlays (default: <run>/predictions)")

    def predict_options(self, args):
        return args.inputs, {"out": args.out, "skip_bad": args.skip_bad}

    def write_predictions(self, trained, rows, args):
        """One line per image on stdout: the input, its mask and its overlay."""
        for row in rows:
            sys.stdout.write(f"{row['file']}\t{row['mask']}\t{row['overlay']}\n")
        return {"predictions": rows, "path": str(predictions_folder(trained, args.out))}


APP = SegmenterApp()
