"""Tests for the colour-table registry `visheat.transforms.schemes`.

Expected colours are computed independently: matplotlib's own colormaps,
``np.loadtxt`` of cmcrameri's files, and an ``ast`` parse of colorcet's source.
colorcet and cmcrameri are never imported in this process (they register into
matplotlib); where their own view is needed it is taken in a subprocess.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visheat.transforms import schemes as _colordata
from visheat.transforms.schemes import (
    KINDS,
    NAMESPACE_ONLY,
    SOURCES,
    ColorTable,
    get_table,
    kind_of,
    list_names,
)

CRAMERI_DIR = Path(importlib.util.find_spec("cmcrameri").submodule_search_locations[0]) / "cmaps"
COLORCET_FILE = Path(importlib.util.find_spec("colorcet").origin)
SRC_DIR = Path(_colordata.__file__).resolve().parents[2]
# matplotlib 3.10 added Crameri's berlin, managua and vanimo; before it no name collides
MPL_BERLIN = pytest.mark.skipif("berlin" not in matplotlib.colormaps,
                                reason="this matplotlib has no 'berlin' (added in 3.10)")


def crameri_file(name: str) -> np.ndarray:
    return np.loadtxt(CRAMERI_DIR / f"{name}.txt")


def run_python(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(SRC_DIR), *filter(None, [os.environ.get("PYTHONPATH")])])}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def colorcet_ast() -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Every list-of-lists literal and every ``cm['ALIAS'] = m_BASE`` in colorcet's source."""
    tree = ast.parse(COLORCET_FILE.read_text(encoding="utf-8"))
    data, aliases = {}, {}
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else (
            node.targets[0] if isinstance(node, ast.Assign) else None)
        if isinstance(target, ast.Name) and isinstance(node.value, ast.List) and node.value.elts \
                and isinstance(node.value.elts[0], ast.List):
            data[target.id] = np.array(ast.literal_eval(node.value), dtype=float)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) \
                and target.value.id == "cm" and isinstance(node.value, ast.Name):
            aliases[ast.literal_eval(target.slice)] = node.value.id.removeprefix("m_")
    return data, aliases


# --- matplotlib -------------------------------------------------------------------------

def test_listed_matplotlib_colormap_equals_its_colors():
    expected = np.asarray(matplotlib.colormaps["viridis"].colors)
    np.testing.assert_array_equal(get_table("viridis").colors, expected)
    assert get_table("viridis").source == "matplotlib"


@pytest.mark.parametrize("name", ["seismic", "jet", "coolwarm"])
def test_segmented_matplotlib_colormap_is_sampled_at_its_resolution(name):
    cmap = matplotlib.colormaps[name]
    expected = cmap(np.linspace(0, 1, cmap.N))[:, :3]
    np.testing.assert_array_equal(get_table(name).colors, expected)


def test_qualitative_matplotlib_colormap_keeps_its_few_colours():
    expected = np.asarray(matplotlib.colormaps["tab10"].colors)
    np.testing.assert_array_equal(get_table("tab10").colors, expected)


def test_kind_table_covers_every_matplotlib_builtin():
    assert set(list_names(source="matplotlib")) <= set(_colordata._MPL_KINDS)


def test_matplotlib_runtime_registrations_are_not_listed():
    names = set(list_names(source="matplotlib"))
    assert not any(n.startswith(("cet_", "cmc.")) or n.endswith("_r") for n in names)


# --- Crameri ----------------------------------------------------------------------------

def test_bare_crameri_name_is_the_file_rounded_to_4_decimals():
    np.testing.assert_array_equal(get_table("batlow").colors,
                                  np.round(crameri_file("batlow"), 4))
    assert get_table("batlow").source == "crameri"


def test_crameri_namespace_is_the_file_at_full_precision():
    np.testing.assert_array_equal(get_table("crameri:batlow").colors, crameri_file("batlow"))
    assert get_table("crameri:batlow").name == "crameri:batlow"


