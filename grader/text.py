"""Text from student code (exception messages, printed output) made safe to show on a terminal.

A submission controls these strings; raw, its ANSI escape codes could clear the screen and draw a
fake "100 / 100". Control characters (C0 but tab and newline, DEL, C1) and bidirectional overrides
become visible escapes such as "\\x1b".
"""

import re

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def printable(text: str) -> str:
    return valid(_UNSAFE.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text))


def valid(text: str) -> str:
    """The text with its lone surrogates as visible escapes, so that it can be written as UTF-8 (a terminal, a
    file, SQLite). Python reads a file name that is not UTF-8 (Müller from a Windows zip unpacked by `unzip`) with
    each bad byte as a surrogate: `M\\x81ller` then, as `ls` shows it (staff review 4, S1: one such name stopped a
    whole batch)."""
    if not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub(lambda match: f"\\x{ord(match.group()) - 0xDC00:02x}" if "\udc80" <= match.group() <= "\udcff"
                          else match.group().encode("unicode_escape", "backslashreplace").decode("ascii"), text)


def valid_data(value):
    """`valid` on every string of JSON-like data (dicts, lists, strings)."""
    if isinstance(value, str):
        return valid(value)
    if isinstance(value, dict):
        return {valid_data(k): valid_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [valid_data(v) for v in value]
    return value
