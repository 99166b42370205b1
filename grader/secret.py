"""Secret hidden cases: an instructor's secret reseeds every random case, so a student cannot know them.

Without a secret the hidden cases are the public ones that `grade inspect` shows: students grade
locally on those. With the secret (`GRADER_SECRET`, or `--secret-file`, which wins), every seeded random
draw of the exercise gets its seed from HMAC-SHA256(secret, message) instead of the spec:

- a `random:` network case: message "EXERCISE_ID/CASE" (X, y and the weights all come from that seed);
- a `{random: ...}` array inside a case (an activation case's z, an explicit case's X or thetas[i]):
  message "EXERCISE_ID/CASE/FIELD", e.g. "ex5/random_z/z".

Literal and sequence values (the course's own fixed case) stay as they are: they are public anyway.
A draw that fails separation.problem (outputs that saturate, a mistake hidden inside a larger one) is
drawn again with "#1", "#2", ... appended to every message (`with_secret`), and so is one on which a
student's harmless log(a + 1e-5) would fail where the public cases let it pass.
The seed is the digest's first 8 bytes. A report names the secret only by its fingerprint, an HMAC of a
fixed message that says nothing about the secret itself.
"""

import os
import sys
from pathlib import Path
from types import MappingProxyType

from .spec import Case, Exercise, Values

ENV = "GRADER_SECRET"
MIN_LENGTH, MAX_LENGTH = 16, 4096
HOW_TO_MAKE = "python3 -c 'import secrets; print(secrets.token_hex(32))'"


class SecretError(Exception):
    """The secret cannot be used; str() is the whole message."""


def from_text(text: str | bytes, where: str) -> bytes:
    """A secret from a file's or variable's content: surrounding whitespace removed, length checked."""
    data = (text.encode() if isinstance(text, str) else text).strip()
    if not MIN_LENGTH <= len(data) <= MAX_LENGTH:
        raise SecretError(f"{where}: a secret must be {MIN_LENGTH} to {MAX_LENGTH} characters long, got "
                          f"{len(data)}; make one with {HOW_TO_MAKE}")
    return data


def read_file(path: Path) -> bytes:
    try:
        if not path.is_file():  # staff review 4, S12: a missing file was "not a regular file"
            raise OSError(0, "is a folder" if path.is_dir() else "not a regular file" if path.exists()
                          else "no such file")
        with path.open("rb") as file:
            return from_text(file.read(MAX_LENGTH + 1024), str(path))
    except OSError as error:
        raise SecretError(f"{path}: the secret file cannot be read ({error.strerror or error})") from None


def load(secret_file: Path | None) -> bytes | None:
    """The secret: --secret-file if given, else $GRADER_SECRET (or the pipe it was moved to), else None."""
    if secret_file is not None:
        return read_file(secret_file)
    if os.environ.get(FD_ENV, "").isdigit():
        fd = int(os.environ.pop(FD_ENV))
        try:
            with os.fdopen(fd, "rb") as pipe:
                return from_text(pipe.read(MAX_LENGTH + 1024), f"${ENV}")
        except OSError as error:
            raise SecretError(f"${ENV} could not be passed on ({error.strerror or error})") from None
    if os.environ.get(ENV):
        return from_text(os.environ[ENV], f"${ENV}")
    return None


# ---- keeping $GRADER_SECRET out of the processes that run student code --------------------------------

FD_ENV = "GRADER_SECRET_FD"


def _running_as_grade() -> bool:
    """Started as the `grade` console script or as `python -m grader` (not as pytest or a library)."""
    program = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if program is None:
        return False
    main = Path(__file__).resolve().parent / "__main__.py"
    return program.name == "grade" or (program.name == "__main__.py" and program.resolve() == main)


def hand_off_environment_secret() -> None:
    """Run this command again without $GRADER_SECRET in its environment, the secret waiting in a pipe.

    A process's initial environment block stays in its memory, and every process forked from it (the
    sandbox's zygote and workers) has a copy a submission can search. So a grading command started with
    $GRADER_SECRET re-executes itself with the variable replaced by GRADER_SECRET_FD, a pipe that holds
    the secret, which `load` reads only after the zygote is forked (the workers close every inherited
    descriptor). Done only when running as the `grade` program; as a library (tests call the commands
    in-process) the variable is read as it is: prefer --secret-file there.
    """
    value = os.environ.get(ENV)
    if not value or not _running_as_grade():
        return
    try:
        secret = from_text(value, f"${ENV}")
    except SecretError:
        return  # `load` says what is wrong with it, where the command reports errors
    read_end, write_end = os.pipe()
    os.write(write_end, secret)  # at most MAX_LENGTH bytes: far below a pipe's buffer
    os.close(write_end)
    try:
        import fcntl  # not on Windows, where the portable runner's workers inherit no descriptor anyway
    except ImportError:
        high = read_end
    else:
        high = fcntl.fcntl(read_end, fcntl.F_DUPFD, 64)  # above the descriptors a worker keeps
        os.close(read_end)
    os.set_inheritable(high, True)
    environment = {k: v for k, v in os.environ.items() if k != ENV}
    environment[FD_ENV] = str(high)
    from .prestart import discard

    discard()  # the portable workers `grade` started early, which the process run again starts anew (review 17, R6)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-m", "grader", *sys.argv[1:]], environment)


