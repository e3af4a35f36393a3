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
from apps.classifier.data import DEFAULT_SIZE, detect_format, load_data, load_eval_data, read_inputs
from apps.classifier.evaluation import accuracy, scores
from apps.classifier.model import build_model, compile_model
from apps.classifier.serving import export_model
from shared.app import App, Phase, fine_tune_phases
from shared.backbones import save_backbone
from shared.callbacks import ImageLogger
from shared.cli import Verb, add_run_argument
from shared.data import make_dataset, read_image_files
from shared.distribute import RepeatedPredict
from shared.images import save_png
from shared.layers import ClassLabels, DecodeImages
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
        return {"format": detect_format(config.data)}

    def defaults(self, profile, config):
        if "format" not in profile or config.preset:
            return {}
        kind = profile["format"]
        return {"image_size": (DEFAULT_SIZE[kind], f"the default for {kind} data")}

    def load_data(self, config):
        return load_data(config)

    def on_run_start(self, run, data):
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
        augment = config.augment if config.augment is not None else True
        model, backbone = build_model(config, data.image_shape, len(data.class_names), augment,
                                      flip=data.source == "folder")
        model.backbone = backbone  # the phases freeze and unfreeze it
        return model

    def datasets(self, config, data):
        return (make_dataset(data.x_train, data.y_train, config.batch_size, shuffle=True, seed=config.seed),
                make_dataset(data.x_val, data.y_val, config.batch_size))

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
        compile_model(task, phase.learning_rate, decay_steps=steps * phase.epochs if phase.decay else None)

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
            held_out.append(accuracy(model, x[val_idx], y[val_idx]))
            tested.append(accuracy(model, data.x_test, data.y_test))
            log.info("fold %d/%d: held-out accuracy %.4f", index, config.folds, held_out[-1])
        best_fold = int(np.argmax(held_out)) + 1
        run.checkpoint_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(run.path / f"fold-{best_fold}" / "checkpoints" / "best.keras", run.checkpoint_path)
        run.extra["folds"] = {"held_out_accuracy": held_out, "test_accuracy": tested, "best_fold": best_fold}
        run.extra["test"] = {"accuracy": float(np.mean(tested)), "cv_accuracy_mean": float(np.mean(held_out)),
                           "cv_accuracy_std": float(np.std(held_out))}
        return epochs

    def test_metrics(self, model, data, config):
        return {"accuracy": accuracy(model, data.x_test, data.y_test)}

    def summary(self, run, data, model):
        if "folds" in run.extra:
            return {"folds": run.extra["folds"]}
        return super().summary(run, data, model)

    # ---- a trained run: model.keras carries the image size, channels and labels ----
    def evaluate(self, trained, data=None, skip_bad=False):
        size, channels, names = image_spec(trained.model)
        config = dataclasses.replace(trained.config, image_size=size, channels=channels, skip_bad=skip_bad)
        if data:
            x, y = load_eval_data(config, data, names)
        else:
            loaded = load_data(config)
            x, y = loaded.x_test, loaded.y_test
        result = {"test": scores(trained.network.predict(x, batch_size=256, verbose=0), y),
                  "data": data or "held-out test split"}
        write_json(trained.path / "evaluation.json", result)
        log.info("evaluation: %s", result["test"])
        return result

    def predict_rows(self, trained, inputs, skip_bad=False):
        """file, label, probability of each image file (folders expanded)."""
        _, channels, _ = image_spec(trained.model)
        encoded, paths = read_image_files(inputs, channels, skip_bad)
        outputs = trained.model.predict(tf.constant(list(encoded)), batch_size=256, verbose=0) if len(encoded) else {}
        return [{"file": str(path), "label": label.decode("utf-8"), "probability": round(float(p), 6)}
                for path, label, p in zip(paths, outputs.get("label", []), outputs.get("probability", []))]

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


def image_spec(model):
    """(image size, channels, class names) that a model.keras carries."""
    decode = model.get_layer("decode_images")
    return decode.image_size, decode.channels, model.get_layer("class_labels").class_names


APP = ClassifierApp()
