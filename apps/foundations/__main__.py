import sys

from apps.foundations.train import main
from shared.cli import run

sys.exit(run(main, prog="python -m apps.foundations"))
