"""Models, losses and metrics of the segmenter."""

import keras
import numpy as np
import pytest

from apps.segmenter.config import SegmenterConfig
from apps.segmenter.evaluation import scores
from apps.segmenter.losses import CrossEntropyDiceLoss, PixelAccuracy, SoftDiceLoss
from apps.segmenter.model import build_model, compile_model


@pytest.mark.parametrize("model,upsampling", [("unet", "transpose"), ("unet", "nearest"), ("fcn", "transpose")])
def test_models_return_per_pixel_probabilities(model, upsampling):
    config = SegmenterConfig(model=model, upsampling=upsampling, depth=2, base_filters=4, dropout=0.2)
    network, backbone = build_model(config, (16, 16, 3), 5)
    output = network(np.zeros((2, 16, 16, 3), "float32"))
    assert backbone is None and output.shape == (2, 16, 16, 5)
    np.testing.assert_allclose(output.numpy().sum(-1), 1.0, atol=1e-5)


def test_unet_has_a_skip_at_every_scale_and_doubles_filters():
    network, _ = build_model(SegmenterConfig(depth=3, base_filters=4), (32, 32, 3), 2)
    assert [network.get_layer(f"down{i}").output.shape[1:] for i in range(3)] == [(32, 32, 4), (16, 16, 8), (8, 8, 16)]
    assert network.get_layer("bottleneck").output.shape[1:] == (4, 4, 32)
    for level in range(3):
        inputs = network.get_layer(f"up{level}").input
        assert inputs[1].shape[1:] == network.get_layer(f"down{level}").output.shape[1:]


def one_hot(mask, classes=3):
    return keras.ops.one_hot(mask, classes).numpy() * 0.98 + 0.01


def test_losses_are_small_when_right_and_skip_the_void():
    mask = np.random.default_rng(0).integers(0, 3, size=(2, 8, 8))
    good, bad = one_hot(mask), one_hot((mask + 1) % 3)
    for loss in (SoftDiceLoss(3), CrossEntropyDiceLoss(3, class_weights=[1.0, 2.0, 1.0])):
        assert float(loss(mask, good)) < 0.1 < float(loss(mask, bad))
        assert type(loss).from_config(loss.get_config()).get_config() == loss.get_config()
    void = mask.copy()
    void[:, :4] = 9
    mixed = good.copy()
    mixed[:, :4] = bad[:, :4]  # wrong only where the truth is void
    assert float(SoftDiceLoss(3, ignore_index=9)(void, mixed)) < 0.1


def test_pixel_accuracy_and_scores_leave_the_void_out():
    truth = np.array([[[0, 1, 9, 2]]])
    predicted = one_hot(np.array([[[0, 1, 0, 1]]]))
    metric = PixelAccuracy(ignore_index=9)
    metric.update_state(truth, predicted)
    assert float(metric.result()) == pytest.approx(2 / 3)
    matrix = np.array([[3, 1], [0, 4]])
    result = scores(matrix, ["a", "b"])
    assert result["iou_a"] == pytest.approx(3 / 4) and result["iou_b"] == pytest.approx(4 / 5)
    assert result["mean_iou"] == pytest.approx((0.75 + 0.8) / 2) and result["pixel_accuracy"] == pytest.approx(7 / 8)
    reference = keras.metrics.MeanIoU(2)
    reference.update_state(np.array([0, 0, 0, 0, 1, 1, 1, 1]), np.array([0, 0, 0, 1, 1, 1, 1, 1]))
    assert float(reference.result()) == pytest.approx(result["mean_iou"])


def test_config_checks_quote_the_value():
    with pytest.raises(ValueError, match="1.0"):
        SegmenterConfig(dropout=1.0)
    with pytest.raises(ValueError, match="48"):
        SegmenterConfig(image_size=48, depth=5)


def test_fcn_trains_on_images_of_unknown_size_and_reloads(tmp_path):
    """A data folder's crops reach fit without a static size (Keras' bilinear UpSampling2D failed there)."""
    import tensorflow as tf

    config = SegmenterConfig(model="fcn", depth=2, base_filters=4, loss="ce+dice")
    model, _ = build_model(config, (None, None, 3), 3)
    compile_model(model, config, ["a", "b", "c"])
    images = np.random.default_rng(0).uniform(0, 255, (4, 16, 24, 3)).astype("float32")
    masks = np.random.default_rng(1).integers(0, 3, (4, 16, 24)).astype("int32")
    data = tf.data.Dataset.from_generator(
        lambda: iter([(images[:2], masks[:2]), (images[2:], masks[2:])]),
        output_signature=(tf.TensorSpec((None, None, None, 3), tf.float32), tf.TensorSpec((None, None, None), tf.int32)))
    assert data.element_spec[0].shape[1] is None
    model.fit(data, epochs=1, verbose=0)
    path = tmp_path / "fcn.keras"
    model.save(path)
    again = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(again.predict(images, verbose=0), model.predict(images, verbose=0), atol=1e-5)
