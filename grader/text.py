"""Text from student code (exception messages, printed output) made safe to show on a terminal.

A submission controls these strings; raw, its ANSI escape codes could clear the screen and draw a
fake "100 / 100". Control characters (C0 but tab and newline, DEL, C1) and bidirectional overrides
become visible escapes such as "\\x1b".
"""

import re

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    return _UNSAFE.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)
