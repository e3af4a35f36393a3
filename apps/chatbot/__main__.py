import sys

from apps.chatbot.train import main
from shared.cli import run

sys.exit(run(main, prog="python -m apps.chatbot"))
