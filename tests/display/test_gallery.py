"""visheat.write_gallery: files, pixels, colour bars, escaping, atomic writes, resuming."""

import base64
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from visheat import (
    CenteredColormap,
    ExtremaColormap,
    NormReduction,
    PercentileClip,
    SumReduction,
    heatmap,
    write_gallery,
)
from visheat.display.cards import blend

RNG = np.random.default_rng(5)
X = RNG.standard_t(2, size=(3, 3, 40, 40))
IMAGES = RNG.integers(0, 256, (3, 40, 40, 3)).astype(np.uint8)
EVIL = '<script>document.title="pwned"</script>'
CAPTIONS = [{"label": "cat", "score": 0.875, "method": "IG"},
            {"label": EVIL, "method": 'a "quoted" <b>method</b>'},
            "../../outside & 'quotes'"]


class Page(HTMLParser):
    """Tags with their attributes, and the text, of a page."""

    def __init__(self, text):
        super().__init__()
        self.tags, self.text = [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def all(self, tag, **match):
        return [a for t, a in self.tags
                if t == tag and all(a.get(k) == v for k, v in match.items())]


def read_png(data):
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


@pytest.fixture
def gallery(tmp_path):
    h = heatmap(X, SumReduction() | PercentileClip(0.02, 0.98) | ExtremaColormap("batlow"))
    page = write_gallery(tmp_path / "g", h, IMAGES, CAPTIONS)
    return h, page, Page(page.read_text(encoding="utf-8"))


def test_cards_hold_the_image_the_heatmap_and_the_overlay(gallery):
    h, page, parsed = gallery
    for i in range(3):
        for kind, expected in (("image", IMAGES[i]), ("heatmap", h.to_numpy()[i]),
                               ("overlay", blend(h.to_numpy()[i], IMAGES[i], 0.5))):
            assert parsed.all("figure", id=f"view-{i}-{kind}")
            links = [a["href"] for t, a in parsed.tags if t == "a" and f"_{kind}.png" in
                     a.get("href", "") and a["href"].startswith(f"files/0000{i}")]
            assert len(links) == 1
            assert np.array_equal(read_png((page.parent / links[0]).read_bytes()), expected)


def test_every_reference_is_a_local_file_inside_the_gallery(gallery):
    _, page, parsed = gallery
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"https?://|//[a-z]", text, re.I)  # no network
    assert "<script" not in text.lower()
    references = [a["src"] for a in parsed.all("img")] + \
                 [a["href"] for a in parsed.all("a") if not a["href"].startswith("#")]
    root = page.parent.resolve()
    for ref in references:
        target = (page.parent / ref).resolve()
        assert target.is_file() and root in target.parents
    for path in root.rglob("*"):
        assert root in path.resolve().parents  # nothing outside out_dir
        assert not path.name.endswith(".tmp")
    names = sorted(p.name for p in (root / "files").glob("*.json"))
    assert names == ["00000_cat.json", "00001_script_document.title_pwned_script.json",
                     "00002_outside_quotes.json"]


def test_captions_are_escaped_text_in_content_and_attributes(gallery):
    _, page, parsed = gallery
    text = page.read_text(encoding="utf-8")
    assert "&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;" in text
    assert EVIL not in text and "<b>" not in text
    shown = " ".join(parsed.text)
    assert EVIL in shown and 'a "quoted" <b>method</b>' in shown and "score 0.875" in shown
    assert "../../outside & 'quotes'" in shown
    assert any(EVIL in a["alt"] for a in parsed.all("img") if "alt" in a)
    assert parsed.all("title") and "visheat gallery" in shown


def test_colour_bars_state_the_recorded_range_and_colormap(gallery):
    h, _, parsed = gallery
    bars = [a for t, a in parsed.tags if t == "div" and a.get("class") == "colorbar"]
    assert len(bars) == 3
    for i, bar in enumerate(bars):
        info = h.colorbar_info(i)
        assert float(bar["data-lo"]) == info.lo and float(bar["data-hi"]) == info.hi
        assert bar["data-colormap"] == "batlow" and "(clipped)" in bar["title"]


