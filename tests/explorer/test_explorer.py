"""The explorer page as a file: what travels in it, its policy, its errors, the CLI.

The page's drawing is checked in a browser in ``test_explorer_browser.py``; here
the HTML is read back with the standard library's parser, independently of the
writer, and the float16 payload is decoded with numpy.
"""

import base64
import hashlib
import html
import html.parser
import json
import re
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from visheat import Explorer, write_explorer
from visheat.explorer.page import COLORMAPS, REDUCTIONS, encode_float16
from visheat.testing import values
from visheat.transforms.colour import lut_u8

EVIL = '<script>alert(1)</script></script><img src=x onerror=alert(2)>&amp;'
RNG = np.random.default_rng(5)
X = RNG.normal(size=(3, 3, 12, 10)).astype(np.float32)
CAMS = RNG.random((3, 4, 5)).astype(np.float32)
IMAGES = RNG.integers(0, 256, size=(3, 12, 10, 3), dtype=np.uint8)


class Page(html.parser.HTMLParser):
    """Scripts (type, id, text) and the CSP meta of a page."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.scripts, self.styles, self.csp, self._open = [], [], None, None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy":
            self.csp = attrs["content"]
        if tag in ("script", "style"):
            self._open = (tag, attrs.get("type"), attrs.get("id"), [])

    def handle_data(self, data):
        if self._open:
            self._open[3].append(data)

    def handle_endtag(self, tag):
        if self._open and tag == self._open[0]:
            kind, typ, ident, parts = self._open
            (self.scripts if kind == "script" else self.styles).append((typ, ident, "".join(parts)))
            self._open = None


def csp_hash(text):
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@pytest.fixture(scope="module")
def page():
    text = Explorer({"IG": X, "CAM": CAMS}, IMAGES, layout={"CAM": "NHW"},
                    labels=["a", EVIL, "c"], scores=[0.5, 1, 2], title=EVIL).to_html()
    return text, Page(text)


def test_one_script_allowed_by_its_hash_and_nothing_else(page):
    text, parsed = page
    code = [s for s in parsed.scripts if s[0] is None]
    assert len(code) == 1
    policy = dict(part.strip().split(" ", 1) for part in parsed.csp.split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == csp_hash(code[0][2])
    assert policy["style-src"] == csp_hash(parsed.styles[0][2])
    assert "unsafe" not in parsed.csp
    assert not re.search(r"https?://", text)
    assert {s[0] for s in parsed.scripts} == {None, "application/json",
                                              "application/octet-stream"}


def test_page_is_ascii_and_without_links_whatever_the_labels():
    labels = ["caf\u00e9", "\u732b", "https://example.com/a.png"]
    text = Explorer({"IG": X}, labels=labels, title="\u00e9t\u00e9 http://x").to_html()
    assert text.isascii() and "<title>&#233;t&#233; http:&#47;&#47;x</title>" in text
    assert not re.search(r"https?://", text)
    meta = json.loads(next(s[2] for s in Page(text).scripts if s[1] == "visheat-meta"))
    assert meta["labels"] == labels


def test_labels_and_title_are_escaped(page):
    text, parsed = page
    assert "<script>alert" not in text and "onerror=alert(2)>" not in text
    assert f"<title>{html.escape(EVIL).replace('/', '&#47;')}</title>" in text
    meta = json.loads(next(s[2] for s in parsed.scripts if s[1] == "visheat-meta"))
    assert meta["labels"] == ["a", EVIL, "c"] and meta["title"] == EVIL
    assert meta["scores"] == [0.5, 1.0, 2.0]


def decoded(parsed, j, i, meta):
    raw = next(s[2] for s in parsed.scripts if s[1] == f"vh-m{j}-{i}")
    half = np.frombuffer(base64.b64decode(raw), "<f2").astype(np.float64)
    return half * 2.0 ** -meta["methods"][j]["exps"][i]


def test_values_images_and_tables_travel_in_the_page(page):
    _, parsed = page
    meta = json.loads(next(s[2] for s in parsed.scripts if s[1] == "visheat-meta"))
    for i in range(3):
        np.testing.assert_allclose(decoded(parsed, 0, i, meta), X[i].ravel(), rtol=2**-11,
                                   atol=np.abs(X[i]).max() * 2.0**-24)
        np.testing.assert_allclose(decoded(parsed, 1, i, meta), CAMS[i].ravel(), rtol=2**-11)
        image = next(s[2] for s in parsed.scripts if s[1] == f"vh-i{i}")
        assert base64.b64decode(image) == IMAGES[i].tobytes()
    assert [m["channels"] for m in meta["methods"]] == [3, 1]
    assert meta["methods"][0]["resize"] is None and meta["methods"][1]["resize"] is not None
    for c in meta["colormaps"]:
        assert base64.b64decode(c["lut"]) == lut_u8(c["name"]).tobytes()
    assert [c["name"] for c in meta["colormaps"]] == list(COLORMAPS)


def test_the_first_colour_map_is_chosen_per_method(page):
    _, parsed = page
    meta = json.loads(next(s[2] for s in parsed.scripts if s[1] == "visheat-meta"))
    assert meta["view"]["colormap"] == "auto" and "centered" not in meta["view"]
    assert meta["auto"] == {"signed": "berlin", "unsigned": "batlow"}
    assert [m["signed"] for m in meta["methods"]] == [True, False]  # IG has negatives, CAM not


@pytest.mark.parametrize("colormaps, auto", [
    (("jet", "bwr", "gray"), {"signed": "bwr", "unsigned": "jet"}),  # the first of each kind
    (("gray",), {"signed": "gray", "unsigned": "gray"}),              # no diverging map offered
    (("berlin", "batlow"), {"signed": "berlin", "unsigned": "batlow"}),
])
def test_auto_colour_maps_come_from_the_offered_ones(colormaps, auto):
    text = Explorer({"IG": X}, colormaps=colormaps).to_html()
    meta = json.loads(next(s[2] for s in Page(text).scripts if s[1] == "visheat-meta"))
    assert meta["auto"] == auto


def test_resize_weights_rows_sum_to_one(page):
    _, parsed = page
    meta = json.loads(next(s[2] for s in parsed.scripts if s[1] == "visheat-meta"))
    resize = meta["methods"][1]["resize"]
    assert len(resize["wy"]) == 12 and len(resize["wx"]) == 10
    for start, weights in resize["wy"] + resize["wx"]:
        assert start >= 0 and abs(sum(weights) - 1) < 1e-6


@given(values(max_n=2, max_side=6), st.integers(-40, 40))
def test_float16_payload_keeps_11_bits_at_any_magnitude(x, power):
    x = np.ldexp(x.astype(np.float64), power)
    text, k = encode_float16(x)  # any shape, also an empty batch
    scaled = np.frombuffer(base64.b64decode(text), "<f2")
    # the largest value may round up to 2**15 itself: still far below float16's 65504
    assert np.isfinite(scaled).all() and np.abs(scaled).max(initial=0) <= 2**15
    back = scaled.astype(np.float64) * 2.0**-k
    tol = np.maximum(np.abs(x) * 2.0**-11, 2.0**-25 * 2.0**-k)
    assert (np.abs(back.reshape(x.shape) - x) <= tol).all()


def test_offered_reductions_are_every_reduction_class():
    import visheat

    reductions = {name: getattr(visheat, name) for name in visheat.__all__
                  if name.endswith("Reduction") and isinstance(getattr(visheat, name), type)
                  and getattr(visheat, name).__name__ == name}  # a base class, if exported,
    hows: dict[str, set[str]] = {}  # classes per reduction (CamSumReduction sums as
    for name, cls in reductions.items():  # SumReduction does, and warns on many channels)
        if cls.__dict__.get("how") and not cls.__subclasses__():
            hows.setdefault(cls.how, set()).add(name)
    assert set(hows) == set(REDUCTIONS)
    assert all(REDUCTIONS[how] in names for how, names in hows.items())


def test_caller_arrays_are_not_modified():
    x, images = X.copy(), IMAGES.copy()
    x.flags.writeable = images.flags.writeable = False
    Explorer({"IG": x}, images).to_html()
    np.testing.assert_array_equal(x, X)
    np.testing.assert_array_equal(images, IMAGES)


def test_notebook_display_is_the_page_in_a_sandboxed_iframe():
    explorer = Explorer({"IG": X}, labels=["x", "<y>", "z"])
    shown = explorer._repr_html_()
    match = re.fullmatch(r'<iframe sandbox="allow-scripts" [^>]*srcdoc="([^"]*)"></iframe>', shown)
    assert match and html.unescape(match.group(1)) == explorer.to_html()


@pytest.mark.parametrize("kwargs, error, pattern", [
    ({"methods": {}}, TypeError, "methods: expected a non-empty dict"),
    ({"methods": {"": X}}, TypeError, "methods: expected method names"),
    ({"methods": {"IG": X, "B": X[:2]}}, ValueError, "the same number of samples"),
    ({"methods": {"IG": X[:, 0]}}, ValueError, r"methods\['IG'\]: expected 4 axes"),
    ({"methods": {"IG": np.full_like(X, np.nan)}}, ValueError, "finite values"),
    ({"methods": {"IG": X, "CAM": CAMS}, "layout": {"CAM": "NHW"}}, ValueError,
     "maps of one size when there are no images"),
    ({"layout": 3}, TypeError, "layout: expected axis letters"),
    ({"images": [IMAGES[0], IMAGES[1], IMAGES[0, :5]]}, ValueError, "images: expected images of one size"),
    ({"labels": "abc"}, TypeError, "labels: expected a sequence of 3 labels"),
    ({"labels": ["a"]}, ValueError, "labels: expected 3 labels"),
    ({"scores": [1, 2, float("nan")]}, ValueError, r"scores\[2\]"),
    ({"view": {"colour": "jet"}}, ValueError, "view: expected keys among"),
    ({"view": {"colormap": "cet_fire"}}, ValueError, r"view\['colormap'\]: expected 'auto' or one of"),
    ({"view": {"reduction": "mean"}}, ValueError, r"view\['reduction'\]"),
    ({"view": {"scope": "all"}}, ValueError, r"view\['scope'\]"),
    ({"view": {"alpha": 2}}, ValueError, r"view\['alpha'\]"),
    ({"view": {"centered": "yes"}}, TypeError, r"view\['centered'\]: expected True or False"),
    ({"view": {"clip": [0.9, 0.1]}}, ValueError, r"view\['clip'\]: expected \[lower, upper\]"),
    ({"colormaps": "jet"}, TypeError, "colormaps: expected a non-empty sequence"),
    ({"colormaps": ["jett"]}, ValueError, "jet"),
])
def test_bad_input_names_the_argument(kwargs, error, pattern):
    kwargs = {"methods": {"IG": X}, **kwargs}
    with pytest.raises(error, match=pattern):
        Explorer(kwargs.pop("methods"), **kwargs)


def test_write_refuses_existing_files_and_other_suffixes(tmp_path):
    path = write_explorer(tmp_path / "a.html", {"IG": X})
    assert write_explorer(path, {"IG": X}) == path  # the same page again: a re-run
    with pytest.raises(ValueError, match="Pass existing='overwrite'"):
        write_explorer(path, {"IG": -X})
    before = path.stat().st_mtime_ns
    write_explorer(path, {"IG": X * 2}, existing="overwrite")
    assert path.stat().st_mtime_ns >= before
    with pytest.raises(ValueError, match="path: expected an .html file name"):
        write_explorer(tmp_path / "a.png", {"IG": X})


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "visheat", "explore", *args], check=False,
                          capture_output=True, text=True, cwd=cwd, timeout=120)


def test_cli_writes_the_page(tmp_path):
    np.save(tmp_path / "ig.npy", X)
    np.save(tmp_path / "cams.npy", CAMS)
    np.save(tmp_path / "images.npy", IMAGES)
    (tmp_path / "labels.txt").write_text("cat\n<dog>\nbird\n")
    (tmp_path / "scores.txt").write_text("0.1\n0.2\n0.3\n")
    done = run("ig.npy", "cams.npy", "--names", "IG,Grad-CAM", "--layout", "NCHW,NHW",
               "--images", "images.npy", "--labels", "labels.txt", "--scores", "scores.txt",
               "--colormap", "jet", "--clip", "none", "--colormaps", "jet,gray,bwr",
               "--out", "page.html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "3 samples x 2 methods" in done.stdout
    parsed = Page((tmp_path / "page.html").read_text())
    meta = json.loads(next(s[2] for s in parsed.scripts if s[1] == "visheat-meta"))
    assert [m["name"] for m in meta["methods"]] == ["IG", "Grad-CAM"]
    assert meta["labels"] == ["cat", "<dog>", "bird"] and meta["scores"] == [0.1, 0.2, 0.3]
    assert meta["view"]["colormap"] == "jet" and meta["view"]["clip"] is None
    assert [c["name"] for c in meta["colormaps"]] == ["jet", "gray", "bwr"]
    again = run("ig.npy", "--out", "page.html", cwd=tmp_path)
    assert again.returncode == 2 and "Pass existing='overwrite'" in again.stderr


@pytest.mark.parametrize("args, pattern", [
    (["ig.npy", "ig.npy"], "--names: expected one distinct name per input"),
    (["ig.npy", "--names", "a,b"], "--names: expected 1 comma-separated entries"),
    (["ig.npy", "--layout", "NCHW,NHW"], "--layout: expected 1 comma-separated entries"),
    (["missing.npy"], "missing.npy"),
    (["ig.npy", "--clip", "0.9,0.1"], r"view\['clip'\]"),
    (["ig.npy", "--colormaps", "jet,gray", "--colormap", "berlin"], r"view\['colormap'\]"),
])
def test_cli_mistakes_end_with_one_line_and_code_2(tmp_path, args, pattern):
    np.save(tmp_path / "ig.npy", X)
    done = run(*args, "--out", "page.html", cwd=tmp_path)
    assert done.returncode == 2
    assert re.search(pattern, done.stderr) and done.stderr.count("\n") == 1, done.stderr
