"""Make visheat's built-in sample data (``src/visheat/data/``).

Run from the repository root with a Python that has torch (CPU), numpy, Pillow and
scikit-image::

    python tools/make_sample_data.py

What it does, deterministically (fixed seeds, one CPU thread):

1. Takes four public-domain / CC0 photographs shipped inside scikit-image's wheel,
   centre-crops them to a square and resizes them to 224x224 RGB (Pillow, LANCZOS).
2. Trains a small convolutional network (five stride-2 conv blocks, 224 -> 7x7,
   global average pooling, one linear layer) to tell which of the four photographs
   a randomly augmented crop was cut from.
3. Explains each clean 224x224 photo with Integrated Gradients (32 steps, black
   baseline, target = the logit of the photo's own class) and with Grad-CAM on the
   last conv block (7x7).
4. Writes the photos as PNG and the maps to ``attributions.npz`` (attributions as
   float16, everything else float32 / plain unicode, loadable with
   ``allow_pickle=False``), and prints the accuracy reached and the file sizes.

The README next to the data describes the result; regenerate both together.
"""

from __future__ import annotations

import hashlib
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn
from torch.nn import functional as F

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "visheat" / "data"
SIZE = 224
SOURCE_SIZE = 320  # training crops are cut from a sharper 320x320 centre crop
SEED = 20240501
STEPS = 200
BATCH = 32
IG_STEPS = 32
MAX_BYTES = 2_000_000  # "<= 2 MB", read strictly

# label -> file inside skimage/data (licences recorded in src/visheat/data/LICENSES.md)
PHOTOS = {
    "astronaut": "astronaut.png",
    "coffee": "coffee.png",
    "cat": "chelsea.png",
    "rocket": "rocket.jpg",
}
METHOD = (f"integrated gradients ({IG_STEPS} steps, black baseline, midpoint rule; "
          "target: logit of the photo's own class; input pixels scaled to [0, 1])")
CAM_METHOD = ("grad-cam (last conv block after ReLU, 7x7; target: logit of the "
              "photo's own class; ReLU of the gradient-weighted sum, unnormalised)")


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)


def skimage_data_dir() -> Path:
    try:
        import skimage
    except ImportError as error:  # pragma: no cover - guidance for the maintainer
        raise SystemExit("make_sample_data.py needs scikit-image for its public-domain "
                         "photographs: pip install scikit-image") from error
    return Path(skimage.__file__).parent / "data"


def square_photo(path: Path, size: int) -> np.ndarray:
    """Centre-crop a photo to a square and resize it to ``size`` (uint8 HWC)."""
    with Image.open(path) as image:
        image = image.convert("RGB")
        width, height = image.size
        side = min(width, height)
        left, top = (width - side) // 2, (height - side) // 2
        image = image.crop((left, top, left + side, top + side))
        return np.asarray(image.resize((size, size), Image.LANCZOS), dtype=np.uint8)


class SmallCNN(nn.Module):
    """Five conv-BN-ReLU blocks, each halving the size (224 -> 7), then GAP + linear."""

    def __init__(self, classes: int, widths: tuple[int, ...] = (8, 16, 32, 64, 96)):
        super().__init__()
        blocks, channels = [], 3
        for width in widths:  # kernel 4 = 2 x stride: every pixel gets the same taps,
            blocks.append(nn.Sequential(  # which keeps checkerboards out of gradients
                nn.Conv2d(channels, width, 4, stride=2, padding=1, bias=False),
                nn.BatchNorm2d(width), nn.ReLU()))
            channels = width
        self.features = nn.Sequential(*blocks)
        self.head = nn.Linear(channels, classes)
        self.register_buffer("mean", torch.tensor([0.5, 0.5, 0.5]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.25, 0.25, 0.25]).view(1, 3, 1, 1))

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.features((x - self.mean) / self.std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.forward_features(x).mean(dim=(2, 3)))


