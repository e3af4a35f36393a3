import sys

from apps.segmenter.train import main
from shared.cli import run

sys.exit(run(main, prog="python -m apps.segmenter"))
