"""Worker side (portable): import a student's runnable source the way the course's folder expects (docs/submissions.md).

- The source (grader/submission.py's runnable part of a .py or .ipynb) is compiled under the student's own
  file path, so tracebacks name their file and the grader maps lines back to cells; `linecache` gets the
  source itself, so a traceback never reads a 50 MB notebook.
- The module gets a private name (`MODULE_NAME`), never one the course uses: the course's utils.py does
  `from submission import SubmissionBase`.
- Stand-ins: a `submission` module with an empty SubmissionBase (the course's client lives in the folder
  above, which a grader of a whole class must not expose); only when matplotlib is not installed, a
  `matplotlib`/`matplotlib.pyplot` whose every function does nothing, so the course's utils.py imports; and
  only when the student's folder holds no `utils` of its own, the course's utils.py (course_utils.py), since
  students upload the course's notebook alone and its functions call `utils.sigmoid`. It is found by a meta
  path finder on `import utils` only, so a submission that never imports utils pays nothing for it.
- Jupyter's `display`: a builtin in a notebook's kernel, so a function that calls it works there (and the course
  accepts it); here it prints what the notebook would show as text. And only when IPython is not installed,
  an `IPython` / `IPython.display` whose `display` is that one (`from IPython.display import display`), found
  the way `utils` is (student review 4, F2: either cost every part).
"""

import _signal
import importlib.machinery
import importlib.util
import linecache
import os
import signal
import sys
import types
from pathlib import Path

from .numpy_names import NUMPY_REMOVED

MODULE_NAME = "_graded_submission"
UTILS_FILE = "<the grader's stand-in for the course's utils.py>"  # its __file__: errors name it (crashes.py)
UTILS_NAMES = ("displayData", "sigmoid", "predict", "debugInitializeWeights", "computeNumericalGradient",
               "checkNNGradients", "Grader")  # what course_utils.py offers, as the course's utils.py does
_UTILS_SOURCE = Path(__file__).with_name("course_utils.py").read_text(encoding="utf-8")  # before any fork


