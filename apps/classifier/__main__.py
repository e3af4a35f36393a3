import sys

from apps.classifier.train import main
from shared.cli import run

sys.exit(run(main, prog="python -m apps.classifier"))
