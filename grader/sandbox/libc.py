"""The C library through ctypes (None where there is none, e.g. on Windows)."""

import ctypes

try:
    _LIBC = ctypes.CDLL(None, use_errno=True)
except (OSError, TypeError):  # pragma: no cover - not glibc/musl
    _LIBC = None




def fixed_mmap_threshold(size: int = 1 << 20) -> None:
    """glibc raises its mmap threshold after each large free, so buffers of tens of MB (a student's results)
    then come from the heap, fragment it and stay resident; a fixed threshold returns each to the system when
    it is freed. Nothing where there is no glibc mallopt."""
    mallopt = getattr(_LIBC, "mallopt", None) if _LIBC is not None else None
    if mallopt is not None:
        mallopt(-3, size)  # M_MMAP_THRESHOLD
