"""`ast.parse` for the grader's threads: one parse at a time.

A batch's job slots are threads of one process, and each reads its student's source with `ast.parse`.
CPython 3.11 and 3.12 keep the AST converter's recursion depth in interpreter-wide state (python/cpython
gh-106905): two threads converting at once (the GIL can pass between them inside, when an allocation runs the
garbage collector) make one of them raise SystemError "AST constructor recursion depth mismatch", a
student's "internal error". A parse takes milliseconds, so a lock costs nothing that matters.
"""
import ast
import threading

_LOCK = threading.Lock()


def parse(source: str | bytes, filename: str = "<unknown>") -> ast.Module:
    with _LOCK:
        return ast.parse(source, filename)
