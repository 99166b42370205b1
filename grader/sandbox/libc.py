"""The C library through ctypes (None where there is none, e.g. on Windows)."""

import ctypes

try:
    _LIBC = ctypes.CDLL(None, use_errno=True)
except (OSError, TypeError):  # pragma: no cover - not glibc/musl
    _LIBC = None


