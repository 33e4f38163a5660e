"""Sphinx configuration of visheat's documentation.

Build (offline, warnings are errors): ``sphinx-build -W -b html docs docs/_build/html``.
The examples in ``../gallery`` are run by sphinx-gallery; their figures are
:class:`matplotlib.figure.Figure` objects made without pyplot, collected by
``gallery_scraper.py`` beside this file.
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent / "src"
sys.path.insert(0, str(HERE))  # gallery_scraper
if (SOURCE / "visheat").is_dir():  # document the checkout, not another installed copy
    sys.path.insert(0, str(SOURCE))

import visheat  # noqa: E402

project = "visheat"
author = "The visheat developers"
copyright = "The visheat developers"
release = visheat.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py",
                    "auto_examples/*.zip", "auto_examples/*.codeobj.json"]
default_role = "py:obj"

# numpydoc renders the docstrings; members are listed explicitly in api.rst.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
autodoc_typehints = "none"
autodoc_member_order = "bysource"

sphinx_gallery_conf = {
    "examples_dirs": "../gallery",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "image_scrapers": ("gallery_scraper.scrape_figures",),
    "capture_repr": ("_repr_html_", "__repr__"),
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "write_computation_times": False,  # its page loads tables from CDNs
    "show_signature": False,
    "plot_gallery": "True",
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "reference_url": {},
}

html_theme = "furo"
html_title = f"visheat {release}"
html_static_path: list[str] = []
html_show_sourcelink = False
myst_heading_anchors = 2
