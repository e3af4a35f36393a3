"""The classifier's App declaration: its hooks on the shared lifecycle."""

from __future__ import annotations

import dataclasses
import logging
import shutil

import keras
import numpy as np
import tensorflow as tf
from sklearn.model_selection import StratifiedKFold

from apps.classifier import explain, figures
from apps.classifier.config import ClassifierConfig
from apps.classifier.data import (
    detect_format,
    load_data,
    load_eval_data,
    one_hot_pipeline,
    read_inputs,
    scan_folder,
)
from apps.classifier.defaults import resolve_defaults
from apps.classifier.evaluation import accuracy, probabilities, scores
from apps.classifier.model import build_model, compile_model
from apps.classifier.serving import export_model
from apps.classifier.tuning import apply_entries, find_rate, saved_resolution
from shared.app import App, Phase, fine_tune_phases
from shared.augment import photo_augmenter
from shared.backbones import save_backbone
from shared.callbacks import ImageLogger
from shared.cli import Verb, add_run_argument
from shared.data import read_image_files
from shared.distribute import RepeatedPredict
from shared.images import save_png
from shared.layers import ClassLabels, DecodeImages
from shared.lr_find import write_curve
from shared.records import write_json
from shared.training import Run, load_best_model

log = logging.getLogger("annsuite")

GRID_SIZE = 18
CONFUSION_SAMPLES = 512
PARITY_IMAGES = 8
EXAMPLES = 16
EXAMPLES_FOLDER = "examples"


def epoch_images(x_val, y_val, class_names):
    """make_images(model, epoch) for ImageLogger: confusion matrix and grid."""
    x_fixed, y_fixed = x_val[:CONFUSION_SAMPLES], y_val[:CONFUSION_SAMPLES]
    predict_fixed = RepeatedPredict(x_fixed, batch_size=64)

    def make_images(model, epoch):
        probabilities = predict_fixed(model)
        return {
            "confusion_matrix": figures.confusion_matrix_image(
                y_fixed, probabilities.argmax(axis=1), class_names),
            "predictions": figures.prediction_grid_image(
                x_fixed[:GRID_SIZE], y_fixed[:GRID_SIZE], probabilities[:GRID_SIZE], class_names),
        }

    return make_images


