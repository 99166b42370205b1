"""grader.scopes.reads, the module-level names a top-level statement reads, says what symtable says.

submission.py once ran symtable on every statement's text (`_module_reads`, still the fallback); scopes.py
reads the same from the statement's syntax tree. These tests hold the two side by side on every statement
of every fixture (tests/, solutions/, docs/, the course notebook and its script export) and on snippets
chosen for each scope rule, as prepare() itself builds the statements.
"""

import ast
import sys
from pathlib import Path

import pytest

from grader import scopes
from grader import submission as runnable

from . import course
from .conftest import grade_json

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = (ROOT / "solutions" / "ex5.py").read_text()
ROOTS = {"nnCostFunction", "nn_cost_function", "sigmoidGradient", "sigmoid_gradient"}
INLINED_COMPREHENSIONS = sys.version_info >= (3, 12)  # PEP 709: symtable shows their names in the parent


def _statements(path: Path, monkeypatch) -> list:
    """The statements prepare() builds for `path`, as it hands them to select()."""
    seen = []
    real = runnable.select

    def spy(statements, roots):
        seen.extend(statements)
        return real(statements, roots)

    monkeypatch.setattr(runnable, "select", spy)
    runnable.prepare(path, ROOTS)
    monkeypatch.undo()
    return seen


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
        return True
    except SyntaxError:
        return False


def _comprehension_targets(node: ast.AST) -> set[str]:
    return {n.id for c in ast.walk(node) if isinstance(c, ast.comprehension)
            for n in ast.walk(c.target) if isinstance(n, ast.Name)}


def _assert_same(statement) -> str:
    """The tree's answer equals symtable's on the statement's text; 'fallback' when scopes.py defers."""
    fast = scopes.reads(statement.node)
    if fast is None:
        return "fallback"
    own = _parses(statement.text) and not runnable._run_on_line(statement.text)  # an exported cell's runs a string
    slow = runnable._module_reads(statement.text if own else ast.unparse(statement.node))
    if INLINED_COMPREHENSIONS:  # symtable lists a comprehension's own variables as the module's there
        assert fast <= slow and slow - fast <= _comprehension_targets(statement.node), statement.text
    else:
        assert fast == slow, statement.text
    return "same"


def _fixture_files() -> list[Path]:
    files = [p for folder in ("tests", "solutions", "docs") for p in (ROOT / folder).rglob("*.py")]
    return sorted(p for p in files if "__pycache__" not in p.parts)


def test_every_statement_of_every_fixture_reads_what_symtable_says(tmp_path, monkeypatch):
    notebook = course.folder(tmp_path / "nb")
    script = course.folder(tmp_path / "script", name="exercise4.py", script=True)
    outcomes = {"same": 0, "fallback": 0}
    files = [*_fixture_files(), notebook, script]
    for path in files:
        for statement in _statements(path, monkeypatch):
            outcomes[_assert_same(statement)] += 1
    assert len(files) > 150 and outcomes["same"] > 1000  # the fixtures were all read
    assert outcomes["fallback"] < outcomes["same"] / 20  # the fast path is the usual one


