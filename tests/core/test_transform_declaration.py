"""One way to declare a transform: subclassing :class:`visheat.Transform` is enough."""

from __future__ import annotations

import ast
import dataclasses
import pickle
from pathlib import Path

import numpy as np
import pytest

import visheat
from visheat import Pipeline, Stage, Transform

SRC = Path(visheat.__file__).parent


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
        mode: str = visheat.core.pipeline.option(default="a")

    assert repr(Old(1.0, mode="b")) == "Old(1.0, mode='b')"
    assert Old(plane := 1.0) == Old(plane)
    with pytest.raises(TypeError):
        Old(1.0, "b")  # options stay keyword-only


def test_no_visheat_transform_carries_a_dataclass_decorator():
    decorated = []
    for path in sorted(SRC.rglob("*.py")):
        name = ".".join(["visheat", *path.relative_to(SRC).with_suffix("").parts])
        name = name.removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                    "dataclass" in ast.unparse(d) for d in node.decorator_list):
                cls = getattr(__import__(name, fromlist=["_"]), node.name, None)
                if isinstance(cls, type) and issubclass(cls, Transform) and cls is not Transform:
                    decorated.append(f"{name}.{node.name}")
    assert decorated == []