class ClassifierApp(App):
    name = "classifier"
    description = "Image classification with transfer learning."
    config_class = ClassifierConfig
    train_help = "train a classifier (default data: scikit-learn digits)"
    predict_help = "label image files: CSV of file, label, probability"
    inputs_help = "image files or folders"

    def scan(self, config):
        kind = detect_format(config.data)
        return {"format": kind, **(scan_folder(config.data) if kind == "folder" else {})}

    def defaults(self, profile, config):
        return resolve_defaults(profile, config, gpu=bool(tf.config.list_logical_devices("GPU")))

    def load_data(self, config):
        return load_data(config)

    def profile(self, data):
        return {"train_examples": len(data.y_train), "classes": len(data.class_names)}

    def prepare(self, config, given=()):
        """The base's resolution, plus: an earlier run's resolved values on resume, --lr-find."""
        resolved = saved_resolution(config.run_dir, self.name, given)
        config = apply_entries(config, resolved)
        scanned = {**self.scan(config), "given": tuple(given)}
        config = self.resolve(config, scanned, given, resolved)
        data = self.load_data(config)
        config = self.resolve(config, {**scanned, **self.profile(data)}, given, resolved)
        data.lr_curve = None
        if config.lr_find and "learning_rate" not in resolved:
            data.lr_curve, entry = find_rate(self, config, data)
            if entry is not None and "learning_rate" not in given:
                resolved["learning_rate"] = entry
                config = dataclasses.replace(config, learning_rate=entry["value"])
        return config, data, resolved

    def on_run_start(self, run, data):
        if getattr(data, "lr_curve", None) is not None and run.chief:
            write_curve(data.lr_curve, run.path)
            write_json(run.path / "lr_find.json", data.lr_curve.as_dict())
        # For people: written from the data, never read back (the model carries its labels).
        write_json(run.path / "labels.json", {
            "class_names": data.class_names, "image_size": int(data.image_shape[0]),
            "channels": int(data.image_shape[-1]), "source": data.source})
        images = data.x_test if len(data.x_test) else data.x_val
        for index, image in enumerate(images[:EXAMPLES]):  # held-out images: export parity, explain
            save_png(image, run.path / EXAMPLES_FOLDER / f"test-{index:03d}.png")

    def inference_model(self, network, data, config):
        """Encoded image bytes -> label, class id, probability, probabilities."""
        image_bytes = keras.Input((), dtype="string", name="image_bytes")
        images = DecodeImages(int(data.image_shape[0]), int(data.image_shape[-1]), name="decode_images")(image_bytes)
        outputs = ClassLabels(data.class_names, name="class_labels")(network(images))
        return keras.Model(image_bytes, outputs, name="image_classifier")

    def build_task(self, config, data):
        layers = augmentation_of(config) == "geometric"  # the photo augmentation runs in the pipeline
        model, backbone = build_model(config, data.image_shape, len(data.class_names), layers,
                                      flip=data.source == "folder", strength=strength_of(config))
        model.backbone = backbone  # the phases freeze and unfreeze it
        return model

    def datasets(self, config, data):
        count = len(data.class_names)
        mix = "mixup" if config.mixup else "cutmix" if config.cutmix else None
        augment = None
        if augmentation_of(config) == "photo" or mix:
            strength = strength_of(config) if augmentation_of(config) == "photo" else 0.0
            augment = photo_augmenter(strength, flip=strength > 0 and data.source == "folder", mix=mix)
        return (one_hot_pipeline(data.x_train, data.y_train, count, config.batch_size, shuffle=True,
                                 seed=config.seed, augment=augment),
                one_hot_pipeline(data.x_val, data.y_val, count, config.batch_size))

    def callbacks(self, run, data, task):
        return [ImageLogger(run.path, epoch_images(data.x_val, data.y_val, data.class_names))]

    def phases(self, config, data, task):
        if not config.pretrained:
            return [Phase("train", config.epochs, config.learning_rate, decay=True)]
        head, tune = fine_tune_phases(task.backbone, epochs=config.epochs,
                                      fine_tune_epochs=config.fine_tune_epochs,
                                      learning_rate=config.learning_rate,
                                      unfreeze_blocks=config.unfreeze_blocks)
        head.decay = False
        return [head, tune]

    def compile(self, task, phase, config, steps):
        compile_model(task, phase.learning_rate, decay_steps=steps * phase.epochs if phase.decay and steps else None,
                      warmup_fraction=config.warmup_fraction or 0.0, label_smoothing=config.label_smoothing or 0.0,
                      weight_decay=config.weight_decay or 0.0)

    def fit(self, run, data, task):
        if run.config.folds:
            return self.cross_validate(run, data)
        epochs = super().fit(run, data, task)
        if run.config.save_backbone:
            save_backbone(task.backbone, run.config.save_backbone)
        return epochs

    def cross_validate(self, run, data):
        """K models on stratified folds of train+validation; test split untouched."""
        config = run.config
        x = np.concatenate([data.x_train, data.x_val])
        y = np.concatenate([data.y_train, data.y_val])
        folds = StratifiedKFold(n_splits=config.folds, shuffle=True, random_state=config.seed)
        held_out, tested, epochs = [], [], 0
        for index, (train_idx, val_idx) in enumerate(folds.split(x, y), start=1):
            fold_run = Run(path=run.path / f"fold-{index}", config=config, strategy=run.strategy)
            fold_data = dataclasses.replace(data, x_train=x[train_idx], y_train=y[train_idx],
                                            x_val=x[val_idx], y_val=y[val_idx])
            with run.strategy.scope():
                task = self.build_task(config, fold_data)
            epochs = max(epochs, super().fit(fold_run, fold_data, task))
            model = load_best_model(fold_run.path)
            held_out.append(accuracy(model, x[val_idx], y[val_idx], tta=config.tta))
            tested.append(accuracy(model, data.x_test, data.y_test, tta=config.tta))
            log.info("fold %d/%d: held-out accuracy %.4f", index, config.folds, held_out[-1])
        best_fold = int(np.argmax(held_out)) + 1
        run.checkpoint_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(run.path / f"fold-{best_fold}" / "checkpoints" / "best.keras", run.checkpoint_path)
        run.extra["folds"] = {"held_out_accuracy": held_out, "test_accuracy": tested, "best_fold": best_fold}
        run.extra["test"] = {"accuracy": float(np.mean(tested)), "cv_accuracy_mean": float(np.mean(held_out)),
                           "cv_accuracy_std": float(np.std(held_out))}
        return epochs

    def test_metrics(self, model, data, config):
        return {"accuracy": accuracy(model, data.x_test, data.y_test, tta=config.tta)}

    def summary(self, run, data, model):
        if "folds" in run.extra:
            return {"folds": run.extra["folds"]}
        return super().summary(run, data, model)

    # ---- a trained run: model.keras carries the image size, channels and labels ----
    def evaluate(self, trained, data=None, skip_bad=False, tta=False):
        size, channels, names = image_spec(trained.model)
        config = dataclasses.replace(trained.config, image_size=size, channels=channels, skip_bad=skip_bad)
        if data:
            x, y = load_eval_data(config, data, names)
        else:
            loaded = load_data(config)
            x, y = loaded.x_test, loaded.y_test
        result = {"test": scores(probabilities(trained.network, x, tta=tta), y),
                  "data": data or "held-out test split", "tta": bool(tta)}
        write_json(trained.path / "evaluation.json", result)
        log.info("evaluation: %s", result["test"])
        return result

    def predict_rows(self, trained, inputs, skip_bad=False, tta=False):
        """file, label, probability of each image file (folders expanded); `tta`: flip averaging."""
        size, channels, names = image_spec(trained.model)
        if tta:
            images, paths = read_inputs(inputs, size, channels, skip_bad)
            result = probabilities(trained.network, images, tta=True) if len(images) else np.zeros((0, 1))
            return [{"file": str(path), "label": names[int(row.argmax())], "probability": round(float(row.max()), 6)}
                    for path, row in zip(paths, result)]
        encoded, paths = read_image_files(inputs, channels, skip_bad)
        outputs = trained.model.predict(tf.constant(list(encoded)), batch_size=256, verbose=0) if len(encoded) else {}
        return [{"file": str(path), "label": label.decode("utf-8"), "probability": round(float(p), 6)}
                for path, label, p in zip(paths, outputs.get("label", []), outputs.get("probability", []))]

    def evaluate_arguments(self, parser):
        super().evaluate_arguments(parser)
        parser.add_argument("--tta", action="store_true", help="average each image's and its mirror image's predictions")

    def _evaluate_verb(self, args):
        return self.evaluate(self.load(args.run), args.data, skip_bad=args.skip_bad, tta=args.tta)

    def predict_arguments(self, parser):
        super().predict_arguments(parser)
        parser.add_argument("--tta", action="store_true", help="average each image's and its mirror image's predictions")

    def predict_options(self, args):
        inputs, options = super().predict_options(args)
        return inputs, {**options, "tta": args.tta}

    def export(self, trained, out):
        examples = sorted((trained.path / EXAMPLES_FOLDER).glob("*.png"))[:PARITY_IMAGES]
        return export_model(trained.model, [path.read_bytes() for path in examples], out)

    def extra_verbs(self):
        def arguments(parser):
            add_run_argument(parser)
            parser.add_argument("inputs", nargs="*", metavar="INPUT",
                                help="image files or folders (default: test images)")
            parser.add_argument("--method", choices=explain.METHODS, default="gradcam", help="cam or gradcam")
            parser.add_argument("--count", type=int, default=8, help="test images when no INPUT is given")

        return [Verb("explain", "class activation maps (CAM, Grad-CAM) as PNG and TensorBoard images",
                     self.explain_verb, arguments)]

    def explain_verb(self, args):
        trained = self.load(args.run)
        size, channels, class_names = image_spec(trained.model)
        if args.inputs:
            images, paths = read_inputs(args.inputs, size, channels, args.skip_bad)
        else:  # the held-out test images the run keeps
            images, paths = read_inputs([trained.path / EXAMPLES_FOLDER], size, channels, args.skip_bad)
            images, paths = images[: args.count], paths[: args.count]
        return explain.write_explanations(trained.network, trained.path, images, [p.stem for p in paths],
                                          class_names, args.method)


def augmentation_of(config):
    """'none', 'geometric' or 'photo' (--augment off: none; unresolved: geometric)."""
    if config.augment is False:
        return "none"
    return config.augmentation or "geometric"


def strength_of(config):
    return 1.0 if config.augment_strength is None else float(config.augment_strength)


def image_spec(model):
    """(image size, channels, class names) that a model.keras carries."""
    decode = model.get_layer("decode_images")
    return decode.image_size, decode.channels, model.get_layer("class_labels").class_names


APP = ClassifierApp()
