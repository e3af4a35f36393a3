"""`chat`: talk to a trained run in the terminal (or through standard input).

Each line is a user turn; the bot answers from the history of the
conversation (its last `--turns` exchanges). Commands: `/history` shows the
conversation, `/reset` starts a new one, `/quit` (or end of input) leaves.
`chat --once "text"` answers one message and exits (for scripts).
"""

from __future__ import annotations

import logging
import sys
import time

from apps.chatbot.config import DECODINGS
from shared.cli import add_run_argument
from shared.errors import UsageError

log = logging.getLogger("annsuite")

HELP = "type a message; /history shows the conversation, /reset starts over, /quit leaves"


def chat_arguments(parser):
    add_run_argument(parser, skip_bad=False)
    parser.add_argument("--once", metavar="TEXT", help="answer this one message and exit")
    parser.add_argument("--decoding", choices=DECODINGS, help="generators: greedy, beam, top_k or top_p (default: the run's)")
    parser.add_argument("--top", type=int, help="retrieval: show this many candidates with their scores")


def say(text, stream):
    stream.write(text + "\n")
    stream.flush()


class Session:
    """One conversation: the history and the bot's answers to it."""

    def __init__(self, bot, out, top=None):
        self.bot = bot
        self.out = out
        self.top = top
        self.history = []
        self.latencies = []

    def answer(self, text):
        started = time.perf_counter()
        reply = self.bot.respond(self.history + [text])
        self.latencies.append(time.perf_counter() - started)
        self.history += [text, reply["response"]]
        say(f"bot> {reply['response']}", self.out)
        if self.top and "candidates" in reply:
            for candidate, score in zip(reply["candidates"][:self.top], reply["scores"]):
                say(f"      {score:.3f}  {candidate}", self.out)
        return reply

    def command(self, line):
        """Handle one input line; return False to leave."""
        text = line.strip()
        if not text:
            say(f"(empty message: {HELP})", self.out)
        elif text == "/quit":
            say("bye.", self.out)
            return False
        elif text == "/reset":
            self.history = []
            say("(conversation reset)", self.out)
        elif text == "/history":
            if not self.history:
                say("(no conversation yet)", self.out)
            for index, turn in enumerate(self.history):
                say(f"{'you' if index % 2 == 0 else 'bot'}: {turn}", self.out)
        elif text.startswith("/"):
            say(f"(unknown command {text}: {HELP})", self.out)
        else:
            self.answer(text)
        return True


def check_once(text):
    """`--once TEXT` must hold a message (checked before the run is loaded)."""
    if text is not None and not text.strip():
        raise UsageError("--once needs a non-empty message")


def chat(bot, once=None, top=None, stdin=None, stdout=None):
    """Interactive chat with `bot` (an `inference.Bot`), or one answer with `once`."""
    stdin = stdin or sys.stdin
    out = stdout or sys.stdout
    check_once(once)
    session = Session(bot, out, top)
    if once is not None:
        reply = session.answer(once.strip())
        return {**reply, "history": session.history, "seconds": session.latencies[-1]}
    bot.respond(["hello"])  # trace the graph before the first real answer
    interactive = stdin.isatty()
    say(f"chatting with {bot.trained.path} ({bot.trained.config.model}); {HELP}", out)
    while True:
        if interactive:
            out.write("you> ")
            out.flush()
        line = stdin.readline()
        if not line:
            say("(end of input) bye.", out)
            break
        if not session.command(line):
            break
    latency = max(session.latencies) if session.latencies else 0.0
    return {"history": session.history, "answers": len(session.latencies), "max_seconds": latency}