def test_every_crameri_file_is_a_name():
    files = {p.stem for p in CRAMERI_DIR.glob("*.txt")}
    assert set(list_names(source="crameri")) == files


@MPL_BERLIN
def test_crameri_wins_a_bare_name_collision_with_matplotlib():
    assert get_table("berlin").source == "crameri"
    np.testing.assert_array_equal(get_table("mpl:berlin").colors,
                                  np.asarray(matplotlib.colormaps["berlin"].colors))


def test_categorical_crameri_file_has_its_100_rows():
    np.testing.assert_array_equal(get_table("batlowS").colors,
                                  np.round(crameri_file("batlowS"), 4))
    assert get_table("batlowS").colors.shape == (100, 3)


# --- colorcet ---------------------------------------------------------------------------

@pytest.mark.parametrize("name, base", [
    ("fire", "linear_kryw_0_100_c71"), ("bgy", "linear_bgy_10_95_c74"),
    ("CET_D1A", "diverging_bwr_20_95_c54"), ("glasbey", "glasbey_bw_minc_20"),
    ("CET_L3", "linear_kryw_0_100_c71")])
def test_colorcet_alias_matches_ast_parse(colorcet_ast, name, base):
    data, aliases = colorcet_ast
    assert aliases[name] == base
    np.testing.assert_array_equal(get_table(name).colors, data[base])
    np.testing.assert_array_equal(get_table(f"cet:{name}").colors, data[base])


def test_every_colorcet_data_block_matches_ast_parse(colorcet_ast):
    data, _ = colorcet_ast
    cet_names = set(list_names(source="colorcet"))
    for base, expected in data.items():
        assert base in cet_names
        np.testing.assert_array_equal(get_table(f"cet:{base}").colors, expected, err_msg=base)


def test_colorcet_names_are_colorcets_own_cm_keys():
    code = ("import json, colorcet; "
            "print(json.dumps(sorted(k for k in colorcet.cm if not k.endswith('_r'))))")
    assert set(list_names(source="colorcet")) == set(json.loads(run_python(code)))


def test_cet_underscore_prefix_is_the_cet_namespace():
    assert get_table("cet_fire") is get_table("cet:fire")
    assert get_table("cet_fire").name == "cet:fire"
    assert get_table("cet_fire_r").name == "cet:fire_r"


def test_matplotlib_wins_a_bare_name_collision_with_colorcet():
    assert get_table("coolwarm").source == "matplotlib"
    assert get_table("cet:coolwarm").source == "colorcet"


# --- colorschemes -----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["viridis", "inferno"])
def test_colorschemes_matplotlib_listed_maps(name):
    expected = np.asarray(matplotlib.colormaps[name].colors)
    np.testing.assert_array_equal(get_table(f"colorschemes:{name}").colors, expected)


def test_colorschemes_seismic_is_matplotlibs_segment_data_at_hundredths():
    # ColorSchemes.jl samples matplotlib's segment data (not its 256-entry lookup table,
    # whose bins are up to 2.4 levels away) at k / 100; an independent linear interpolation
    # of the published segment data gives the same numbers
    segments = matplotlib.colormaps["seismic"]._segmentdata
    k = np.arange(101) / 100
    expected = np.stack([np.interp(k, [p[0] for p in segments[c]], [p[1] for p in segments[c]])
                         for c in ("red", "green", "blue")], axis=1)
    np.testing.assert_allclose(get_table("colorschemes:seismic").colors, expected, atol=1e-12)
    lut = np.array([matplotlib.colormaps["seismic"](x)[:3] for x in k])
    assert np.abs(lut - expected).max() * 255 > 2  # what visheat shipped before


