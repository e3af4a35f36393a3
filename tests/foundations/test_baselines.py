"""The `knn` and `linear` experiments: K-NN against NumPy, templates, the shift, run folders."""

import json

import numpy as np
import pytest
from PIL import Image

import apps.foundations as package
from apps.foundations import main
from apps.foundations.config import KNNConfig, LinearConfig
from apps.foundations.experiments.baselines import fit_knn, knn_predict
from apps.foundations.images import load_images, read_pixel_csv, shift_images
from apps.foundations.model import build_linear_classifier, templates
from shared.errors import DataError
from tests.helpers import event_tags

TINY = ["--epochs", "1", "--max-train-samples", "200"]


def brute_force_knn(x_train, y_train, x_test, k, distance):
    """The K nearest training images by L1 or L2 distance, majority vote (ties: the smaller label)."""
    a, b = x_test.reshape(len(x_test), -1), x_train.reshape(len(x_train), -1)
    differences = a[:, None, :] - b[None, :, :]
    distances = np.abs(differences).sum(-1) if distance == "l1" else np.sqrt((differences ** 2).sum(-1))
    nearest = np.argsort(distances, axis=1, kind="stable")[:, :k]
    return np.array([np.bincount(y_train[row], minlength=y_train.max() + 1).argmax() for row in nearest])


@pytest.mark.parametrize("distance", ["l1", "l2"])
@pytest.mark.parametrize("k", [1, 3, 5])
def test_knn_matches_a_brute_force_numpy_classifier(distance, k):
    rng = np.random.default_rng(k)
    x_train = rng.uniform(size=(40, 4, 4, 1)).astype("float32")
    y_train = rng.integers(0, 3, 40)
    x_test = rng.uniform(size=(25, 4, 4, 1)).astype("float32")
    model = fit_knn(x_train, y_train, k, distance)
    np.testing.assert_array_equal(knn_predict(model, x_test), brute_force_knn(x_train, y_train, x_test, k, distance))


def test_l1_and_l2_disagree_where_they_should():
    # One training image differs from the query in one pixel by 3, the other in 4 pixels by 1:
    # L1 distances 3 and 4 (the first is nearer), L2 distances 3 and 2 (the second is).
    query = np.zeros((1, 2, 2, 1), "float32")
    x_train = np.array([[3, 0, 0, 0], [1, 1, 1, 1]], "float32").reshape(2, 2, 2, 1)
    y_train = np.array([0, 1])
    assert knn_predict(fit_knn(x_train, y_train, 1, "l1"), query)[0] == 0
    assert knn_predict(fit_knn(x_train, y_train, 1, "l2"), query)[0] == 1


def test_shift_moves_right_and_down_with_a_zero_border():
    images = np.arange(16, dtype="float32").reshape(1, 4, 4, 1) + 1
    moved = shift_images(images, 1)
    np.testing.assert_array_equal(moved[0, 1:, 1:, 0], images[0, :-1, :-1, 0])
    assert (moved[0, 0, :, 0] == 0).all() and (moved[0, :, 0, 0] == 0).all()
    np.testing.assert_array_equal(shift_images(images, 0), images)
    assert shift_images(images, 2)[0, 2, 2, 0] == images[0, 0, 0, 0]


def test_templates_are_one_image_per_class():
    model = build_linear_classifier((6, 5, 1), 4)
    kernel = np.arange(30 * 4, dtype="float32").reshape(30, 4)
    model.get_layer("scores").set_weights([kernel, np.zeros(4, "float32")])
    found = templates(model, (6, 5, 1))
    assert found.shape == (4, 6, 5, 1)
    np.testing.assert_array_equal(found[2].ravel(), kernel[:, 2])  # class 2's weight row


def test_the_options_are_checked():
    assert KNNConfig(k="1, 3,9").k_list == [1, 3, 9]
    with pytest.raises(ValueError, match="k must be"):
        KNNConfig(k="1,x")
    with pytest.raises(ValueError, match="k must be"):
        KNNConfig(k="0")
    with pytest.raises(ValueError, match="distance"):
        KNNConfig(distance="cosine")
    with pytest.raises(ValueError, match="image_size"):
        LinearConfig(image_size=8)


