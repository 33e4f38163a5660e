"""Write real timm models' token metadata and pytorch-grad-cam's token recipe to ``tests/data``.

``tests/core/test_tokens.py`` and ``tests/render/test_tokens.py`` check
:class:`visheat.TokenGrid` against what real vision transformers do, without torch:

* ``tests/data/token_models.json``: for each model, the attributes that
  :meth:`TokenGrid.from_timm` reads (``num_prefix_tokens``, ``dynamic_img_size``,
  ``patch_embed.grid_size``, ``patch_size``, ``img_size``, ``dynamic_img_pad``), the
  shape of its ``pos_embed``, and the token count of a real forward pass
  (``forward_features`` of one input of ``input_size``). The tests build a stand-in
  object from these plain attributes.
* ``tests/data/token_vectors.npz``: for three models, the activations and gradients of
  the last block's ``norm1`` on two inputs (the layer pytorch-grad-cam's ViT tutorial
  hooks), cut to the first :data:`CHANNELS` features to keep the file small, then
  pytorch-grad-cam's documented ``reshape_transform`` recipe applied in plain torch
  (``tensor[:, prefix:, :].reshape(N, h, w, C)`` then ``.transpose(2, 3).transpose(1,
  2)``) and the Grad-CAM it computes from them (channel weights = the gradients'
  spatial mean, ReLU of the weighted sum). Keys: ``<model>_tokens``, ``<model>_grads``,
  ``<model>_grid`` (the recipe's ``(N, C, h, w)``), ``<model>_cam`` (``(N, h, w)``).

Models are built with ``pretrained=False`` (fixed seeds, no download): the token
layout is the architecture's, not the weights'. Run it in a scratch environment, never
visheat's::

    python -m venv /tmp/peers-venv
    /tmp/peers-venv/bin/pip install torch==2.13.0 numpy pillow
    /tmp/peers-venv/bin/pip install --no-deps timm
    /tmp/peers-venv/bin/pip install safetensors pyyaml huggingface_hub
    /tmp/peers-venv/bin/python tools/make_token_vectors.py

timm imports torchvision at the top of a few modules; there is no torchvision build for
the pinned CPU torch, so :func:`stand_in_torchvision` registers an import hook that
answers every ``torchvision.*`` import with an empty module whose names are classes
that refuse to be called. Building a vision transformer calls none of them.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import json
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MODELS_OUT = ROOT / "tests" / "data" / "token_models.json"
VECTORS_OUT = ROOT / "tests" / "data" / "token_vectors.npz"
CHANNELS = 4  # features kept per token in the vectors
SEED = 20261222
#: name -> (timm model, create_model keywords, input size of the forward pass)
MODELS: dict[str, tuple[str, dict[str, Any], tuple[int, int]]] = {
    "vit_b16": ("vit_base_patch16_224", {}, (224, 224)),
    "dinov2_s14_reg4": ("vit_small_patch14_reg4_dinov2", {"img_size": 518}, (518, 518)),
    "vit_b16_384x512": ("vit_base_patch16_224", {"img_size": (384, 512)}, (384, 512)),
    "vit_b16_dynamic": ("vit_base_patch16_224", {"dynamic_img_size": True}, (384, 512)),
    "deit_tiny_distilled": ("deit_tiny_distilled_patch16_224", {}, (224, 224)),
}
#: The models whose grad-cam recipe is recorded in the vectors.
VECTORS = ("vit_b16", "dinov2_s14_reg4", "vit_b16_384x512")


class _Refuses(type):
    """A stand-in class whose attributes are stand-ins too (``InterpolationMode.BILINEAR``)."""

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _stand_in(name)


def _stand_in(name: str) -> type:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError(f"torchvision.{name} is a stand-in (tools/make_token_vectors.py)")

    return _Refuses(name, (), {"__init__": refuse})


class _StandInModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _stand_in(name)


class _StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname == "torchvision" or fullname.startswith("torchvision."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: Any) -> types.ModuleType:
        module = _StandInModule(spec.name)
        module.__path__ = []  # a package: its submodules are stand-ins too
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        pass


def stand_in_torchvision() -> None:
    """Answer ``import torchvision...`` with stand-ins (see the module docstring)."""
    try:
        import torchvision  # noqa: F401
    except ImportError:
        sys.meta_path.insert(0, _StandInFinder())


def plain(value: Any) -> Any:
    """Tuples and torch sizes as lists, for JSON."""
    if isinstance(value, (tuple, list)) or type(value).__name__ == "Size":
        return [plain(v) for v in value]
    return value


def describe(name: str, model: Any, size: tuple[int, int]) -> dict[str, Any]:
    import torch

    embed = model.patch_embed
    with torch.no_grad():
        tokens = model.forward_features(torch.zeros(1, 3, *size)).shape[1]
    return {
        "timm_name": MODELS[name][0], "create_model": plain(MODELS[name][1]),
        "input_size": list(size),
        "num_prefix_tokens": int(model.num_prefix_tokens),
        "dynamic_img_size": bool(getattr(model, "dynamic_img_size", False)),
        "patch_embed": {"grid_size": plain(embed.grid_size), "patch_size": plain(embed.patch_size),
                        "img_size": plain(embed.img_size),
                        "dynamic_img_pad": bool(getattr(embed, "dynamic_img_pad", False))},
        "pos_embed_shape": plain(model.pos_embed.shape),
        "tokens": int(tokens),
    }


def reshape_transform(tensor: Any, prefix: int, height: int, width: int) -> Any:
    """pytorch-grad-cam's documented recipe (its ViT tutorial), with the prefix as a
    parameter (1 in the tutorial; DINOv2 with registers needs 5)."""
    result = tensor[:, prefix:, :].reshape(tensor.size(0), height, width, tensor.size(2))
    # Bring the channels to the first dimension, like in CNNs.
    return result.transpose(2, 3).transpose(1, 2)


def recipe(name: str, model: Any, size: tuple[int, int]) -> dict[str, np.ndarray]:
    """Activations and gradients of ``blocks[-1].norm1``, the recipe's grids and Grad-CAM."""
    import torch

    seen: dict[str, Any] = {}
    layer = model.blocks[-1].norm1
    hooks = [layer.register_forward_hook(lambda m, i, o: seen.__setitem__("acts", o)),
             layer.register_full_backward_hook(lambda m, gi, go: seen.__setitem__("grads", go[0]))]
    torch.manual_seed(SEED + 1)
    images = torch.rand(2, 3, *size)
    out = model(images)
    out[:, 0].sum().backward()  # the score of class 0 for both samples
    for hook in hooks:
        hook.remove()
    prefix = int(model.num_prefix_tokens)
    h, w = (int(v) for v in model.patch_embed.grid_size)
    acts = seen["acts"].detach()[..., :CHANNELS]
    grads = seen["grads"].detach()[..., :CHANNELS]
    grid = reshape_transform(acts, prefix, h, w)
    grad_grid = reshape_transform(grads, prefix, h, w)
    weights = grad_grid.mean(dim=(2, 3))  # pytorch-grad-cam's GradCAM.get_cam_weights
    cam = torch.relu((weights[:, :, None, None] * grid).sum(dim=1))
    return {f"{name}_tokens": acts.numpy(), f"{name}_grads": grads.numpy(),
            f"{name}_grid": grid.contiguous().numpy(), f"{name}_cam": cam.numpy()}


def main() -> None:
    stand_in_torchvision()
    import timm
    import torch

    described: dict[str, Any] = {}
    vectors: dict[str, np.ndarray] = {}
    for name, (timm_name, kwargs, size) in MODELS.items():
        torch.manual_seed(SEED)
        model = timm.create_model(timm_name, pretrained=False, **kwargs).eval()
        described[name] = describe(name, model, size)
        if name in VECTORS:
            vectors.update(recipe(name, model, size))
        print(name, described[name]["num_prefix_tokens"], described[name]["patch_embed"],
              described[name]["tokens"])
    described["meta"] = {"timm": timm.__version__, "torch": torch.__version__,
                         "script": "tools/make_token_vectors.py"}
    MODELS_OUT.write_text(json.dumps(described, indent=2) + "\n", encoding="utf-8")
    vectors["meta_versions"] = np.array([f"timm {timm.__version__}", f"torch {torch.__version__}"])
    np.savez_compressed(VECTORS_OUT, **vectors)
    print(f"wrote {MODELS_OUT} and {VECTORS_OUT} ({VECTORS_OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
