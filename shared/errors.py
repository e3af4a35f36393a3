"""Errors that reach the user as one line and exit code 2."""


class AnnsuiteError(Exception):
    """Base class of the errors the command line reports as one line."""


class UsageError(AnnsuiteError):
    """A bad command line or configuration value."""


class DataError(AnnsuiteError):
    """Bad input data, naming the file (and line) and the problem.

    Args:
        path: the file or folder at fault.
        problem: what is wrong with it, in a few words.
        line: the 1-based line number, where the problem has one.
    """

    def __init__(self, path, problem, line=None):
        self.path = str(path)
        self.problem = problem
        self.line = line
        where = self.path if line is None else f"{self.path}:{line}"
        super().__init__(f"{where}: {problem}")
