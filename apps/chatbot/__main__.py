import sys

from apps.chatbot.app import APP
from shared.cli import run

sys.exit(run(APP.main, prog="python -m apps.chatbot"))
