"""The gallery in a real browser: Debian's Chromium, headless, driven over DevTools.

Checks what a person would see: every picture loaded, every caption shown as text
(a label that is a script does not run), colour bars present, no console errors,
and a screenshot that is not blank. Chromium is required, not optional: `.ci/run`
installs it when it is missing, so a machine without it fails here.
"""

import functools
import http.server
import io
import threading

import numpy as np
import pytest
from browser import launched
from PIL import Image

from visheat import heatmap, write_gallery
from visheat.sample_data import load_sample

EVIL = '<script>document.title="pwned"</script><img src=x onerror="document.title=\'pwned\'">'

STATE = """(() => {
  const images = Array.from(document.images);
  return {
    title: document.title,
    scripts: document.scripts.length,
    images: images.length,
    unloaded: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80)),
    captions: Array.from(document.querySelectorAll('.caption')).map(c => c.textContent),
    colorbars: Array.from(document.querySelectorAll('.colorbar')).map(c => ({
      loaded: c.querySelector('img').naturalWidth > 0, text: c.textContent})),
  };
})()"""


@pytest.fixture(scope="module")
def browser():
    with launched() as found:
        yield found


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    sample = load_sample()
    captions = [{"label": label, "score": float(sample.probabilities[i, i]),
                 "method": "Integrated Gradients"} for i, label in enumerate(sample.labels)]
    captions[2]["label"] = EVIL
    h = heatmap(sample.attributions, "attribution")
    root = tmp_path_factory.mktemp("galleries")
    files = write_gallery(root / "files", h, sample.images, captions)
    inline = write_gallery(root / "inline", h, sample.images, captions, self_contained=True)
    return {"files": files, "inline": inline, "captions": captions, "root": root}


@pytest.fixture(scope="module")
def server(pages):
    handler = functools.partial(QuietHandler, directory=str(pages["root"]))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def check_page(browser, url, captions):
    browser.open(url)
    state = browser.evaluate(STATE)
    assert state["title"] == "visheat gallery"  # the label's scripts never ran
    assert state["scripts"] == 0
    assert state["images"] == 4 * 3 + 4 and state["unloaded"] == []
    labels = [c["label"] for c in captions]
    assert len(state["captions"]) == 4
    for shown, label in zip(state["captions"], labels):
        assert shown.startswith(label) and "score 0.9" in shown  # the label, as text
    assert len(state["colorbars"]) == 4 and all(c["loaded"] for c in state["colorbars"])
    assert all("vik" in c["text"] for c in state["colorbars"])  # the "attribution" preset
    assert browser.errors() == []
    shot = np.asarray(Image.open(io.BytesIO(browser.screenshot())).convert("RGB"), np.float64)
    assert shot.shape[0] > 500 and shot.std() > 20  # pictures, not a blank page
    return state


@pytest.mark.parametrize("page", ["files", "inline"])
def test_gallery_from_file_urls(browser, pages, page):
    check_page(browser, pages[page].as_uri(), pages["captions"])


def test_gallery_over_http(browser, pages, server):
    check_page(browser, f"{server}/files/index.html", pages["captions"])


def test_thumbnails_open_the_full_picture(browser, pages):
    browser.open(pages["files"].as_uri())
    href = browser.evaluate("document.querySelector('#view-1-heatmap a').href")
    browser.open(href)
    assert browser.evaluate("[document.images[0].naturalWidth, document.images[0].naturalHeight]"
                            ) == [224, 224]
    assert browser.errors() == []


def test_inline_pictures_enlarge_in_place(browser, pages):
    browser.open(pages["inline"].as_uri())
    size = "document.querySelector('#view-1-heatmap img').getBoundingClientRect().width"
    small = browser.evaluate(size)
    browser.evaluate("document.querySelector('#view-1-heatmap a').click(), 0")
    assert browser.evaluate("location.hash") == "#view-1-heatmap"
    assert browser.evaluate(size) > 2 * small
    assert browser.errors() == []
