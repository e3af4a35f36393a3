"""The sentiment data: the generated default or a user's data set, split.

Labels are strings in the files; the declared set (`--labels`, or the labels
found in the training data) maps them to class ids. GLUE-style `0`/`1`
labels are shown as `negative`/`positive`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import train_test_split

from apps.sentiment.formats import Records, read_any
from apps.sentiment.generate import CLASS_NAMES, generate_reviews
from shared.data import BadInputs, Splits, split_indices
from shared.errors import DataError

log = logging.getLogger("annsuite")

READABLE_NAMES = {("0", "1"): ["negative", "positive"]}


@dataclass
class TextSplits(Splits):
    """Texts (object arrays of str) and class ids of each split."""

    class_names: list
    source: str
    labels: list  # the label strings of the files, in class-id order
    skipped: int = 0


def declared_labels(config, records):
    if config.label_set:
        return config.label_set
    found = sorted(set(records.labels), key=lambda v: (not v.lstrip("-").isdigit(), int(v) if v.lstrip("-").isdigit() else 0, v))
    if len(found) < 2:
        path = records.origins[0][0] if records.origins else config.data
        raise DataError(path, f"only one label ({', '.join(found) or 'none'}) in the training data; need two or more")
    return found


def label_index(class_names):
    """{label: class id} for a trained model's class names, and the file labels they
    stand for (`0`/`1` for negative/positive)."""
    index = {name: i for i, name in enumerate(class_names)}
    for labels, names in READABLE_NAMES.items():
        if list(names) == list(class_names):
            index.update({label: i for i, label in enumerate(labels)})
    return index


def to_arrays(records, labels, bad):
    """(texts, class ids); a label outside the declared set (a list, or a {label: id}
    dict) is a bad line."""
    index = labels if isinstance(labels, dict) else {label: i for i, label in enumerate(labels)}
    texts, ids = [], []
    for text, label, (path, line) in zip(records.texts, records.labels, records.origins):
        if label not in index:
            bad.report(DataError(path, f"label {label!r} is not one of the declared labels {', '.join(labels)}", line))
            continue
        texts.append(text)
        ids.append(index[label])
    return np.array(texts, dtype=object), np.array(ids, dtype="int32")


def split_train(texts, ids, config, have):
    """Carve the missing validation (and test) splits out of the training data."""
    if "test" in have:
        rest = np.arange(len(ids))
        train, validation = train_test_split(rest, test_size=config.validation_fraction,
                                             random_state=config.seed,
                                             stratify=ids if np.bincount(ids).min() >= 2 else None)
        return {"train": np.sort(train), "validation": np.sort(validation)}
    train, validation, test = split_indices(ids, (config.validation_fraction, config.test_fraction), config.seed)
    return {"train": train, "validation": validation, "test": test}


def load_user_data(config, bad):
    splits = read_any(config.data, config, bad)
    labels = declared_labels(config, splits["train"])
    arrays = {name: to_arrays(records, labels, bad) for name, records in splits.items()}
    if len(arrays["train"][1]) == 0:
        raise DataError(config.data, "no usable training texts")
    if "validation" in arrays and "test" not in arrays:  # train + dev: the dev set is the test
        arrays["test"] = arrays.pop("validation")
    if "validation" not in arrays:
        texts, ids = arrays.pop("train")
        for name, index in split_train(texts, ids, config, set(arrays)).items():
            arrays[name] = (texts[index], ids[index])
    names = READABLE_NAMES.get(tuple(labels), list(labels))
    return arrays, names, labels


def load_data(config):
    """The splits of `config.data` (or the generated default), all checked."""
    bad = BadInputs(config.skip_bad)
    if config.data is None:
        (x_train, y_train), (x_val, y_val), (x_test, y_test) = generate_reviews(config.examples, config.seed)
        arrays = {"train": (x_train, y_train), "validation": (x_val, y_val), "test": (x_test, y_test)}
        names, labels, source = list(CLASS_NAMES), ["0", "1"], "generated"
    else:
        arrays, names, labels = load_user_data(config, bad)
        source = config.data
    for split, limit in (("train", config.max_train_samples), ("validation", config.max_validation_samples)):
        texts, ids = arrays[split]
        if limit is not None and limit < len(ids):
            keep = np.sort(np.random.default_rng(config.seed).permutation(len(ids))[:limit])
            arrays[split] = (texts[keep], ids[keep])
    data = TextSplits(*arrays["train"], *arrays["validation"], *arrays["test"],
                      class_names=names, source=source, labels=labels, skipped=bad.summary())
    log.info("data %s: %d train, %d validation, %d test texts; classes %s", source, len(data.y_train),
             len(data.y_val), len(data.y_test), ", ".join(names))
    return data


def read_eval_data(config, spec, class_names):
    """Every text of `spec` with the trained model's classes (evaluate --data)."""
    bad = BadInputs(config.skip_bad)
    splits = read_any(spec, config, bad)
    merged = Records()
    for records in splits.values():
        merged.texts += records.texts
        merged.labels += records.labels
        merged.origins += records.origins
    texts, ids = to_arrays(merged, label_index(class_names), bad)
    if not len(ids):
        raise DataError(spec, "no usable texts")
    return texts, ids