def test_centred_colour_bars_are_symmetric_and_their_ramp_is_the_colormap(tmp_path):
    h = heatmap(X, NormReduction() | CenteredColormap("bwr"))
    page = write_gallery(tmp_path, h)
    parsed = Page(page.read_text(encoding="utf-8"))
    bars = [a for t, a in parsed.tags if t == "div" and a.get("class") == "colorbar"]
    for bar in bars:
        assert float(bar["data-lo"]) == -float(bar["data-hi"]) and bar["data-colormap"] == "bwr"
    ramps = {a["src"] for a in parsed.all("img") if "colorbar" in a["src"]}
    assert len(ramps) == 1
    colours = read_png((tmp_path / ramps.pop()).read_bytes())[0]
    assert tuple(colours[0]) == (0, 0, 255) and tuple(colours[-1]) == (255, 0, 0)
    assert "<span style=\"left:50.00%\">0</span>" in page.read_text(encoding="utf-8")


def test_large_pictures_get_thumbnails_that_link_to_the_full_picture(tmp_path):
    big = RNG.standard_t(2, size=(1, 3, 500, 400))
    page = write_gallery(tmp_path, heatmap(big), captions=["big"])
    parsed = Page(page.read_text(encoding="utf-8"))
    img, = [a for a in parsed.all("img") if "heatmap" in a["src"]]
    link, = [a for a in parsed.all("a") if "heatmap" in a["href"]]
    assert img["src"] == "files/00000_big_heatmap_thumb.png"
    assert link["href"] == "files/00000_big_heatmap.png"
    assert read_png((tmp_path / img["src"]).read_bytes()).shape == (320, 256, 3)
    assert read_png((tmp_path / link["href"]).read_bytes()).shape == (500, 400, 3)


def test_self_contained_pages_inline_every_picture(tmp_path):
    h = heatmap(X, "attribution")
    page = write_gallery(tmp_path, h, IMAGES, self_contained=True)
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]
    parsed = Page(page.read_text(encoding="utf-8"))
    sources = [a["src"] for a in parsed.all("img")]
    assert len(sources) == 3 * 3 + 3
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    heat = [a["src"] for a in parsed.all("img") if a["alt"].startswith("heatmap 1")][0]
    assert np.array_equal(read_png(base64.b64decode(heat.split(",", 1)[1])), h.to_numpy()[1])
    assert all(a["href"].startswith("#") for a in parsed.all("a"))


def test_existing_galleries_are_kept_unless_asked(tmp_path):
    h = heatmap(X, "attribution")
    write_gallery(tmp_path, h)
    write_gallery(tmp_path, h)  # the same gallery again (a notebook's second "Run all")
    with pytest.raises(ValueError, match="out_dir: expected no existing output files.*"
                                         "existing='overwrite'"):
        write_gallery(tmp_path, heatmap(-X, "attribution"))
    write_gallery(tmp_path, h, existing="overwrite")


def test_resuming_keeps_complete_cards_and_writes_the_rest(tmp_path):
    first = heatmap(X, "attribution")
    write_gallery(tmp_path, first, captions=["a", "b", "c"])
    (tmp_path / "files" / "00001_b.json").unlink()  # as if interrupted during card 1
    second = heatmap(-X, "sensitivity")
    page = write_gallery(tmp_path, second, captions=["a", "b", "c"], existing="skip")
    files = tmp_path / "files"
    assert np.array_equal(read_png((files / "00000_a_heatmap.png").read_bytes()),
                          first.to_numpy()[0])  # kept
    assert np.array_equal(read_png((files / "00001_b_heatmap.png").read_bytes()),
                          second.to_numpy()[1])  # written again
    text = page.read_text(encoding="utf-8")
    assert text.count('class="card"') == 3 and "vik" in text and "batlow" in text


def test_an_interrupted_gallery_leaves_no_half_written_file(tmp_path, monkeypatch):
    import visheat.io.files

    real = visheat.io.files.write_atomic  # every writer writes through the one policy
    calls = []

    def interrupting(path, payload):
        calls.append(path)
        if len(calls) == 5:
            raise KeyboardInterrupt
        real(path, payload)

    monkeypatch.setattr(visheat.io.files, "write_atomic", interrupting)
    with pytest.raises(KeyboardInterrupt):
        write_gallery(tmp_path, heatmap(X), IMAGES)
    written = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert written == sorted(p.name for p in calls[:4])  # complete files only, no index
    assert not (tmp_path / "index.html").exists()


