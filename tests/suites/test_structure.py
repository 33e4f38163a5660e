"""The architecture, checked on the source itself: the folder tree is the layer map.

The layers are the subpackages of ``src/visheat``, in the order the package docstring
lists them (lowest first); nothing here keeps a list of modules by hand. Imports are
read with :mod:`ast` (imports inside functions included) and checked: a subpackage
imports only subpackages listed before it, no part imports in a cycle, and no module
takes a private (``_name``) name from another subpackage. Every module lives in a
subpackage, except a handful of public front doors directly in ``src/visheat``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import visheat

SRC = Path(visheat.__file__).parent
ROOT = SRC.parents[1]
MAX_LINES = 600
MAX_TOP_MODULES = 6


def _module_name(path: Path) -> str:
    parts = ["visheat", *path.relative_to(SRC).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(SRC.rglob("*.py"))}
SUBPACKAGES = sorted(p.parent.name for p in SRC.glob("*/__init__.py"))
TOP_MODULES = sorted(p.stem for p in SRC.glob("*.py") if p.stem != "__init__")


def _layer_order() -> list[str]:
    """Subpackages in the order the package docstring names them (``:mod:`visheat.x```)."""
    doc = ast.get_docstring(ast.parse((SRC / "__init__.py").read_text("utf-8"))) or ""
    found: list[str] = []
    for name in re.findall(r":mod:`visheat\.(\w+)`", doc):
        if name in SUBPACKAGES and name not in found:
            found.append(name)
    return found


LAYERS = _layer_order()


def _part(module: str) -> str:
    """The top-level part of ``visheat.a.b``: ``a`` (a subpackage or a top module)."""
    return module.split(".")[1] if module.count(".") else ""


def _imports(name: str) -> list[tuple[str, str]]:
    """``(module, imported name)`` for every import of visheat code in module ``name``."""
    path = MODULES[name]
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "visheat":
                found += [(target, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names
                      if alias.name.split(".")[0] == "visheat"]
    return found


def _edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for name in MODULES:
        deps = set()
        for target, imported in _imports(name):
            full = f"{target}.{imported}"
            deps.add(full if full in MODULES else target)
        edges[name] = {d for d in deps if d in MODULES and d != name}
    return edges


EDGES = _edges()


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


# -- the tree ---------------------------------------------------------------------------

def test_the_layers_are_read_from_the_folders_and_named_in_order_by_the_package_docstring():
    assert len(SUBPACKAGES) >= 5
    assert sorted(LAYERS) == SUBPACKAGES, (
        f"the package docstring must name every subpackage once, lowest layer first; "
        f"missing {sorted(set(SUBPACKAGES) - set(LAYERS))}")


def test_a_handful_of_public_front_doors_stand_beside_the_subpackages():
    assert len(TOP_MODULES) + 1 <= MAX_TOP_MODULES, TOP_MODULES  # + __init__


def test_every_module_is_in_a_layer_or_is_a_front_door_nothing_inside_imports():
    """A top-level module is either a leaf that imports nothing of visheat (sample data,
    which any layer may read) or a front door (compat, dask, testing, ``python -m``)
    that no subpackage imports: it can never hold code that a layer depends on."""
    for top in TOP_MODULES:
        name = f"visheat.{top}"
        importers = sorted(m for m, deps in EDGES.items() if name in deps and _part(m) in LAYERS)
        leaf = not EDGES[name]
        assert leaf or not importers, f"{name} imports visheat and is imported by {importers}"


def test_imports_between_subpackages_point_down_the_layer_order():
    rank = {layer: i for i, layer in enumerate(LAYERS)}
    upward = [(m, d) for m, deps in EDGES.items() for d in deps
              if _part(m) in rank and _part(d) in rank and rank[_part(d)] > rank[_part(m)]]
    assert upward == []


def test_no_import_cycle_among_the_top_level_parts():
    parts: dict[str, set[str]] = {}
    for module, deps in EDGES.items():
        if module == "visheat":
            continue  # the table of contents imports everything, and nothing imports it
        parts.setdefault(_part(module), set()).update(
            _part(d) for d in deps if d != "visheat" and _part(d) != _part(module))
    assert _find_cycle(parts) is None, _find_cycle(parts)


def test_no_import_cycle_among_modules_counting_imports_inside_functions():
    assert _find_cycle(EDGES) is None, " -> ".join(_find_cycle(EDGES) or [])


def test_no_private_name_crosses_a_subpackage_boundary():
    private = [(name, target, imported) for name in MODULES
               for target, imported in _imports(name)
               if imported.startswith("_") and not imported.startswith("__")
               and _part(target if f"{target}.{imported}" not in MODULES else target)
               != _part(name)]
    assert private == []


def test_nothing_imports_the_package_root_from_inside_a_layer():
    assert [m for m, deps in EDGES.items() if "visheat" in deps and _part(m) in LAYERS] == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_longer_than_a_reader_can_hold(module):
    lines = MODULES[module].read_text("utf-8").count("\n")
    assert lines <= MAX_LINES, f"{module}: {lines} lines; split it by topic"


# -- what each subpackage says ----------------------------------------------------------

@pytest.mark.parametrize("subpackage", SUBPACKAGES)
def test_each_subpackage_says_what_it_holds_and_what_it_may_import(subpackage):
    doc = ast.get_docstring(ast.parse((SRC / subpackage / "__init__.py").read_text("utf-8")))
    assert doc and len(doc) > 80
    assert re.search(r"[Mm]ay import|[Ii]mports", doc), f"{subpackage}: name what it may import"


@pytest.mark.parametrize("subpackage", SUBPACKAGES)
def test_architecture_md_describes_every_subpackage_and_its_modules(subpackage):
    text = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    assert f"**{subpackage}/**" in text, f"docs/architecture.md: no row for {subpackage}/"
    for module in sorted((SRC / subpackage).glob("*.py")):
        if module.stem != "__init__":
            assert f"`{module.stem}`" in text, (
                f"docs/architecture.md does not name {subpackage}/{module.name}")


@pytest.mark.parametrize("subpackage", SUBPACKAGES)
def test_tests_mirror_the_tree(subpackage):
    assert list((ROOT / "tests" / subpackage).glob("test_*.py")), f"no tests/{subpackage}/"


def test_no_test_file_is_named_after_a_round_of_work():
    names = [p.stem for p in (ROOT / "tests").rglob("test_*.py")]
    assert not [n for n in names
                if re.search(r"newcomer|probe|_round(_|\d|$)|wave|issue|hardening", n)]


# -- the public surface -----------------------------------------------------------------

def _public_names(module: object) -> list[str]:
    return list(getattr(module, "__all__", []))


@pytest.mark.parametrize("package", ["visheat", *(f"visheat.{s}" for s in SUBPACKAGES)])
def test_no_public_name_hides_a_submodule(package):
    import importlib

    found = importlib.import_module(package)
    folder = Path(found.__file__).parent  # type: ignore[arg-type]
    submodules = {p.stem for p in folder.glob("*.py")} | {
        p.parent.name for p in folder.glob("*/__init__.py")}
    for name in _public_names(found):
        value = getattr(found, name)
        if name in submodules:
            assert type(value).__name__ == "module", (
                f"{package}.{name} is a {type(value).__name__} that hides the submodule "
                f"{package}.{name}")


@pytest.mark.parametrize("package", ["visheat", *(f"visheat.{s}" for s in SUBPACKAGES)])
def test_every_listed_public_name_exists(package):
    import importlib

    found = importlib.import_module(package)
    assert [n for n in _public_names(found) if not hasattr(found, n)] == []
