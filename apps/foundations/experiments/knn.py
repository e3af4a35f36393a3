"""`knn`: image classification before CNNs -- nearest neighbours on pixel distances.

K-NN (scikit-learn's `KNeighborsClassifier`, L1 or L2 distance on raw
pixels) for each K of `--k`: held-out accuracy. No training time, a costly
test time: the cost per test image is measured against the linear classifier
and LeNet-5 (trained in the sub-runs `linear` and `lenet5`). The shift
experiment: the test images moved 1 and 2 pixels (right and down) -- a
distance on pixels sees a different image, a CNN's shared filters and pooling
much less so.
"""

from __future__ import annotations

import logging

from apps.foundations import figures
from apps.foundations.experiments import baselines
from apps.foundations.images import load_images
from apps.foundations.runs import save_figure, write_scalars

log = logging.getLogger("annsuite")


def load_data(config):
    return load_images(config)


def knn_by_k(data, config):
    """{k: (validation accuracy, test accuracy, fitted model)} for each K of --k."""
    results = {}
    for k in config.k_list:
        model = baselines.fit_knn(data.x_train, data.y_train, min(k, len(data.y_train)), config.distance)
        predict = lambda images, model=model: baselines.knn_predict(model, images)  # noqa: E731
        results[k] = (baselines.accuracy_of(predict, data.x_val, data.y_val),
                      baselines.accuracy_of(predict, data.x_test, data.y_test), model)
        log.info("K-NN %s, k=%d: validation accuracy %.4f, test accuracy %.4f", config.distance, k,
                 results[k][0], results[k][1])
    return results


def compare(run, data, knn_model):
    """Accuracy, test-time cost and shift accuracies of K-NN (one K), the linear classifier, LeNet-5."""
    config = run.config
    predictors = {"knn": lambda images: baselines.knn_predict(knn_model, images)}
    linear = baselines.train_linear(run, data)
    lenet = baselines.train_lenet5(run, data)
    predictors["linear"] = lambda images: baselines.keras_predict(linear, images)
    predictors["lenet5"] = lambda images: baselines.keras_predict(lenet, images)
    cost = {name: baselines.seconds_per_image(predict, data.x_test) for name, predict in predictors.items()}
    shifts = [0, *config.shift_list]
    table = baselines.shift_accuracies(predictors, data, shifts)
    return cost, shifts, table


def run_experiment(run, data):
    """K-NN for each K, the three classifiers' costs and shift accuracies: (test, extras, epochs)."""
    config = run.config
    results = knn_by_k(data, config)
    best_k = max(results, key=lambda k: (results[k][0], -k))  # chosen on validation, ties: the smaller K
    cost, shifts, table = compare(run, data, results[best_k][2])
    ks = list(results)
    write_scalars(run.path / "knn", {"test_accuracy_by_k": [results[k][1] for k in ks]}, start_step=1)
    save_figure(run, "knn_accuracy", figures.curve_figure(
        {f"K-NN ({config.distance})": (ks, [results[k][1] for k in ks])}, "K (neighbours)", "test accuracy",
        "K-NN on raw pixels: held-out accuracy"))
    names = {"knn": f"K-NN (k={best_k})", "linear": "linear", "lenet5": "LeNet-5"}
    save_figure(run, "shift", figures.curve_figure(
        {names[name]: (shifts, values) for name, values in table.items()}, "shift (pixels, right and down)",
        "test accuracy", "a one-pixel shift: pixel distances against a CNN"))
    text = baselines.shift_table({names[n]: v for n, v in table.items()}, shifts)
    log.info("test accuracy of shifted test images:\n%s", text)
    test = {f"knn_k{k}_accuracy": results[k][1] for k in ks}
    test.update(accuracy=results[best_k][1], best_k=best_k, linear_accuracy=table["linear"][0],
                lenet5_accuracy=table["lenet5"][0])
    test.update({f"{name}_seconds_per_image": value for name, value in cost.items()})
    test.update({f"{name}_shift{s}_accuracy": v for name, values in table.items()
                 for s, v in zip(shifts, values, strict=True)})
    extras = {"distance": config.distance, "k": ks, "shifts": shifts, "shift_table": text,
              "image_shape": list(data.image_shape), "train_examples": len(data.y_train)}
    return test, extras, config.epochs