def derive_seed(secret: bytes, message: str) -> int:
    import hashlib  # here, like hmac: a grade without the secret never needs them
    import hmac

    return int.from_bytes(hmac.new(secret, message.encode(), hashlib.sha256).digest()[:8], "big")


def fingerprint(secret: bytes) -> str:
    """Names the secret in reports (to tell which secret graded a submission) without revealing it."""
    import hashlib
    import hmac

    return hmac.new(secret, b"nn-grader secret fingerprint", hashlib.sha256).hexdigest()[:16]


def _reseeded(values: Values | None, secret: bytes, message: str) -> Values | None:
    if values is None or values.kind != "random":
        return values
    return values._replace(seed=derive_seed(secret, message))


def _secret_case(case: Case, secret: bytes, exercise_id: str, draw: int = 0) -> Case:
    prefix = f"{exercise_id}/{case.name}"
    suffix = f"#{draw}" if draw else ""  # draw 0: the messages secrets have always used
    if case.random_seed is not None:
        return case._replace(random_seed=derive_seed(secret, prefix + suffix))
    return case._replace(
        z=_reseeded(case.z, secret, f"{prefix}/z{suffix}"), X=_reseeded(case.X, secret, f"{prefix}/X{suffix}"),
        y=_reseeded(case.y, secret, f"{prefix}/y{suffix}"),
        thetas=tuple(_reseeded(t, secret, f"{prefix}/thetas[{i}]{suffix}") for i, t in enumerate(case.thetas)),
    )


def secret_cases(exercise: Exercise) -> tuple[str, ...]:
    """The names of the cases a secret changes (those with a seeded random draw)."""
    def seeded(case: Case) -> bool:
        values = (case.z, case.X, case.y, *case.thetas)
        return case.random_seed is not None or any(v is not None and v.kind == "random" for v in values)
    return tuple(name for name, case in exercise.cases.items() if seeded(case))


DRAWS = 12  # draws tried before the first is kept: separation.problem passes ≥ 60% of draws of a sound recipe
# Draws tried for one that is also kind to a safe log (separation.harsh_to_habits): 6% of ex5's draws are
# (benchmarks/bench_secret_draws.py), so 256 leave fewer than 1 secret in 10 million without one. A draw
# that is not kind costs a forward pass of the seeded cases (well under a millisecond), not the full check.
KIND_DRAWS = 256


def with_secret(exercise: Exercise, secret: bytes | None) -> Exercise:
    """The exercise with its random cases reseeded by the secret; the same exercise without one.

    The seeded cases are drawn again (draw k adds "#k" to every message) while the draw fails
    separation.problem (its outputs saturate or it lets a mistake hide inside a larger one) or, where the
    public cases let a student's safe log(a + 1e-5) pass, while that ε moves J too far on a seeded case
    (separation.harsh_to_habits). The first draw that passes is kept: a pure function of the secret and
    the spec, so every grader and `grade inspect` see the same cases, and a secret whose first draw passed
    keeps the cases it always had. When no draw of KIND_DRAWS is kind to the safe log, the first of DRAWS
    that separates is kept (separation comes first); a recipe no draw can mend (weights far too small,
    say) keeps draw 0, for `grade audit` to report.
    """
    if secret is None:
        return exercise
    from .cases import build, build_all
    from .separation import harsh_to_habits, kind_to_habits, problem

    seeded = secret_cases(exercise)
    if not seeded:
        return _drawn(exercise, secret, 0)
    fixed = {name: data for name, data in build_all(exercise).items() if name not in seeded}

    def draws(count: int):
        for draw in range(count):
            candidate = _drawn(exercise, secret, draw)
            yield candidate, {**fixed, **{name: build(candidate, candidate.cases[name]) for name in seeded}}

    kind = kind_to_habits(exercise, {**fixed, **{name: build(exercise, exercise.cases[name]) for name in seeded}})
    for candidate, data in draws(KIND_DRAWS if kind else DRAWS):
        if not (kind and harsh_to_habits(candidate, data, seeded)) and not problem(candidate, data, seeded):
            return candidate
    if kind:  # no draw kind to a safe log separates: the first that separates, as if habits were not checked
        for candidate, data in draws(DRAWS):
            if not problem(candidate, data, seeded):
                return candidate
    return _drawn(exercise, secret, 0)


def _drawn(exercise: Exercise, secret: bytes, draw: int) -> Exercise:
    cases = {name: _secret_case(case, secret, exercise.id, draw) for name, case in exercise.cases.items()}
    return exercise._replace(cases=MappingProxyType(cases))
