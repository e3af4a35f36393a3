import sys

from apps.segmenter.app import APP
from shared.cli import run

sys.exit(run(APP.main, prog="python -m apps.segmenter"))
