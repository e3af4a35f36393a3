"""The backbone registry, presets, weights and the fine-tuning procedure."""

import keras
import keras_hub
import numpy as np
import pytest

from shared.architectures import BACKBONES
from shared.backbones import build_backbone, save_backbone
from shared.errors import UsageError
from shared.finetune import freeze, unfreeze_top, unit_layers, walk_layers

BUILT_IN = ("lenet5", "alexnet", "vgg", "inception", "resnet")


@pytest.mark.parametrize("name", BUILT_IN)
def test_built_in_backbones_give_a_feature_map(name):
    backbone, converter = build_backbone(name, (32, 32, 1), width=8)
    assert converter is None
    features = backbone(np.zeros((2, 32, 32, 1), "float32"))
    assert len(features.shape) == 4 and features.shape[0] == 2


def test_registry_has_the_course_and_pretrained_families():
    assert set(BUILT_IN) | {"mobilenetv2", "resnet50", "efficientnetb0", "vgg16"} <= set(BACKBONES)


@pytest.mark.parametrize("target", ["preset_dir", "backbone.keras"])
def test_saved_backbone_loads_back_with_equal_weights(tmp_path, target):
    backbone, _ = build_backbone("vgg", (16, 16, 3), width=4)
    path = save_backbone(backbone, tmp_path / target)
    if target.endswith(".keras"):
        loaded, _ = build_backbone(weights=str(path))
    else:
        loaded, _ = build_backbone(preset=str(path))
        assert isinstance(loaded, keras_hub.models.Backbone)
    x = np.random.default_rng(0).uniform(0, 255, (2, 16, 16, 3)).astype("float32")
    np.testing.assert_allclose(backbone(x), loaded(x), atol=1e-6)


def test_keras_hub_preset_folder_of_another_family_loads(tmp_path):
    hub = keras_hub.models.ResNetBackbone(
        input_conv_filters=[64], input_conv_kernel_sizes=[3], stackwise_num_filters=[64, 64],
        stackwise_num_blocks=[1, 1], stackwise_num_strides=[1, 2], block_type="basic_block",
        image_shape=(32, 32, 3))
    hub.save_to_preset(str(tmp_path / "hub"))
    loaded, _ = build_backbone(preset=str(tmp_path / "hub"))
    assert isinstance(loaded, keras_hub.models.ResNetBackbone)
    assert len(loaded(np.zeros((1, 32, 32, 3), "float32")).shape) == 4


def test_weights_file_is_loaded(tmp_path):
    source, _ = build_backbone("resnet", (16, 16, 1), width=4)
    source.save_weights(tmp_path / "b.weights.h5")
    loaded, _ = build_backbone("resnet", (16, 16, 1), width=4, weights=str(tmp_path / "b.weights.h5"))
    for expected, got in zip(source.weights, loaded.weights):
        np.testing.assert_array_equal(expected.numpy(), got.numpy())


def test_weights_that_do_not_fit_give_one_line(tmp_path):
    source, _ = build_backbone("vgg", (16, 16, 1), width=4)
    source.save_weights(tmp_path / "v.weights.h5")
    with pytest.raises(UsageError, match="does not fit backbone 'resnet'"):
        build_backbone("resnet", (16, 16, 1), width=4, weights=str(tmp_path / "v.weights.h5"))


def test_imagenet_weights_offline_gives_instructions(monkeypatch):
    real = keras.applications.MobileNetV2

    def no_network(*args, weights=None, **kwargs):
        if weights == "imagenet":
            raise OSError("network unreachable")  # what get_file raises offline
        return real(*args, weights=weights, **kwargs)

    monkeypatch.setattr(keras.applications, "MobileNetV2", no_network)
    with pytest.raises(UsageError, match="cannot be had offline.*~/.keras/models"):
        build_backbone("mobilenetv2", (32, 32, 3), weights="imagenet")


def test_imagenet_weights_for_a_family_without_them():
    with pytest.raises(UsageError, match="has no ImageNet weights"):
        build_backbone("lenet5", (32, 32, 3), weights="imagenet")


def test_unknown_names_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="unknown backbone 'nope'"):
        build_backbone("nope")
    with pytest.raises(UsageError, match="not a keras-hub preset folder"):
        build_backbone(preset=str(tmp_path))


def test_fine_tuning_unfreezes_top_blocks_and_keeps_batch_norm_frozen():
    backbone, _ = build_backbone("resnet", (16, 16, 3), width=4)
    freeze(backbone)
    assert not backbone.trainable_weights
    unfrozen = unfreeze_top(backbone, 2)
    assert unfrozen == 2
    units = unit_layers(backbone)
    assert [layer.trainable for layer in units] == [False] * (len(units) - 2) + [True, True]
    norms = [layer for layer in walk_layers(backbone) if isinstance(layer, keras.layers.BatchNormalization)]
    assert norms and not any(layer.trainable for layer in norms)
    # Keras's private walk is the oracle that the public-API walk finds every layer.
    everything = {id(layer) for layer in backbone._flatten_layers(include_self=False)}
    assert {id(layer) for layer in walk_layers(backbone)} == everything
    assert backbone.trainable_weights  # the two top blocks' convolutions
