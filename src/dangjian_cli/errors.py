"""The one user-facing error and the exit codes."""

EXIT_OK = 0
EXIT_ERROR = 1  # an expected failure, explained in one Chinese sentence
EXIT_USAGE = 2  # wrong options or arguments (click's own code)
EXIT_BUG = 3  # something dj did not expect: a defect of dj, never the user's mistake


class DjError(Exception):
    """Something the user did or asked that we can explain in one Chinese sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
