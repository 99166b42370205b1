"""The module-level names a top-level statement reads, from its syntax tree (submission.py's `reads`).

What `symtable` says about the statement's own text compiled as a module (3.11's scopes): every name
the statement loads at module level, plus, in the functions, lambdas and comprehensions it defines,
every loaded name that is neither bound there nor in an enclosing function (a global), plus, in a
class body, every loaded name the body does not assign. Reading it off the tree we already have
costs a fraction of one symtable per statement (a re-parse, then a Python walk over its tables), and
`grade batch` pays it for every submission.

A function's `global` names are module-level: every load of them, and an augmented assignment
(`n += 1` reads n first), reads the module's name, wherever the function is nested (symtable's
is_declared_global; its fallback in submission.py adds the augmented ones, which symtable counts as
stores only).

`reads` answers None for what it does not model (`global` outside a function, nonlocal, :=, yield and await, super and
__class__, names a class body would mangle, Python 3.12's type parameters, duplicate parameters, a
star import inside a def or class, a def or class named `top`, which symtable's Python side takes for
the module): the caller then asks symtable, so those stay exactly as they were.
"""

from __future__ import annotations

import ast

_FUNCTION = 0
_CLASS = 1
_MODULE = 2

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
_UNMODELLED = (ast.Nonlocal, ast.NamedExpr, ast.Yield, ast.YieldFrom, ast.Await,
               *(getattr(ast, name) for name in ("TypeAlias", "TypeVar", "ParamSpec", "TypeVarTuple")
                 if hasattr(ast, name)))


class Unmodelled(Exception):
    """The statement uses a construct `reads` leaves to symtable."""


class _Scope:
    __slots__ = ("kind", "parent", "bound", "assigned", "used", "in_class", "declared", "augmented")

    def __init__(self, kind: int, parent: _Scope | None):
        self.kind, self.parent = kind, parent
        self.bound: set[str] = set()  # local, parameter or import (symtable's DEF_BOUND)
        self.assigned: set[str] = set()  # assigned, deleted, def/class names (DEF_LOCAL): not imports, not params
        self.used: set[str] = set()  # loaded here
        self.declared: set[str] = set()  # named in a `global` statement here (functions only)
        self.augmented: set[str] = set()  # targets of an augmented assignment here (n += 1)
        self.in_class = kind == _CLASS or (parent is not None and parent.in_class)

    def bind(self, name: str, assigned: bool = True) -> None:
        """A binding; `assigned` unless it is an import or a parameter (symtable's DEF_LOCAL)."""
        if self.in_class and name.startswith("__") and not name.endswith("__"):
            raise Unmodelled  # a private name: symtable mangles it (_Class__name)
        self.bound.add(name)
        if assigned:
            self.assigned.add(name)


# Fields that never hold a node (names, operators, flags) or that the visit reads itself.
_SCALAR_FIELDS = frozenset({"ctx", "op", "ops", "type_comment", "kwd_attrs", "names", "name", "attr", "arg", "id",
                            "module", "level", "simple", "is_async", "conversion", "kind", "rest", "tag"})
_LEAVES = (ast.Constant, ast.MatchSingleton, ast.Pass, ast.Break, ast.Continue)
_children_fields: dict[type, tuple[str, ...]] = {}


def _child_fields(node_type: type) -> tuple[str, ...]:
    """The fields of a node type that hold nodes or lists of nodes."""
    fields = _children_fields.get(node_type)
    if fields is None:
        if not issubclass(node_type, ast.AST):
            raise Unmodelled  # a value this module does not know: leave it to symtable
        fields = ()
        if not issubclass(node_type, _LEAVES):
            fields = tuple(f for f in node_type._fields if f not in _SCALAR_FIELDS)
        _children_fields[node_type] = fields
    return fields


def reads(statement: ast.stmt) -> frozenset[str] | None:
    """The module-level names `statement` reads (module docstring), or None when symtable must say."""
    module = _Scope(_MODULE, None)
    scopes = [module]
    try:
        pending = [([statement], module)]
        while pending:
            nodes, scope = pending.pop()
            _visit(nodes, scope, scopes, pending)
    except Unmodelled:
        return None
    names = set(module.used)
    for scope in scopes[1:]:
        if scope.kind == _CLASS:
            names |= scope.used - scope.assigned
            continue
        declared = (scope.used | scope.augmented) & scope.declared
        free = scope.used - scope.bound - declared
        outer = scope.parent
        while free and outer is not None:
            if outer.kind == _FUNCTION:
                free -= outer.bound - outer.declared
            outer = outer.parent
        names |= free | declared
    return frozenset(names)


