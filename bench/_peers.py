"""Load the peers' visualisation functions without torchvision.

There is no CPU build of torchvision for the pinned torch, and two peers import it at
the top of the modules we need:

* ``pytorch_grad_cam/utils/image.py`` does ``from torchvision.transforms import
  Compose, Normalize, ToTensor`` (used only by ``preprocess_image``, which we never
  call). We execute that one file under its own name with a stand-in
  ``torchvision.transforms`` module in ``sys.modules`` for the duration of the import,
  then remove the stand-in again.
* ``zennit/__init__.py`` imports ``zennit.torchvision``. We register an empty package
  object for ``zennit`` (its real ``__path__``, its ``__init__`` not executed) and load
  ``zennit/cmap.py`` and ``zennit/image.py`` from their files. zennit 0.5.1 passes
  its palette to Pillow as a ``(256, 3)`` array, which current Pillow rejects on
  ``convert("RGB")``; ``image.palette`` is wrapped to return the same bytes.

captum's visualisation module imports no torchvision and is imported normally.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path
from typing import Any


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)  # finds the package without executing it
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"{name} is not installed in this environment")
    return Path(next(iter(spec.submodule_search_locations)))


def _load_file(module_name: str, path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def _never_called(name: str) -> type:
    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError(f"torchvision.transforms.{name} is a stand-in (bench/_peers.py)")

    return type(name, (), {"__init__": fail})


def load_gradcam_image() -> types.ModuleType:
    """``pytorch_grad_cam.utils.image`` (``scale_cam_image``, ``show_cam_on_image``)."""
    stand_in = types.ModuleType("torchvision.transforms")
    for name in ("Compose", "Normalize", "ToTensor"):
        setattr(stand_in, name, _never_called(name))
    package = types.ModuleType("torchvision")
    package.transforms = stand_in  # type: ignore[attr-defined]
    saved = {k: sys.modules.get(k) for k in ("torchvision", "torchvision.transforms")}
    sys.modules.update({"torchvision": package, "torchvision.transforms": stand_in})
    try:
        path = _package_dir("pytorch_grad_cam") / "utils" / "image.py"
        return _load_file("pytorch_grad_cam_utils_image", path)
    finally:
        for key, value in saved.items():
            if value is None:
                sys.modules.pop(key, None)
            else:
                sys.modules[key] = value


def load_zennit_image() -> types.ModuleType:
    """``zennit.image`` (``imgify``) and its ``zennit.cmap``, without ``zennit/__init__``."""
    if "zennit.image" in sys.modules:
        return sys.modules["zennit.image"]
    folder = _package_dir("zennit")
    if "zennit" not in sys.modules:
        package = types.ModuleType("zennit")
        package.__path__ = [str(folder)]  # type: ignore[attr-defined]
        sys.modules["zennit"] = package
    _load_file("zennit.cmap", folder / "cmap.py")
    image = _load_file("zennit.image", folder / "image.py")
    _flat_palettes(image)
    return image


def _flat_palettes(image: types.ModuleType) -> None:
    """zennit 0.5.1 hands Pillow a (256, 3) array as a palette, which Pillow >= 11
    rejects when the image is converted; give it the same colours as flat bytes."""
    original = image.palette

    def palette(cmap: Any = "bwr", level: float = 1.0) -> bytes:
        return bytes(original(cmap, level).tobytes())

    image.palette = palette


def load_captum() -> tuple[types.ModuleType, Any]:
    """captum's visualisation module and ``LayerAttribution`` (for ``interpolate``)."""
    from captum.attr._utils import visualization
    from captum.attr._utils.attribution import LayerAttribution

    return visualization, LayerAttribution


def versions() -> dict[str, str]:
    """Installed versions of the peers (from package metadata; nothing imported)."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for dist in ("captum", "grad-cam", "zennit", "torch", "opencv-python-headless",
                 "matplotlib", "numpy", "pillow"):
        try:
            found[dist] = version(dist)
        except PackageNotFoundError:
            found[dist] = "not installed"
    return found
