"""Errors the CLI turns into exit codes: bad input is exit 2 with one line on stderr; a stop request is 130/143."""


class InputError(Exception):
    """Bad input (file, flag, checkpoint): not worth retrying. The message names the file (and line)."""


class Interrupted(Exception):
    """SIGINT/SIGTERM arrived; the exit code follows the shell convention 128 + signal number."""

    def __init__(self, signum: int):
        super().__init__(f"stopped by signal {signum}")
        self.exit_code = 128 + signum
