"""SIGTERM/SIGINT handling: the handler only sets a flag; long loops call `check()` between batches.

Raising from inside the handler could land in the middle of a checkpoint write; polling keeps every
write whole (writes are also atomic, so even a hard kill leaves only complete checkpoints).
"""
import os
import signal
import threading

_received: list[int] = []

# Set by pomona's activities, which hold the child's stdin open: when the worker dies (even by SIGKILL)
# the pipe closes, and the trainer stops instead of training on as an orphan beside the retry.
WATCH_STDIN_ENV = "POMONA_STOP_ON_STDIN_EOF"


def install() -> None:
    def handler(signum, _frame):
        _received.append(signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    if os.environ.get(WATCH_STDIN_ENV) == "1":
        threading.Thread(target=_stop_on_stdin_eof, daemon=True).start()


def _stop_on_stdin_eof() -> None:
    # os.read on the raw descriptor, not sys.stdin: a daemon thread blocked inside a buffered reader holds
    # its lock, and the interpreter aborts at exit trying to take it.
    try:
        while os.read(0, 4096):
            pass
    except OSError:
        pass
    _received.append(signal.SIGTERM)


def requested() -> bool:
    return bool(_received)


def check() -> None:
    """Raise Interrupted if a stop signal has arrived."""
    if _received:
        from .errors import Interrupted

        raise Interrupted(_received[0])
