"""The architecture of docs/architecture.md, checked on the source itself.

Imports are read with :mod:`ast` from every module of ``src/visheat`` —
imports inside functions included — and checked for cycles, for private names
taken from another module, and for the layering rules: transforms and the
core never import the engine, the core imports no transform.
"""

from __future__ import annotations

import ast
import dataclasses
import pickle
from pathlib import Path

import numpy as np
import pytest

import visheat
from visheat import Pipeline, Stage, Transform
from visheat.resize import METHODS

SRC = Path(visheat.__file__).parent
CORE = {"visheat._errors", "visheat.limits", "visheat.batch", "visheat.pipeline", "visheat.spec",
        "visheat.layout", "visheat.images", "visheat.version"}


def _modules() -> dict[str, tuple[Path, list[str]]]:
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = ["visheat", *path.relative_to(SRC).with_suffix("").parts]
        package = parts[:-1]
        if parts[-1] == "__init__":
            parts = parts[:-1]
            package = parts
        found[".".join(parts)] = (path, package)
    return found


MODULES = _modules()


def _imports(name: str) -> list[tuple[str, str]]:
    """``(module, imported name)`` for every import of visheat code in module ``name``."""
    path, package = MODULES[name]
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


def test_the_module_list_is_read():
    assert {"visheat.pipeline", "visheat.engine", "visheat.engine.fusion",
            "visheat.colormaps"} <= set(MODULES)


def test_no_import_cycle_counting_imports_inside_functions():
    edges = _edges()
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module)


def test_no_private_name_is_imported_from_another_module():
    private = [(name, target, imported) for name in MODULES for target, imported in _imports(name)
               if imported.startswith("_") and not imported.startswith("__")]
    assert private == []


def test_transforms_and_core_never_import_the_engine_or_the_entry_points():
    entry = {"visheat.heatmap", "visheat.stream", "visheat.results", "visheat.figure",
             "visheat.gallery", "visheat._cards", "visheat.cli", "visheat.folders",
             "visheat.io", "visheat.sample_data", "visheat.testing", "visheat.explorer",
             "visheat.dask", "visheat.stores"}
    edges = _edges()
    offenders = [(m, d) for m, deps in edges.items() for d in deps
                 if not m.startswith("visheat.engine") and m not in entry | {"visheat"}
                 and (d.startswith("visheat.engine") or d in entry)]
    assert offenders == []


def test_the_core_imports_no_transform_module():
    edges = _edges()
    offenders = [(m, d) for m in CORE & set(edges) for d in edges[m] if d not in CORE]
    assert offenders == []


# -- one resize vocabulary ------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
def test_every_resize_method_is_accepted_wherever_visheat_resizes(method):
    cams = np.random.default_rng(0).random((2, 3, 4, 5)).astype(np.float32)
    images = np.zeros((2, 9, 11, 3), np.uint8)
    steps = [visheat.ResizeToImage(method), visheat.Resize((6, 7), method),
             visheat.ResizeImageToHeatmap(method)]
    assert [s.method for s in steps] == [method] * 3
    h = visheat.heatmap(cams, images, visheat.SumReduction() | visheat.ResizeToImage(method)
                        | visheat.ExtremaColormap())
    assert h.to_numpy().shape == (2, 9, 11, 3)
    combined = visheat.combine_cams([cams[0]], (9, 11), method=method)
    assert combined.shape[-2:] == (9, 11)


def test_an_unknown_resize_method_names_every_known_one():
    with pytest.raises(ValueError, match="method") as err:
        visheat.ResizeToImage("bicubic")
    assert "cubic" in str(err.value)


# -- one way to declare a transform ----------------------------------------------------

class Gain(Transform):
    """A bare subclass: no decorator."""

    factor: float = 2.0
    plane: object = None
    takes = frozenset({Stage.MAP})

    def apply(self, batch):
        return batch.replace(data=batch.data * self.factor)


def test_a_bare_transform_subclass_is_a_frozen_value_type():
    g = Gain(3.0)
    assert dataclasses.is_dataclass(g)
    assert repr(g) == "Gain(3.0, None)" and g == Gain(3.0) and hash(g) == hash(Gain(3.0))
    assert g != Gain(4.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        g.factor = 5.0  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(g)) == g
    assert Pipeline.parse(str(Gain(3.0) | visheat.ExtremaColormap()), [Gain]) \
        == Gain(3.0) | visheat.ExtremaColormap()


def test_array_fields_compare_by_value_instead_of_raising():
    a, b = Gain(2.0, np.ones((2, 2))), Gain(2.0, np.ones((2, 2)))
    assert a == b and hash(a) == hash(b) and a != Gain(2.0, np.zeros((2, 2)))


def test_the_old_decorated_form_keeps_visheat_repr_and_equality():
    @dataclasses.dataclass(frozen=True)
    class Old(Transform):
        factor: float = 2.0
        mode: str = visheat.pipeline.option(default="a")

    assert repr(Old(1.0, mode="b")) == "Old(1.0, mode='b')"
    assert Old(plane := 1.0) == Old(plane)
    with pytest.raises(TypeError):
        Old(1.0, "b")  # options stay keyword-only


def test_no_visheat_transform_carries_a_dataclass_decorator():
    decorated = []
    for name, (path, _) in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                    "dataclass" in ast.unparse(d) for d in node.decorator_list):
                cls = getattr(__import__(name, fromlist=["_"]), node.name, None)
                if isinstance(cls, type) and issubclass(cls, Transform) and cls is not Transform:
                    decorated.append(f"{name}.{node.name}")
    assert decorated == []