def test_colorschemes_tables_are_the_csv_parsed_independently():
    # the CSV holds ColorSchemes.jl's numbers as written (tools/make_colorschemes_data.py);
    # parse it with the csv module and compare every scheme
    import csv
    from importlib import resources

    text = resources.files("visheat").joinpath("data", "colorschemes.csv").read_text("ascii")
    rows = list(csv.reader(line for line in text.splitlines() if not line.startswith("#")))
    assert rows[0] == ["name", "r", "g", "b"]
    counts = {"batlow": 256, "berlin": 256, "viridis": 256, "inferno": 256, "seismic": 101,
              "jet": 9}
    for name, count in counts.items():
        stops = [[float(v) for v in row[1:]] for row in rows[1:] if row[0] == name]
        assert len(stops) == count
        np.testing.assert_array_equal(get_table(f"colorschemes:{name}").colors, stops)


def test_colorschemes_jet_has_nine_stops():
    h = 0.498
    expected = [[0, 0, h], [0, 0, 1], [0, h, 1], [0, 1, 1], [h, 1, h], [1, 1, 0], [1, h, 0],
                [1, 0, 0], [h, 0, 0]]
    np.testing.assert_array_equal(get_table("colorschemes:jet").colors, expected)


@pytest.mark.parametrize("name", ["batlow", "berlin"])
def test_colorschemes_crameri_maps_equal_the_bare_defaults(name):
    np.testing.assert_array_equal(get_table(f"colorschemes:{name}").colors,
                                  get_table(name).colors)
    assert get_table(f"colorschemes:{name}").colors.shape == (256, 3)


def test_unknown_colorschemes_name_lists_the_six():
    with pytest.raises(ValueError, match="'colorschemes:batlow'.*'colorschemes:jet'; got"):
        get_table("colorschemes:turbo")


# --- resolution rules, errors, immutability ---------------------------------------------

def test_r_suffix_reverses():
    np.testing.assert_array_equal(get_table("viridis_r").colors,
                                  get_table("viridis").colors[::-1])
    assert get_table("viridis_r").name == "viridis_r"


def test_unknown_name_suggests_close_matches():
    with pytest.raises(ValueError, match=r"^name: expected a known colormap name; "
                                         r"got 'viridsi'\. Did you mean 'viridis'"):
        get_table("viridsi")


def test_unknown_reversed_name_suggests_reversed_names():
    with pytest.raises(ValueError, match="Did you mean 'viridis_r'"):
        get_table("viridsi_r")


def test_unknown_name_in_a_namespace_suggests_within_it():
    with pytest.raises(ValueError, match="Did you mean 'cet:fire'"):
        get_table("cet:fier")


def test_unknown_namespace_is_refused():
    with pytest.raises(ValueError, match="namespace 'mpl:', 'cet:', 'crameri:', 'colorschemes:', "
                                         "'opencv:', 'zennit:' or 'captum:'"):
        get_table("matplotlib:viridis")


@pytest.mark.parametrize("bad", [3, None, ["viridis"]])
def test_non_str_name_is_a_type_error(bad):
    with pytest.raises(TypeError, match=r"^name: expected a colormap name \(str\)"):
        get_table(bad)
    with pytest.raises(TypeError, match="^name:"):
        kind_of(bad)


def test_colors_are_read_only_float64_c_contiguous():
    colors = get_table("batlow").colors
    assert colors.dtype == np.float64 and colors.flags.c_contiguous
    with pytest.raises(ValueError, match="read-only"):
        colors[0, 0] = 0.5
    assert not get_table("viridis_r").colors.flags.writeable


def test_get_table_is_cached():
    assert get_table("batlow") is get_table("batlow")


def test_table_equality_hash_and_pickle():
    table = get_table("batlow")
    copy = pickle.loads(pickle.dumps(table))
    assert copy == table and hash(copy) == hash(table)
    assert not copy.colors.flags.writeable
    assert table != get_table("colorschemes:batlow")  # same colours, other name and source


