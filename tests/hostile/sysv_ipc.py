"""SysV shared memory (3 x 8 MB, touched), a SysV message queue and a POSIX message queue, at import and in
every call: none is a file (Landlock) and a detached segment is not counted by RLIMIT_AS, so without the
sandbox they would outlive the run. Seccomp refuses them; as root the zygote's IPC namespace would also take
them away with it. Cost is wrong. Honest score 5."""
import ctypes
import ctypes.util

import numpy as np



def _leave():
    _libc = ctypes.CDLL(None, use_errno=True)  # here, not at top level: the grader runs only what functions need
    _libc.shmat.restype = ctypes.c_void_p
    _libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
    _libc.shmdt.argtypes = [ctypes.c_void_p]
    for i in range(3):
        shmid = _libc.shmget(0x686F0000 + i, 8 << 20, 0o1000 | 0o666)  # IPC_CREAT
        if shmid >= 0:
            addr = _libc.shmat(shmid, None, 0)
            if addr not in (None, ctypes.c_void_p(-1).value):
                ctypes.memset(addr, 0x41, 8 << 20)
                _libc.shmdt(ctypes.c_void_p(addr))
    _libc.msgget(0x686F0010, 0o1000 | 0o666)
    _libc.semget(0x686F0020, 1, 0o1000 | 0o666)
    try:
        rt = ctypes.CDLL(ctypes.util.find_library("rt") or "librt.so.1", use_errno=True)
        rt.mq_open(b"/hostile-mq", 0o100 | 2, 0o666, None)  # O_CREAT | O_RDWR
    except (OSError, AttributeError):
        pass


def _at_import(function):  # a decorator runs when the module is imported
    _leave()
    return function


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


@_at_import
def sigmoid_gradient(z):
    _leave()
    g = sigmoid(z)
    return g * (1 - g)


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    _leave()
    return 0.0, np.zeros(nn_params.shape)