def test_pixel_csv_and_class_folders_load(tmp_path):
    rng = np.random.default_rng(0)
    rows = ["label," + ",".join(f"p{i}" for i in range(16))]
    rows += [f"{n % 2}," + ",".join(str(v) for v in rng.integers(0, 256, 16)) for n in range(30)]
    (tmp_path / "pixels.csv").write_text("\n".join(rows) + "\n")
    data = load_images(KNNConfig(data=str(tmp_path / "pixels.csv")))
    assert data.image_shape == (4, 4, 1) and data.source == "csv" and data.x_train.max() <= 1.0
    for name in ("cat", "dog"):
        for index in range(12):
            (tmp_path / "folder" / name).mkdir(parents=True, exist_ok=True)
            Image.fromarray(rng.integers(0, 256, (20, 20, 3), dtype=np.uint8)).save(
                tmp_path / "folder" / name / f"{index}.png")
    data = load_images(KNNConfig(data=str(tmp_path / "folder"), image_size=16))
    assert data.image_shape == (16, 16, 3) and data.class_names == ["cat", "dog"]


def test_a_bad_pixel_csv_names_its_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("1,0,0,0,0\n0,0,0,0\n")
    with pytest.raises(DataError, match=r"bad\.csv.*2"):
        read_pixel_csv(path)


@pytest.fixture(scope="module")
def knn_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("knn") / "run"
    return run_dir, main(["knn", "--run-dir", str(run_dir), "--k", "1,3", "--distance", "l1", *TINY])


def test_knn_cli_writes_the_run_folder(knn_run):
    run_dir, metrics = knn_run
    assert json.loads((run_dir / "metrics.json").read_text()) == metrics
    assert metrics["experiment"] == "knn" and metrics["distance"] == "l1"
    test = metrics["test"]
    assert {"knn_k1_accuracy", "knn_k3_accuracy", "linear_accuracy", "lenet5_accuracy"} <= set(test)
    assert test["knn_k1_accuracy"] > 0.8  # 200 digits already classify well by their nearest neighbour
    for name in ("knn", "linear", "lenet5"):
        assert test[f"{name}_seconds_per_image"] > 0
        assert {f"{name}_shift{s}_accuracy" for s in (0, 1, 2)} <= set(test)
    assert test["knn_shift0_accuracy"] == test[f"knn_k{int(test['best_k'])}_accuracy"]  # unshifted = the chosen K
    assert test["knn_shift2_accuracy"] < test["knn_shift0_accuracy"] - 0.1  # pixel distances do not shift
    assert "| K-NN" in metrics["shift_table"]
    for name in ("knn_accuracy", "shift"):
        assert (run_dir / "figures" / f"{name}.png").stat().st_size > 1000
    assert (run_dir / "linear" / "history.csv").is_file() and (run_dir / "lenet5" / "history.csv").is_file()


def test_linear_python_api_writes_templates_per_epoch(tmp_path):
    run = package.linear(run_dir=str(tmp_path / "run"), epochs=2, max_train_samples=200, l2=1e-3)
    metrics = run.metrics
    assert metrics["experiment"] == "linear" and metrics["templates_shape"] == [10, 20, 20, 1]
    assert {"accuracy", "knn_accuracy", "lenet5_accuracy", "hyperplanes_accuracy"} <= set(metrics["test"])
    assert metrics["test"]["hyperplanes_accuracy"] > 0.9 and metrics["test"]["accuracy"] > 0.3  # chance: 0.1
    frames = sorted((run.path / "figures" / "templates").glob("epoch_*.png"))
    assert [f.name for f in frames] == ["epoch_001.png", "epoch_002.png"]
    for name in ("templates", "hyperplanes"):
        assert (run.path / "figures" / f"{name}.png").stat().st_size > 1000
    assert event_tags(run.path)["templates"]["templates"] == "image"
    config = json.loads((run.path / "config.json").read_text())
    assert config["app"] == "foundations" and config["config"]["l2"] == 1e-3
