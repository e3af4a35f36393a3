"""Serializable Keras layers shared by the apps (one layer per file).

Every layer is registered under the package name "annsuite", so a model
file that contains it loads with `keras.saving.load_model` (safe mode).
"""

from shared.layers.attention import AttentionPooling, BahdanauAttention, LuongAttention
from shared.layers.class_labels import ClassLabels
from shared.layers.conv_block import ConvBlock
from shared.layers.image_decoding import DecodeImages
from shared.layers.imagenet_preprocessing import ImagenetPreprocessing
from shared.layers.inception_block import InceptionBlock
from shared.layers.residual_block import ResidualBlock
from shared.layers.roi_pooling import RoiPooling
from shared.layers.unet_conv_block import UNetConvBlock
from shared.layers.unet_up_block import UNetUpBlock

__all__ = ["AttentionPooling", "BahdanauAttention", "LuongAttention", "ClassLabels", "ConvBlock", "DecodeImages", "ImagenetPreprocessing", "InceptionBlock", "ResidualBlock", "RoiPooling", "UNetConvBlock", "UNetUpBlock"]
