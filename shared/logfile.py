"""The run folder's train.log: the annsuite log of this process, also on disk."""

import logging

log = logging.getLogger("annsuite")


def detach_log_file():
    for handler in list(log.handlers):
        if isinstance(handler, logging.FileHandler):
            log.removeHandler(handler)
            handler.close()


def attach_log_file(path):
    """Also write the annsuite log of this process to the run folder."""
    detach_log_file()
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    handler.setLevel(logging.INFO)
    log.addHandler(handler)
    if log.getEffectiveLevel() > logging.INFO:  # the Python API: train.log is as full as the CLI's
        log.setLevel(logging.INFO)
