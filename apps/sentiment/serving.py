"""evaluate, predict and export: everything that starts from a run folder."""

from __future__ import annotations

import csv
import io
import logging
import sys
from pathlib import Path

import numpy as np

from apps.sentiment.data import load_data, read_eval_data
from apps.sentiment.figures import words_of
from apps.sentiment.formats import decode_lines
from apps.sentiment.inference import open_run, scores
from shared.data import BadInputs
from shared.errors import DataError, UsageError
from shared.export import export_saved_model
from shared.records import write_json

log = logging.getLogger("annsuite")

PARITY_TEXTS = 16


def evaluate(args):
    """Scores on the run's held-out test split, or on every text of --data."""
    trained = open_run(args.run, args.skip_bad)
    if args.data:
        texts, labels = read_eval_data(trained.config, args.data, trained.info["labels"])
    else:
        data = load_data(trained.config)
        texts, labels = data.x_test, data.y_test
    result = {"test": scores(trained.predictor.probabilities(texts), labels),
              "data": args.data or "held-out test split"}
    write_json(trained.path / "evaluation.json", result)
    log.info("evaluation: %s", result["test"])
    return result


def read_texts(args):
    texts = list(args.texts)
    if args.file:
        if not Path(args.file).is_file():
            raise UsageError(f"--file {args.file}: no such file")
        for line, text in decode_lines(args.file, "utf-8", BadInputs()):
            if not text.strip():
                raise DataError(args.file, "empty text", line)
            texts.append(text.strip())
    if not texts:
        raise UsageError("predict needs TEXT arguments or --file")
    return np.array(texts, dtype=object)


def explanation(text, weights):
    """'word:weight word:weight ...' for the words the model saw."""
    return " ".join(f"{word}:{weight:.3f}" for word, weight in zip(words_of(text, len(weights)), weights))


def predict(args):
    """Label and probability of each text; per-word attention with --explain."""
    trained = open_run(args.run)
    texts = read_texts(args)
    weights = None
    if args.explain:
        attended = trained.predictor.attention(texts)
        if attended is None:
            raise UsageError("--explain needs a run trained with --attention (a recurrent model)")
        probabilities, weights = attended
    else:
        probabilities = trained.predictor.probabilities(texts)
    rows = []
    for index, (text, p) in enumerate(zip(texts, probabilities)):
        row = {"text": text, "label": trained.class_names[int(p.argmax())], "probability": round(float(p.max()), 6)}
        if weights is not None:
            row["attention"] = explanation(text, weights[index])
        rows.append(row)
    out = Path(args.out) if args.out else trained.path / "predictions.csv"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(buffer.getvalue(), encoding="utf-8")
    sys.stdout.write(buffer.getvalue())
    return {"predictions": rows, "path": str(out)}


def serving_function(trained):
    """Raw strings (batch,) -> probabilities, class ids, labels (preprocessing in-graph)."""
    import tensorflow as tf

    names = tf.constant(trained.class_names)
    model, preprocessor = trained.predictor.model, trained.predictor.preprocessor

    def serve(text):
        inputs = preprocessor(text) if preprocessor is not None else tf.expand_dims(text, -1)
        outputs = model(inputs, training=False)
        if outputs.shape[-1] == 1:
            outputs = tf.concat([1.0 - outputs, outputs], axis=-1)
        class_id = tf.argmax(outputs, axis=-1, output_type=tf.int32)
        return {"probabilities": outputs, "class_id": class_id, "label": tf.gather(names, class_id),
                "probability": tf.reduce_max(outputs, axis=-1)}

    return serve


def export(args):
    """SavedModel serving raw strings, verified on held-out texts."""
    import tensorflow as tf

    trained = open_run(args.run)
    data = load_data(trained.config)
    texts = np.asarray(data.x_test[:PARITY_TEXTS], dtype=str)
    probabilities = trained.predictor.probabilities(texts)
    class_id = probabilities.argmax(axis=1)
    expected = {"probabilities": probabilities, "class_id": class_id,
                "label": np.array([trained.class_names[i] for i in class_id])}
    resources = [trained.predictor.model]
    if trained.predictor.preprocessor is not None:
        resources.append(trained.predictor.preprocessor)
    return export_saved_model(
        resources, serving_function(trained), [tf.TensorSpec([None], tf.string, name="text")],
        Path(args.out) if args.out else trained.path / "saved_model",
        examples={"text": np.array([t.encode("utf-8") for t in texts], dtype=object)}, expected=expected)
