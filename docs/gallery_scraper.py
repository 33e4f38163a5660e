"""sphinx-gallery scraper for figures made without pyplot.

visheat's figures are :class:`matplotlib.figure.Figure` objects that pyplot never
sees, so sphinx-gallery's own matplotlib scraper (which asks pyplot) misses them.
This one saves every ``Figure`` bound to a name in the example that it has not
saved before, in the order the names were bound.
"""

import weakref

from sphinx_gallery.scrapers import figure_rst

_SAVED: "weakref.WeakSet" = weakref.WeakSet()


def scrape_figures(block, block_vars, gallery_conf, **kwargs):
    """Save the example's new figures as PNG files; return their reST."""
    from matplotlib.figure import Figure

    paths = []
    found = [v for v in block_vars["example_globals"].values() if isinstance(v, Figure)]
    for fig, path in zip([f for f in found if f not in _SAVED], block_vars["image_path_iterator"]):
        fig.savefig(path, dpi=96)
        _SAVED.add(fig)
        paths.append(path)
    return figure_rst(paths, gallery_conf["src_dir"])
