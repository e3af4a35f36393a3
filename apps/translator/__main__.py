import sys

from apps.translator.train import main
from shared.cli import run

sys.exit(run(main, prog="python -m apps.translator"))
