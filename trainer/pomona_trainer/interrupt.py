"""SIGTERM/SIGINT handling: the handler only sets a flag; long loops call `check()` between batches.

Raising from inside the handler could land in the middle of a checkpoint write; polling keeps every
write whole (writes are also atomic, so even a hard kill leaves only complete checkpoints).
"""
import signal

_received: list[int] = []


def install() -> None:
    def handler(signum, _frame):
        _received.append(signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def requested() -> bool:
    return bool(_received)


def check() -> None:
    """Raise Interrupted if a stop signal has arrived."""
    if _received:
        from .errors import Interrupted

        raise Interrupted(_received[0])
