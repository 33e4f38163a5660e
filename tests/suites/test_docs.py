"""The documentation builds offline with warnings as errors, and shows the examples' figures."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import visheat

ROOT = Path(__file__).resolve().parents[2]
TOPICS = ["reductions", "colormaps", "percentile_clip", "overlays", "batches_and_galleries",
          "custom_transforms", "keypoints", "detector_cams", "tokens", "volumes"]
GENERATED = shutil.ignore_patterns("_build", "auto_examples", "sg_execution_times.rst",
                                   "__pycache__")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Build a copy of docs/ and gallery/ (so the checkout gets no generated files)."""
    root = tmp_path_factory.mktemp("docs")
    shutil.copytree(ROOT / "docs", root / "docs", ignore=GENERATED)
    shutil.copytree(ROOT / "gallery", root / "gallery", ignore=GENERATED)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT / "src")] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    out = root / "html"
    result = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html",
                             "-q", str(root / "docs"), str(out)], capture_output=True, text=True,
                            env=env, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    return out


def test_every_topic_has_an_example():
    scripts = sorted(p.stem for p in (ROOT / "gallery").glob("plot_*.py"))
    assert [re.sub(r"^plot_\d+_", "", s) for s in scripts] == TOPICS


@pytest.mark.parametrize("topic", TOPICS)
def test_gallery_pages_show_their_rendered_figures(built, topic):
    page, = (built / "auto_examples").glob(f"plot_*_{topic}.html")
    sources = re.findall(r'<img[^>]+src="(\.\./_images/sphx_glr_plot_[^"]+\.png)"',
                         page.read_text(encoding="utf-8"))
    assert sources, f"{page.name} shows no figure"
    for src in sources:
        with Image.open(page.parent / src) as img:
            pixels = np.asarray(img.convert("RGB"), np.float64)
        assert pixels.shape[0] > 100 and pixels.std() > 20  # a real picture


def test_the_notebook_grid_and_the_pages_are_in_the_build(built):
    batches = (built / "auto_examples" / "plot_05_batches_and_galleries.html").read_text()
    assert batches.count('src="data:image/png;base64,') >= 4  # Heatmaps._repr_html_
    for name in ("api", "porting", "recipes", "cli", "extending"):
        assert (built / f"{name}.html").is_file()
    assert "layout=&quot;WHCN&quot;" in (built / "porting.html").read_text()


def test_every_public_name_is_in_the_api_reference(built):
    reference = (ROOT / "docs" / "api.rst").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\.\. auto(?:function|class|data):: (\w+)$", reference, re.M))
    documented |= set(re.findall(r"^\.\. py:module:: visheat\.(\w+)$", reference, re.M))
    assert set(visheat.__all__) <= documented, set(visheat.__all__) - documented
    api = (built / "api.html").read_text(encoding="utf-8")
    assert 'id="visheat.figure"' in api and 'id="visheat.write_gallery"' in api


def test_the_build_and_its_pages_need_no_network(built):
    conf = (ROOT / "docs" / "conf.py").read_text(encoding="utf-8")
    assert "intersphinx" not in conf and "binder" not in conf and "http" not in conf
    for page in built.rglob("*.html"):  # no stylesheet, script or image from elsewhere
        text = page.read_text(encoding="utf-8")
        assert not re.search(r'<(?:link|script|img)[^>]+(?:href|src)="(?:https?:)?//', text), page
