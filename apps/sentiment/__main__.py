import sys

from apps.sentiment.train import main
from shared.cli import run

sys.exit(run(main, prog="python -m apps.sentiment"))