SNIPPETS = [
    "x = [a + i for i in b if c]",
    "x = [[j + k for j in i] for i in m]",
    "x = {k: v + w for k, v in d.items() if k}",
    "x = (g for g in gs if g > limit)",
    "x = {s for s in range(n)}",
    "def f():\n    return [z + i for i in y]",
    "def f(a, *args, b=default_b, **kw):\n    return a + args[0] + b + kw['c'] + outer",
    "def g(a: T = v, *, k: K = kd) -> R:\n    pass",
    "@decorator(arg)\ndef f():\n    pass",
    "async def f(x):\n    async with lock as held:\n        async for item in source:\n            print(item, held)",
    "x = lambda a, b=d: a + b + e",
    "x = lambda: (lambda q: q + w)(1)",
    "class A:\n    import numpy as np\n    x = np.zeros(3)\n    y = [x for _ in range(2)]\n    def m(self):\n"
    "        return x + self.y",
    "class B(Base, metaclass=M, flag=F):\n    y = [k for k in y2]\n    z = y",
    "def f():\n    x = 1\n    class C:\n        y = x\n        def m(self):\n            return x + w\n    return C",
    "def outer():\n    a = 1\n    def inner():\n        def deepest():\n            return a + b\n"
    "        return deepest\n    return inner",
    "x: int = 3",
    "x: Annotated",
    "(x): int = 3",
    "obj.attr: int = value",
    "def f():\n    y: int\n    return y",
    "for i in r:\n    print(i)\nelse:\n    done(i)",
    "while cond:\n    step()",
    "del q",
    "del q[k], r.attr",
    "q += 1",
    "q[k] += f(v)",
    "obj.a.b = c",
    "a, *rest = values",
    "import numpy as np, scipy.optimize",
    "from numpy import (zeros as z, ones)",
    "from module import *",
    "try:\n    import a\nexcept ImportError as error:\n    print(error, fallback)\nelse:\n    use(a)\n"
    "finally:\n    cleanup()",
    "with open(p) as f, ctx() as (a, b):\n    data = f.read() + a",
    "if x > 0:\n    y = 1\nelif x < 0:\n    y = -1\nelse:\n    y = z",
    "match command:\n    case Point(x=0, y=py) if py > limit:\n        show(py)\n    case [first, *others]:\n"
    "        use(first, others)\n    case {'k': value, **extra}:\n        use(value, extra)\n"
    "    case Color.RED | None:\n        pass\n    case str() as text:\n        say(text)\n"
    "    case _:\n        other()",
    "print(f'{value!r:>{width}} {other}')",
    "d = {**base, 'k': v}",
    "assert check(x), message",
    "raise Error(detail) from cause",
    "def f():\n    return (yield_ for yield_ in items)",
    "def f(x):\n    def g():\n        return x\n    x = 2\n    return g",
    "def f():\n    import os\n    return os.path, sys",
    "def f():\n    try:\n        pass\n    except E as e:\n        return e\n    return e2",
    "x = [y for y in range(3)]; z = y",
    "def f():\n    global g\n    g = 1",
    "def f():\n    global n\n    n += 1\n    return n",
    "def f():\n    global n\n    n += step",
    "def f():\n    global n\n    def g():\n        return n + k\n    n = 1\n    return g",
    "def f():\n    global n\n    return [n + i for i in r]",
    "def f():\n    m = 0\n    def g():\n        global m\n        m += 1\n    return g",
    "if c:\n    global q\n    q += 1",
    "class C:\n    global q\n    q += 1",
    "def f():\n    x = 1\n    def g():\n        nonlocal x\n        x = 2",
    "x = [y := f(v) for v in values]",
    "def f():\n    yield value",
    "def f():\n    return [(yield v) for v in values]",
    "class C:\n    def m(self):\n        return super().m()",
    "class C:\n    __secret = 1\n    def m(self):\n        return __secret",
    "def top():\n    local = 1\n    return local",
    "def f(a, a):\n    pass",
    "def f():\n    from os import *",
    "def f():\n    nonlocal missing",
    "x = " + " + ".join(["term"] * 300),
    "x = " + "(" * 150 + "deep" + ")" * 150,
]

FALLBACK = {"if c:\n    global q\n    q += 1", "class C:\n    global q\n    q += 1",
            "x = [y := f(v) for v in values]", "def f():\n    yield value",
            "def f():\n    return [(yield v) for v in values]",
            "class C:\n    def m(self):\n        return super().m()",
            "class C:\n    __secret = 1\n    def m(self):\n        return __secret",
            "def top():\n    local = 1\n    return local", "def f(a, a):\n    pass", "def f():\n    from os import *",
            "def f():\n    nonlocal missing", "def f():\n    x = 1\n    def g():\n        nonlocal x\n        x = 2"}


@pytest.mark.parametrize("text", SNIPPETS, ids=range(len(SNIPPETS)))
def test_each_scope_rule_reads_what_symtable_says(tmp_path, monkeypatch, text):
    path = tmp_path / "ex5.py"
    path.write_text(text + "\n")
    statements = _statements(path, monkeypatch)
    assert statements, text
    kinds = {_assert_same(statement) for statement in statements}
    assert kinds == ({"fallback"} if text in FALLBACK else {"same"}), text


def test_what_symtable_refuses_reads_nothing_as_before():
    """A statement symtable rejects (a duplicate parameter) read nothing before; the fallback keeps that."""
    node = ast.parse("def f(a, a):\n    return b\n").body[0]
    assert scopes.reads(node) is None
    assert runnable._module_reads("def f(a, a):\n    return b\n") == frozenset()


