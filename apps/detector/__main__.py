import sys

from apps.detector.train import main
from shared.cli import run

sys.exit(run(main, prog="python -m apps.detector"))