def _visit(nodes: list, scope: _Scope, scopes: list[_Scope], pending: list) -> None:
    """Record the bindings and loads of `nodes` (a stack, not recursion: expressions nest deep) in `scope`;
    a nested scope goes to `pending` with its own nodes."""
    pop, push, extend = nodes.pop, nodes.append, nodes.extend
    used = scope.used
    in_class = scope.in_class
    while nodes:
        node = pop()
        if node is None:  # an optional field, or a dict display's ** entry
            continue
        kind = type(node)
        if kind is ast.Name:
            name = node.id
            if name == "super" or name == "__class__":
                raise Unmodelled  # a use of super() is a use of __class__
            if type(node.ctx) is ast.Load:
                if in_class and name[:2] == "__" and name[-2:] != "__":
                    raise Unmodelled
                used.add(name)
            else:
                scope.bind(name)
            continue
        # The commonest expressions, their fields taken directly (the generic loop below would do the same).
        if kind is ast.Attribute:
            push(node.value)
            continue
        if kind is ast.Constant:
            continue
        if kind is ast.Call:
            push(node.func)
            extend(node.args)
            extend(keyword.value for keyword in node.keywords)
            continue
        if kind is ast.BinOp:
            push(node.left)
            push(node.right)
            continue
        if kind is ast.Subscript:
            push(node.value)
            push(node.slice)
            continue
        if kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda):
            if getattr(node, "type_params", None):
                raise Unmodelled
            arguments = node.args
            parameters = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                          *(a for a in (arguments.vararg, arguments.kwarg) if a is not None)]
            inner = _Scope(_FUNCTION, scope)
            scopes.append(inner)
            for parameter in parameters:
                if parameter.arg in inner.bound:
                    raise Unmodelled  # a duplicate parameter: symtable's SyntaxError
                inner.bind(parameter.arg, assigned=False)
            extend(arguments.defaults)
            extend(arguments.kw_defaults)
            if kind is ast.Lambda:
                pending.append(([node.body], inner))
                continue
            if node.name == "top":
                raise Unmodelled  # symtable takes a table named "top" for the module: its locals count as globals
            scope.bind(node.name)
            extend(node.decorator_list)
            extend(p.annotation for p in parameters)
            push(node.returns)
            pending.append((list(node.body), inner))
            continue
        if kind is ast.ClassDef:
            if getattr(node, "type_params", None) or node.name == "top":
                raise Unmodelled
            scope.bind(node.name)
            pending.append((list(node.body), _Scope(_CLASS, scope)))
            scopes.append(pending[-1][1])
            extend(node.bases)
            extend(k.value for k in node.keywords)
            extend(node.decorator_list)
            continue
        if kind in _COMPREHENSIONS:
            generators = node.generators
            push(generators[0].iter)  # the first iterable is evaluated outside
            inside = [node.key, node.value] if kind is ast.DictComp else [node.elt]
            for number, generator in enumerate(generators):
                inside.append(generator.target)
                inside += generator.ifs
                if number:
                    inside.append(generator.iter)
            inner = _Scope(_FUNCTION, scope)
            scopes.append(inner)
            pending.append((inside, inner))
            continue
        if kind is ast.Import or kind is ast.ImportFrom:
            for alias in node.names:
                if alias.name == "*":
                    if scope.kind != _MODULE:
                        raise Unmodelled  # "import * only allowed at module level"
                    continue
                scope.bind(alias.asname or alias.name.partition(".")[0], assigned=False)
            continue
        if kind is ast.AnnAssign and type(node.target) is ast.Name:
            if node.simple or node.value is not None:
                scope.bind(node.target.id)
            push(node.annotation)
            push(node.value)
            continue
        if kind is ast.Global:
            if scope.kind != _FUNCTION:
                raise Unmodelled  # in a class body or at module level: left to symtable
            scope.declared.update(node.names)
            continue
        if kind is ast.AugAssign and type(node.target) is ast.Name:
            scope.augmented.add(node.target.id)  # then bound below, like any store
        if kind in _UNMODELLED:
            raise Unmodelled
        if kind is ast.ExceptHandler or kind is ast.MatchAs or kind is ast.MatchStar:
            if node.name is not None:
                scope.bind(node.name)
        elif kind is ast.MatchMapping and node.rest is not None:
            scope.bind(node.rest)
        for field in _children_fields.get(kind) or _child_fields(kind):
            value = getattr(node, field)
            if type(value) is list:
                extend(value)
            else:
                push(value)