class _Nothing:
    """Whatever a plotting call returns in the stand-in: callable, any attribute, does nothing."""

    def __call__(self, *args, **kwargs):
        return self

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self

    def __iter__(self):
        return iter(())

    def __getitem__(self, key):
        return self

    def __setitem__(self, key, value):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class _StandIn(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Nothing()


class SubmissionBase:
    """Stand-in for the course's submission client: grading here never posts anything."""

    def __init__(self, *args, **kwargs):
        self.functions = {}

    def __setitem__(self, key, value):
        self.functions[key] = value

    def __getitem__(self, key):
        return self.functions[key]

    def grade(self, *args, **kwargs):
        return None


class CourseUtils:
    """Meta path finder and loader of `utils`: the student's own when their folder has one (a utils.py, a
    package, anything Python would import from there), else the course's (course_utils.py). Only the
    student's folder counts: a `utils` installed where the grader runs is not the course's either."""

    def __init__(self, folder: str | None):
        self.folder = folder

    def find_spec(self, name, path=None, target=None):
        if name != "utils":
            return None
        if self.folder is not None and importlib.machinery.PathFinder.find_spec(name, [self.folder]) is not None:
            return None  # the student's own, found by the usual path finder from sys.path[0]
        return importlib.util.spec_from_loader(name, self, origin=UTILS_FILE)

    @staticmethod
    def create_module(spec):
        return None

    @staticmethod
    def exec_module(module) -> None:
        module.__file__ = UTILS_FILE
        linecache.cache[UTILS_FILE] = (len(_UTILS_SOURCE), None, _UTILS_SOURCE.splitlines(True), UTILS_FILE)
        exec(compile(_UTILS_SOURCE, UTILS_FILE, "exec", dont_inherit=True), module.__dict__)


def display(*objs, **kwargs) -> None:
    """Jupyter's display() outside a notebook: each object as the notebook shows it in text, its repr."""
    for obj in objs:
        print(repr(obj))


class IPythonStandIn:
    """Meta path finder and loader of `IPython` and its `display` module, when IPython is not installed: the
    notebook's furniture, as matplotlib's stand-in is; any other IPython module is the usual ImportError."""

    NAMES = ("IPython", "IPython.display", "IPython.core", "IPython.core.display")

    def find_spec(self, name, path=None, target=None):
        if name not in self.NAMES:  # last on sys.meta_path: only when no other finder found it
            return None
        return importlib.util.spec_from_loader(name, self, is_package=name.count(".") < 2 and
                                               not name.endswith("display"))

    @staticmethod
    def create_module(spec):
        return _StandIn(spec.name, "Stand-in: IPython is not installed where the grader runs.")

    @staticmethod
    def exec_module(module) -> None:
        module.display = display


class MatplotlibStandIn:
    """Meta path finder and loader of any other part of matplotlib (`matplotlib.image`, `matplotlib.cm`), offered
    only with the stand-in matplotlib: each part is a stand-in too, whose every function does nothing."""

    def find_spec(self, name, path=None, target=None):
        if not name.startswith("matplotlib."):
            return None
        return importlib.util.spec_from_loader(name, self, is_package=True)

    @staticmethod
    def create_module(spec):
        return _StandIn(spec.name, "Stand-in: plotting does nothing here.")

    @staticmethod
    def exec_module(module) -> None:
        module.__path__ = []  # its own parts are stand-ins as well (matplotlib.backends.backend_agg)




def _numpy_removed_names() -> None:
    """Give numpy back the names of NUMPY_REMOVED it lacks (a no-op where numpy is not loaded yet)."""
    numpy = sys.modules.get("numpy")
    if numpy is None:
        return
    import builtins
    import warnings

    for name, target in NUMPY_REMOVED.items():
        if name in numpy.__dict__:
            continue
        try:
            with warnings.catch_warnings():  # np.object, np.str: a FutureWarning on the worker's stderr otherwise
                warnings.simplefilter("ignore")
                getattr(numpy, name)  # still there (an older NumPy, or only deprecated)
        except AttributeError:
            home, _, attribute = target.rpartition(".")
            value = getattr(builtins if home else numpy, attribute)
            setattr(numpy, name, value)
    if "NINF" not in numpy.__dict__ and not hasattr(numpy, "NINF"):
        numpy.NINF = -numpy.inf


def install_stand_ins(folder: str | None = None, elsewhere: bool | None = None) -> None:
    """`elsewhere`, when known (the zygote looked before the fork), says whether matplotlib is importable
    from sys.path apart from the submission's `folder`; then only that folder is searched here."""
    _numpy_removed_names()
    course = types.ModuleType("submission", "Stand-in for the course's submission client (the grader's).")
    course.SubmissionBase = SubmissionBase
    sys.modules["submission"] = course
    sys.meta_path.insert(0, CourseUtils(folder))
    sys.meta_path.append(IPythonStandIn())  # last: an installed IPython is found first
    import builtins

    builtins.display = display
    if elsewhere is None or folder is None:
        found = importlib.util.find_spec("matplotlib") is not None
    else:
        found = elsewhere or importlib.machinery.PathFinder.find_spec("matplotlib", [folder]) is not None
    if not found:
        matplotlib = _StandIn("matplotlib", "Stand-in: matplotlib is not installed where the grader runs.")
        pyplot = _StandIn("matplotlib.pyplot", "Stand-in: plotting does nothing here.")
        matplotlib.__path__ = []  # a package, so `import matplotlib.pyplot` finds the stand-in below
        matplotlib.pyplot = pyplot
        sys.modules["matplotlib"] = matplotlib
        sys.modules["matplotlib.pyplot"] = pyplot
        sys.meta_path.append(MatplotlibStandIn())  # matplotlib.image, .cm, ...: a student's utils.py (accept15, N13)


def import_source(submission: Path, source: str, matplotlib: bool | None = None) -> types.ModuleType:
    """Run `source` as the student's module, with their folder importable; raises what their code raises.
    `matplotlib`: see `install_stand_ins`."""
    filename = str(submission)
    sys.path.insert(0, str(submission.parent))
    install_stand_ins(str(submission.parent), matplotlib)
    module = types.ModuleType(MODULE_NAME)
    module.__file__ = filename
    sys.modules[MODULE_NAME] = module
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    code = compile(source, filename, "exec", dont_inherit=True)
    exec(code, module.__dict__)
    return module


RUNNING_MARK = "[grader: running "  # grader/submission.py reads it from the output of a call that timed out
RUNNING_ROOM = 256


def prints_limit(output_bytes: int) -> int:
    """How much of a call's kept output (Limits.output_bytes) the worker's own prints may fill (worker.
    capture_output): the rest stays free for the mark, so that it still fits after a flood printed until the
    timeout."""
    return output_bytes - min(RUNNING_ROOM, output_bytes // 4)
SOFT_FRACTION = 0.9  # of the per-call timeout: the zygote's hard kill comes at 1.0


class SoftTimer:
    """Shortly before the zygote kills a call that runs too long, write on stderr which line of the student's
    file is running ("[grader: running nnCostFunction line 57]"), so the report can name it. A signal
    handler runs between bytecodes, so a call stuck inside one long C routine is not named; that is all."""

    def __init__(self, filename: str, timeout: float | None):
        self.filename = filename
        self.seconds = timeout * SOFT_FRACTION if timeout else 0.0
        if self.seconds:
            try:  # _signal: signal's enum wrapper runs Python whose pages a forked worker would copy first
                _signal.signal(_signal.SIGALRM, self._report)
            except (ValueError, OSError):
                self.seconds = 0.0

    def _report(self, signum, frame) -> None:
        while frame is not None and frame.f_code.co_filename != self.filename:
            frame = frame.f_back
        if frame is not None:
            try:
                os.write(2, f"\n{RUNNING_MARK}{frame.f_code.co_name} line {frame.f_lineno}]\n".encode())
            except OSError:
                pass

    def start(self) -> None:
        if self.seconds:
            signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def stop(self) -> None:
        if self.seconds:
            signal.setitimer(signal.ITIMER_REAL, 0)
