"""Progress on stderr (stdout carries only the report) and the one error
type that ends a run with status 1."""

import pathlib
import sys
import time


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def prefixed(text: str, prefix: str) -> str:
    """Every line of text behind prefix, so dumps of logs stand out."""
    return "".join(f"{prefix}{line}\n" for line in text.splitlines())


def tail(path: pathlib.Path, lines: int) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


class BenchError(Exception):
    """Ends the run with status 1. `dumps` are (title, text, prefix) shown
    after the message: what wrk, cargo or the server said."""

    def __init__(self, message: str, *dumps: tuple[str, str, str]):
        super().__init__(message)
        self.dumps = list(dumps)

    def show(self) -> None:
        log(f"ERROR: {self}")
        for title, text, prefix in self.dumps:
            if title:
                log(title)
            sys.stderr.write(prefixed(text, prefix))
        sys.stderr.flush()
