"""The command-line arguments of the GAN app's verbs (besides `train`, generated from the config)."""

from __future__ import annotations

from shared.cli import add_run_argument


def predict_arguments(parser, inputs_help):
    add_run_argument(parser)
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help=inputs_help)
    parser.add_argument("--out", help="folder of the PNGs and predictions.csv (default: <run>/predictions)")
    parser.add_argument("--label", type=int, help="class of every image (conditional DCGAN)")


def evaluate_arguments(parser):
    add_run_argument(parser)
    parser.add_argument("--data", help="score against the held-out split of this data set instead")
    parser.add_argument("--samples", type=int, help="generated images (default: the run's --fid-samples)")


def sample_arguments(parser):
    add_run_argument(parser, skip_bad=False)
    parser.add_argument("--n", type=int, default=64, help="number of images")
    parser.add_argument("--out", help="PNG grid (default: <run>/figures/sample.png)")
    parser.add_argument("--individual", metavar="DIR", help="also one PNG per image in DIR")
    parser.add_argument("--label", type=int, help="class of every image (conditional DCGAN)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the noise (DCGAN: image i is that of `predict` SEED+i)")


def reconstruct_arguments(parser):
    add_run_argument(parser)
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    parser.add_argument("--out", help="folder of reconstructions (default: <run>/reconstructions)")


def export_encoder_arguments(parser):
    add_run_argument(parser, skip_bad=False)
    parser.add_argument("out", metavar="DIR", help="preset folder for `apps.classifier train --preset DIR`")
