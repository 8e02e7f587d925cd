"""Progress as JSON lines on stdout (one object per line, flushed); human messages go to stderr."""
import json
import sys
import time


def emit(event: str, **fields) -> None:
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


def say(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


class Throttle:
    """True at most once per `interval` seconds (the first call is always True)."""

    def __init__(self, interval: float):
        self.interval = interval
        self.last = -float("inf")

    def ready(self) -> bool:
        now = time.monotonic()
        if now - self.last >= self.interval:
            self.last = now
            return True
        return False