def augmented_batch(sources: torch.Tensor, batch: int, gen: torch.Generator):
    """Random crops (scale, aspect, rotation, flip), colour jitter, erasing and noise."""
    classes = sources.shape[0]
    labels = torch.randint(classes, (batch,), generator=gen)

    def uniform(low: float, high: float, shape=(batch,)) -> torch.Tensor:
        return low + (high - low) * torch.rand(shape, generator=gen)

    scale = uniform(0.3, 1.0)
    aspect = torch.exp(uniform(-0.2, 0.2))
    sx, sy = scale * aspect.sqrt(), scale / aspect.sqrt()
    sx, sy = sx.clamp(max=1.0), sy.clamp(max=1.0)
    angle = uniform(-0.2, 0.2)
    flip = torch.where(torch.rand(batch, generator=gen) < 0.5, -1.0, 1.0)
    tx, ty = uniform(-1, 1) * (1 - sx), uniform(-1, 1) * (1 - sy)
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.stack([
        torch.stack([sx * cos * flip, -sy * sin, tx], dim=1),
        torch.stack([sx * sin * flip, sy * cos, ty], dim=1)], dim=1)
    grid = F.affine_grid(theta, (batch, 3, SIZE, SIZE), align_corners=False)
    x = F.grid_sample(sources[labels], grid, mode="bilinear",
                      padding_mode="reflection", align_corners=False)

    gray = (x * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)
    saturation = uniform(0.4, 1.6).view(-1, 1, 1, 1)
    saturation = torch.where(torch.rand(batch, 1, 1, 1, generator=gen) < 0.2, 0.0, saturation)
    x = gray + saturation * (x - gray)
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = mean + uniform(0.6, 1.4).view(-1, 1, 1, 1) * (x - mean)
    x = x * uniform(0.6, 1.4).view(-1, 1, 1, 1)

    for i in range(batch):  # random erasing of one rectangle in half the crops
        if torch.rand(1, generator=gen).item() < 0.5:
            h, w = (int(v) for v in torch.randint(30, 110, (2,), generator=gen))
            top = int(torch.randint(SIZE - h, (1,), generator=gen))
            left = int(torch.randint(SIZE - w, (1,), generator=gen))
            x[i, :, top:top + h, left:left + w] = torch.rand(3, 1, 1, generator=gen)
    x = x + 0.02 * torch.randn(x.shape, generator=gen)
    return x.clamp(0.0, 1.0), labels