@pytest.mark.parametrize("kwargs, error, match", [
    ({"captions": ["a"]}, ValueError, "captions: expected 3 captions"),
    ({"captions": "abc"}, TypeError, "captions: expected a list of strings or dicts"),
    ({"captions": [{"label": "a", "url": "x"}] * 3}, ValueError,
     r"captions\[0\]: expected keys among"),
    ({"captions": [{"score": "high"}] * 3}, TypeError, r"captions\[0\]\['score'\]"),
    ({"existing": "maybe"}, ValueError, "existing: expected 'error', 'overwrite' or 'skip'"),
    ({"existing": "skip", "self_contained": True}, ValueError, "Resuming needs"),
    ({"alpha": 1.5}, ValueError, "alpha: expected a number in"),
    ({"images": IMAGES[:2]}, ValueError, "images: expected 3 images"),
])
def test_mistakes_are_reported_before_anything_is_written(tmp_path, kwargs, error, match):
    with pytest.raises(error, match=match):
        write_gallery(tmp_path / "g", heatmap(X), **kwargs)
    assert not (tmp_path / "g" / "index.html").exists()


def test_the_page_has_no_colour_bars_when_asked_and_names_the_pipeline(tmp_path):
    page = write_gallery(tmp_path, heatmap(X, "attribution"), colorbar=False)
    text = page.read_text(encoding="utf-8")
    assert 'class="colorbar"' not in text
    assert ("SumReduction() | PercentileClip(0.01, 0.99) | CenteredColormap(&#x27;vik&#x27;)"
            in text)
    assert Path(page).name == "index.html"


def test_non_utf8_file_names_are_shown_escaped_and_written_safely(tmp_path):
    import os

    from visheat.io.arrays import ImageFolder

    folder = os.path.join(os.fsencode(tmp_path), b"images")
    os.mkdir(folder)
    for name in (b"caf\xe9", b"\xff", b"ok"):  # Latin-1 and stray bytes: not UTF-8
        Image.fromarray(IMAGES[0]).save(os.fsdecode(os.path.join(folder, name + b".png")))
    images = ImageFolder(os.fsdecode(folder))
    assert images.labels == ["caf\udce9", "ok", "\udcff"]  # as os.listdir gives them
    h = heatmap(X, images[0:3], "cam")
    page = write_gallery(tmp_path / "g", h, images[0:3], captions=images.labels)
    text = page.read_text(encoding="utf-8")
    assert "caf\\xe9" in text and ">\\xff<" in text and "\udce9" not in text
    assert sorted(p.name for p in (tmp_path / "g" / "files").glob("*.json")) == [
        "00000_caf_xe9.json", "00001_ok.json", "00002_xff.json"]
    whole = {p: p.read_bytes() for p in (tmp_path / "g").rglob("*") if p.is_file()}
    next((tmp_path / "g" / "files").glob("00002_xff_*.png")).unlink()  # resume: written again
    write_gallery(tmp_path / "g", h, images[0:3], captions=images.labels, existing="skip")
    assert {p: p.read_bytes() for p in (tmp_path / "g").rglob("*") if p.is_file()} == whole


def test_a_gallery_of_volumes_is_refused_and_the_hint_works(tmp_path):
    from visheat import Pipeline, write_gallery
    from visheat.transforms.presets import as_pipeline

    v = np.random.default_rng(3).normal(size=(2, 3, 6, 5))
    with pytest.raises(ValueError, match=r"heatmaps: expected pictures for a gallery; got clips "
                                         r"or volumes of frames\. .*Montage\('D'\)") as info:
        write_gallery(tmp_path / "g", heatmap(v, "attribution", layout="NDHW"))
    assert not (tmp_path / "g").exists()
    view = re.search(r"Montage\('D'\)", str(info.value))[0]
    pipe = as_pipeline("attribution") | Pipeline.parse(view)
    assert write_gallery(tmp_path / "g", heatmap(v, pipe, layout="NDHW")).exists()
