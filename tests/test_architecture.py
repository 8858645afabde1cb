"""The package's import graph: one way, no cycle, and only the front ends import the model.

Every import counts -- at module level, inside functions and under ``TYPE_CHECKING`` --
because a cycle hidden in a function is still a cycle a reader has to untangle.
"""
from __future__ import annotations

import ast
from pathlib import Path

import fastw2v

PACKAGE = Path(fastw2v.__file__).resolve().parent
#: The modules allowed to import ``fastw2v.model``: the front ends and the package's top level.
MODEL_USERS = {"cli", "demo", "__init__"}


def module_imports(path: Path) -> set[str]:
    """Names of the ``fastw2v`` modules ``path`` imports anywhere in its text (a subpackage counts as one)."""
    # The package a file's relative imports start from: () at the top level, ("kernels",) in fastw2v/kernels/.
    here = path.resolve().parent.relative_to(PACKAGE).parts if path.resolve().is_relative_to(PACKAGE) else ()
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                parts = here[:len(here) - node.level + 1] + tuple(filter(None, module.split(".")))
            elif module == "fastw2v" or module.startswith("fastw2v."):
                parts = tuple(module.split(".")[1:])
            else:
                continue
            found.update([parts[0]] if parts else (alias.name.split(".")[0] for alias in node.names))
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[1] for alias in node.names
                         if alias.name.startswith("fastw2v.") and alias.name.count("."))
    return found - {here[0] if here else path.stem}


def import_graph() -> dict[str, set[str]]:
    modules = {p.stem: [p] for p in PACKAGE.glob("*.py")}
    # A subpackage is one node: what any of its modules imports.
    modules.update({p.parent.name: sorted(p.parent.glob("*.py")) for p in PACKAGE.glob("*/__init__.py")})
    return {name: set().union(*map(module_imports, paths)) & set(modules) for name, paths in modules.items()}


def test_the_parser_sees_nested_and_type_checking_imports(tmp_path):
    source = tmp_path / "sample.py"
    source.write_text("from __future__ import annotations\nfrom typing import TYPE_CHECKING\nfrom . import a\n"
                      "import fastw2v.b\nif TYPE_CHECKING:\n    from .c import X\n"
                      "def f():\n    from fastw2v.d import Y\n    from .e.sub import Z\n")
    assert module_imports(source) == {"a", "b", "c", "d", "e"}


def test_import_graph_is_acyclic():
    graph = import_graph()
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"import cycle: {' -> '.join(path[path.index(name):] + (name,))}"
        if name in done:
            return
        for dep in sorted(graph[name]):
            visit(dep, path + (name,))
        done.add(name)

    for name in sorted(graph):
        visit(name, ())


def test_only_the_front_ends_import_the_model():
    users = {name for name, deps in import_graph().items() if "model" in deps}
    assert users <= MODEL_USERS, f"{sorted(users - MODEL_USERS)} import fastw2v.model"


def test_the_lower_layers_do_not_reach_up():
    """The layers the README's *How it works* table describes: a module never imports one above it."""
    graph = import_graph()
    for low, high in [("state", "storage"), ("state", "finetune"), ("state", "training"), ("state", "checkpoint"),
                      ("storage", "finetune"), ("storage", "training"), ("training", "finetune"),
                      ("config", "state"), ("kernels", "training"), ("corpus", "token_ids"), ("token_ids", "phrases")]:
        assert high not in graph[low], f"{low} imports {high}"