def train(model: SmallCNN, sources: torch.Tensor) -> float:
    """Train on fresh augmented batches; return accuracy on 512 held-out crops."""
    gen = torch.Generator().manual_seed(SEED + 1)
    optimiser = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=3e-3, total_steps=STEPS)
    model.train()
    start = time.perf_counter()
    for step in range(1, STEPS + 1):
        x, y = augmented_batch(sources, BATCH, gen)
        loss = F.cross_entropy(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        if step % 50 == 0:
            print(f"  step {step:4d}  loss {loss.item():.4f}  "
                  f"({time.perf_counter() - start:.0f} s)", flush=True)
    model.eval()
    held_out = torch.Generator().manual_seed(SEED + 2)
    correct = 0
    with torch.no_grad():
        for _ in range(16):
            x, y = augmented_batch(sources, BATCH, held_out)
            correct += int((model(x).argmax(1) == y).sum())
    return correct / (16 * BATCH)


def integrated_gradients(model: SmallCNN, image: torch.Tensor, target: int) -> torch.Tensor:
    """IG from a black baseline, midpoint Riemann sum; returns (3, H, W)."""
    alphas = (torch.arange(IG_STEPS, dtype=torch.float32) + 0.5) / IG_STEPS
    path = (alphas.view(-1, 1, 1, 1) * image.unsqueeze(0)).requires_grad_(True)
    model(path)[:, target].sum().backward()
    return image * path.grad.mean(dim=0)


def grad_cam(model: SmallCNN, image: torch.Tensor, target: int) -> torch.Tensor:
    """Grad-CAM on the last conv block (after its ReLU); returns (7, 7)."""
    activations = model.forward_features(image.unsqueeze(0))
    activations.retain_grad()
    model.head(activations.mean(dim=(2, 3)))[0, target].backward()
    weights = activations.grad.mean(dim=(2, 3), keepdim=True)
    return F.relu((weights * activations).sum(dim=1))[0]


def to_tensor(images: list[np.ndarray]) -> torch.Tensor:
    """Stack uint8 HWC photos into a float NCHW tensor in [0, 1]."""
    return torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float() / 255


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    seed_everything(SEED)
    data_dir = skimage_data_dir()
    labels = list(PHOTOS)
    OUT.mkdir(parents=True, exist_ok=True)

    images, sources, files = [], [], []
    for label, name in PHOTOS.items():
        path = data_dir / name
        print(f"source {name}: sha256 {sha256(path)}")
        image = square_photo(path, SIZE)
        out = OUT / f"{label}.png"
        Image.fromarray(image).save(out, optimize=True)
        images.append(np.asarray(Image.open(out).convert("RGB")))  # what ships is what we explain
        sources.append(square_photo(path, SOURCE_SIZE))
        files.append(out.name)
    clean, sources_t = to_tensor(images), to_tensor(sources)

    model = SmallCNN(len(labels))
    print(f"training SmallCNN ({sum(p.numel() for p in model.parameters())} parameters), "
          f"{STEPS} steps of {BATCH} augmented crops")
    accuracy = train(model, sources_t)
    with torch.no_grad():
        probabilities = F.softmax(model(clean), dim=1)
    clean_accuracy = float((probabilities.argmax(1) == torch.arange(len(labels))).float().mean())
    print(f"held-out augmented-crop accuracy: {accuracy:.3f}; clean photos: {clean_accuracy:.2f}")

    attributions, cams = [], []
    for index in range(len(labels)):
        model.zero_grad()
        attribution = integrated_gradients(model, clean[index], index)
        with torch.no_grad():
            gap = (model(clean[index:index + 1]) - model(torch.zeros_like(clean[:1])))[0, index]
        print(f"  {labels[index]:9s} p={probabilities[index, index]:.3f}  IG sum "
              f"{attribution.sum().item():+.4f} vs f(x)-f(0) {gap.item():+.4f}")
        attributions.append(attribution.detach())
        cams.append(grad_cam(model, clean[index], index).detach())
    attributions = torch.stack(attributions).numpy()
    cams = torch.stack(cams).numpy().astype(np.float32)

    half = attributions.astype(np.float16)
    assert np.isfinite(half).all(), "attributions overflow float16"
    np.savez_compressed(
        OUT / "attributions.npz",
        attributions=half, cams=cams, labels=np.array(labels, dtype=str),
        files=np.array(files, dtype=str), predicted=probabilities.numpy().astype(np.float32),
        method=np.array(METHOD), cam_method=np.array(CAM_METHOD))

    q = np.percentile(attributions, [0.1, 1, 5, 25, 50, 75, 95, 99, 99.9])
    print("attributions: min {:.3g} max {:.3g}; percentiles 0.1/1/5/25/50/75/95/99/99.9: {}"
          .format(attributions.min(), attributions.max(), " ".join(f"{v:.3g}" for v in q)))
    print(f"cams: min {cams.min():.3g} max {cams.max():.3g}")
    total = 0
    for path in sorted(OUT.iterdir()):
        total += path.stat().st_size
        print(f"  {path.name:20s} {path.stat().st_size:9d} bytes")
    print(f"  total {total} bytes ({total / 2**20:.2f} MiB)")
    if total > MAX_BYTES:
        print(f"error: {OUT} holds {total} bytes, more than the 2 MB budget", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