def test_a_deep_expression_is_read_without_recursion():
    value = ast.Name("t0", ast.Load())
    for i in range(1, 20000):  # t0 + t1 + ... nests 20000 deep, deeper than Python's own recursion limit
        value = ast.BinOp(value, ast.Add(), ast.Name(f"t{i % 7}", ast.Load()))
    node = ast.Assign([ast.Name("x", ast.Store())], value)
    assert scopes.reads(node) == {f"t{i}" for i in range(7)}


@pytest.mark.parametrize("end", ["\r", "\r\n"], ids=["cr", "crlf"])
def test_line_ends_of_every_kind_are_read_as_python_reads_them(tmp_path, end):
    """Review 28, R28-6: a file saved with a lone \r at each line end (an old Mac editor's) imports fine, but the
    grader's lines (split at \n) were not the parser's: "internal error (IndexError)". Lines end as in Python's
    own reading (universal newlines), in a .py and in a notebook's cells, and an error's line is the editor's."""
    text = SOLUTION.replace("\n", end)
    (tmp_path / "ex5.py").write_bytes(text.encode())
    report, status = grade_json(tmp_path / "ex5.py")
    assert (report["score"], status) == (100, 0), report
    cells = [(kind, source.replace("\n", end)) for kind, source in course.cells()]
    report, status = grade_json(course.folder(tmp_path / "notebook", cells))
    assert (report["score"], status) == (100, 0), report
    broken = SOLUTION.replace("def sigmoid_gradient(z):\n", "def sigmoid_gradient(z):\n    1 / 0\n").replace("\n", end)
    (tmp_path / "broken" / "ex5.py").parent.mkdir()
    (tmp_path / "broken" / "ex5.py").write_bytes(broken.encode())
    line = SOLUTION[:SOLUTION.index("def sigmoid_gradient(z):")].count("\n") + 2
    report, _ = grade_json(tmp_path / "broken" / "ex5.py")
    part = next(p for p in report["parts"] if p["id"] == "sigmoid_gradient")
    assert f"ZeroDivisionError: division by zero (ex5.py, line {line})" in part["feedback"], part


@pytest.mark.skipif(sys.version_info < (3, 12), reason="Python 3.12 syntax: an older Python cannot read the file at "
                    "all (as the student's own Python would not)")
def test_python_3_12_type_statements_and_generic_defs_are_kept(tmp_path):
    """Review 28, R28-1, R28-2: `type Array = np.ndarray` was script code, not run, so the defs whose annotations
    read it were left out too; `def sigmoid[T](z: T) -> T` read T, its own type parameter, as a module name that
    is not set: right files scored 0 under Python 3.12."""
    text = SOLUTION.replace("import numpy as np\n", "import numpy as np\n\ntype Array = np.ndarray\n"
                                                      "type Unused = list[int]\n", 1)
    text = text.replace("def sigmoid(z):", "def sigmoid[T](z: T) -> T:").replace("def sigmoid_gradient(z):",
                                                                                 "def sigmoid_gradient(z: Array):")
    assert "def sigmoid[T]" in text and "z: Array" in text
    (tmp_path / "ex5.py").write_text(text)
    report, status = grade_json(tmp_path / "ex5.py")
    assert (report["score"], status, report["notes"]) == (100, 0, []), report


HELPER_THEN_CONTINUATION = """\
import numpy as np


def helper(z):
    return 1 / (1 + np.exp(-z))


def sigmoidGradient(z):
    {body}return helper(z) * (1 - helper(z)) \\
# the end
"""


@pytest.mark.parametrize("body", ["", "(calls := 1)\n    "], ids=["tree", "symtable"])
def test_a_function_whose_last_line_continues_onto_a_comment_keeps_its_helpers(tmp_path, body):
    """Its text alone ends in a dangling backslash: reading it as text found no names, so helper was left out
    and a correct sigmoidGradient raised NameError. The tree (or, for what scopes.py leaves to symtable, the
    tree unparsed) has the names."""
    path = tmp_path / "ex5.py"
    path.write_text(HELPER_THEN_CONTINUATION.format(body=body))
    prepared = runnable.prepare(path, ROOTS)
    assert "def helper(z):" in prepared.source and "import numpy as np" in prepared.source
    namespace = {}
    exec(compile(prepared.source, str(path), "exec"), namespace)
    assert namespace["sigmoidGradient"](0.0) == 0.25