def test_hand_built_table_is_validated():
    assert ColorTable("ramp", [[0, 0, 0], [1, 1, 1]]).source == "user"
    with pytest.raises(ValueError, match=r"^colors: expected shape \(K, 3\) with K >= 2"):
        ColorTable("one", [[0, 0, 0]])
    with pytest.raises(ValueError, match=r"^colors: expected finite RGB values"):
        ColorTable("nan", [[0, 0, 0], [np.nan, 0, 0]])
    with pytest.raises(ValueError, match="^kind: expected one of 'sequential'"):
        ColorTable("ramp", [[0, 0, 0], [1, 1, 1]], kind="isoluminant")


def test_list_names_filters_are_validated():
    with pytest.raises(ValueError, match="^source: expected None or one of 'matplotlib'"):
        list_names(source="mpl")
    with pytest.raises(ValueError, match="^kind: expected None or one of 'sequential'"):
        list_names(kind="rainbow")


def test_list_names_is_the_union_of_the_sources():
    union = set().union(*(list_names(source=s) for s in SOURCES if s not in NAMESPACE_ONLY))
    assert set(list_names()) == union
    assert "coldnhot" not in list_names() and "coldnhot" in list_names(source="zennit")
    assert list_names() == sorted(list_names())
    assert set(list_names()) == set().union(*(list_names(kind=k) for k in KINDS))


# --- kinds ------------------------------------------------------------------------------

@pytest.mark.parametrize("name, kind", [
    ("batlow", "sequential"), ("berlin", "diverging"), ("romaO", "cyclic"),
    ("batlowS", "categorical"), ("tab10", "categorical"), ("twilight", "cyclic"),
    ("coolwarm", "diverging"), ("fire", "sequential"), ("CET_D1A", "diverging"),
    ("glasbey", "categorical"), ("CET_C10", "cyclic"), ("CET_I1", "sequential"),
    ("rainbow4", "sequential"), ("viridis_r", "sequential"),
    pytest.param("mpl:berlin", "diverging", marks=MPL_BERLIN),
    ("colorschemes:seismic", "diverging"), ("flag", "unknown")])
def test_kinds(name, kind):
    assert kind_of(name) == kind
    assert get_table(name).kind == kind


# --- no side effects --------------------------------------------------------------------

def test_no_registration_and_no_import_of_colorcet_or_cmcrameri():
    run_python(
        "import matplotlib; n = len(list(matplotlib.colormaps)); "
        "import visheat.transforms.schemes as c; c.list_names(); c.get_table('fire'); "
        "c.get_table('batlow'); import matplotlib; "
        "assert len(list(matplotlib.colormaps)) == n; import sys; "
        "assert 'colorcet' not in sys.modules and 'cmcrameri' not in sys.modules")


def test_import_is_lazy_and_does_not_import_matplotlib():
    # A bare parent package isolates this module from whatever visheat/__init__ imports.
    run_python(
        "import sys, types; pkg = types.ModuleType('visheat'); "
        f"pkg.__path__ = [{str(SRC_DIR / 'visheat')!r}]; sys.modules['visheat'] = pkg; "
        "sub = types.ModuleType('visheat.transforms'); "
        f"sub.__path__ = [{str(SRC_DIR / 'visheat' / 'transforms')!r}]; "
        "sys.modules['visheat.transforms'] = sub; "
        "import visheat.transforms.schemes as c; "
        "assert c._colorcet_text.cache_info().currsize == 0; "
        "assert c._crameri_files.cache_info().currsize == 0; "
        "c.get_table('fire'); c.get_table('batlow'); c.kind_of('CET_D1A'); "
        "assert 'matplotlib' not in sys.modules")


# --- properties -------------------------------------------------------------------------

@settings(deadline=None, max_examples=150)
@given(st.sampled_from(list_names()))
def test_every_listed_name_is_a_valid_reversible_table(name):
    table = get_table(name)
    colors = table.colors
    assert colors.ndim == 2 and colors.shape[1] == 3 and colors.shape[0] >= 2
    assert np.isfinite(colors).all() and colors.min() >= 0 and colors.max() <= 1
    assert table.kind in KINDS and table.source in SOURCES and table.kind == kind_of(name)
    np.testing.assert_array_equal(get_table(name + "_r").colors, colors[::-1])
