"""The pipeline algebra: composition, stages, identity, printing, parsing."""

import pickle
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import visheat
from visheat import (
    AlphaOverlay,
    CenteredColormap,
    ExtremaColormap,
    FlipImage,
    NormReduction,
    PercentileClip,
    Pipeline,
    ResizeToImage,
    Stage,
    SumReduction,
    Transform,
)
from visheat.testing import check_transform, maps

NAMESPACE = {name: getattr(visheat, name) for name in visheat.__all__}

# transforms that may follow each other in any order (all keep the map stage)
MAP_STEPS = st.sampled_from([
    PercentileClip(), PercentileClip(0.1, 0.9), PercentileClip(0.0, 1.0), FlipImage(),
    SumReduction(), NormReduction(),
])


def test_bar_builds_a_flat_pipeline():
    a, b, c = NormReduction(), PercentileClip(), ExtremaColormap("jet")
    assert (a | b) | c == a | (b | c) == Pipeline(a, b, c)
    assert Pipeline(Pipeline(a, b), Pipeline(c)).steps == (a, b, c)
    assert isinstance(a | b, Transform)


@given(st.lists(MAP_STEPS, min_size=3, max_size=6), st.data())
def test_composition_is_associative(steps, data):
    cut1 = data.draw(st.integers(1, len(steps) - 1))
    cut2 = data.draw(st.integers(cut1, len(steps)))
    left = (Pipeline(*steps[:cut1]) | Pipeline(*steps[cut1:cut2])) | Pipeline(*steps[cut2:])
    right = Pipeline(*steps[:cut1]) | (Pipeline(*steps[cut1:cut2]) | Pipeline(*steps[cut2:]))
    assert left == right == Pipeline(*steps)


def test_slicing_gives_pipelines_and_indexing_gives_steps():
    pipe = NormReduction() | PercentileClip() | ExtremaColormap()
    assert pipe[1:] == Pipeline(PercentileClip(), ExtremaColormap())
    assert pipe[0] == NormReduction()
    assert len(pipe) == 3 and list(pipe) == list(pipe.steps)


def test_empty_pipeline_is_the_identity():
    m = np.arange(6.0).reshape(1, 2, 3)
    assert np.array_equal(Pipeline()(m, stage="map"), m)
    assert Pipeline() | NormReduction() == Pipeline(NormReduction())


@pytest.mark.parametrize("other", [1, "jet", None, np.zeros(3), lambda x: x])
def test_bar_with_a_non_transform_is_a_type_error(other):
    with pytest.raises(TypeError):
        NormReduction() | other
    with pytest.raises(TypeError):
        other | NormReduction()


def test_pipeline_of_non_transform_names_the_position():
    with pytest.raises(TypeError, match=r"steps\[1\]: expected a visheat Transform"):
        Pipeline(NormReduction(), "jet")


def test_reduction_after_colormap_fails_when_built():
    with pytest.raises(TypeError, match="Reductions come before the colormap"):
        ExtremaColormap() | SumReduction()


def test_clip_after_colormap_fails_when_built():
    with pytest.raises(TypeError, match="step 3, PercentileClip.*takes .*but step 2"):
        NormReduction() | ExtremaColormap() | PercentileClip()


def test_overlay_before_colormap_fails_when_built():
    with pytest.raises(TypeError, match=r"takes RGB pictures \(N, H, W, 3\)"):
        NormReduction() | AlphaOverlay()


def test_any_stage_steps_fit_anywhere():
    pipe = SumReduction() | ResizeToImage() | ExtremaColormap() | ResizeToImage() | FlipImage()
    assert pipe.input_stages() == {Stage.VALUES, Stage.MAP}
    assert pipe.output_stage(Stage.VALUES) is Stage.RGB


def test_repr_prints_one_step_per_line_and_evaluates_back():
    pipe = SumReduction() | PercentileClip(0.01, 0.99) | CenteredColormap("bwr")
    text = repr(pipe)
    assert text.splitlines() == ["Pipeline(", "  SumReduction(),", "  PercentileClip(0.01, 0.99),",
                                 "  CenteredColormap('bwr'),", ")"]
    assert eval(text, NAMESPACE) == pipe


@pytest.mark.parametrize("t", [
    NormReduction(), PercentileClip(), PercentileClip(0.05), PercentileClip(0.0, 0.5),
    ExtremaColormap("viridis"), ExtremaColormap([[0, 0, 0], [1, 0.5, 0]]),
    CenteredColormap(), AlphaOverlay(0.3), AlphaOverlay(np.full((2, 3), 0.25)),
    ResizeToImage("bilinear"), FlipImage(),
    NormReduction() | ExtremaColormap() | ResizeToImage() | AlphaOverlay(),
])
def test_repr_eval_pickle_hash_and_text_round_trip(t):
    assert eval(repr(t), NAMESPACE) == t
    assert hash(eval(repr(t), NAMESPACE)) == hash(t)
    assert pickle.loads(pickle.dumps(t)) == t
    pipe = t if isinstance(t, Pipeline) else Pipeline(t)
    assert Pipeline.parse(str(pipe)) == pipe


def test_equality_is_by_value_and_type():
    assert PercentileClip(0.01, 0.99) == PercentileClip(0.01, 0.99)
    assert PercentileClip(0.01, 0.99) != PercentileClip(0.02, 0.99)
    assert ExtremaColormap("jet") != CenteredColormap("jet")
    assert len({NormReduction(), NormReduction(), SumReduction()}) == 2


def test_transforms_are_immutable():
    clip = PercentileClip()
    with pytest.raises(AttributeError):
        clip.lower = 0.5


def test_parse_reads_keywords_and_negative_numbers():
    pipe = Pipeline.parse("SumReduction() | PercentileClip(lower=0.0, upper=+0.5) "
                          "| ExtremaColormap(name='jet_r')")
    assert pipe == SumReduction() | PercentileClip(0.0, 0.5) | ExtremaColormap("jet_r")


@pytest.mark.parametrize("text, match", [
    ("__import__('os').system('echo hi')", "expected a step such as NormReduction"),
    ("os.system('x')", "expected a step such as NormReduction"),
    ("NormReduction(open('f'))", "expected a literal argument"),
    ("NormReduction() | Evil()", "expected a known transform.*'Evil' at column 19"),
    ("NormReduction", "Write NormReduction\\(\\) with parentheses"),
    ("NormReduction(", "does not parse"),
    ("", "at least one step"),
    ("PercentileClip(**{'lower': 1})", "'\\*\\*' unpacking"),
    ("PercentileClip(1, 2, 3)", "arguments that PercentileClip accepts"),
    ("ExtremaColormap(lambda: 0)", "expected a literal argument"),
])
def test_parse_refuses_anything_but_known_steps_with_literals(text, match):
    with pytest.raises(ValueError if "accepts" not in match else TypeError, match=match):
        Pipeline.parse(text)


def test_parse_validates_parameters_through_the_constructors():
    with pytest.raises(ValueError, match="upper: expected a number in \\[0, 1\\]"):
        Pipeline.parse("PercentileClip(0.1, 2)")


def test_parse_refuses_huge_or_deep_text_without_hanging():
    with pytest.raises(ValueError):
        Pipeline.parse("NormReduction() | " * 5000 + "NormReduction()")
    with pytest.raises(ValueError):
        Pipeline.parse("AlphaOverlay(" + "[" * 200 + "]" * 200 + ")")


@pytest.mark.parametrize("text, column", [
    ("Pad(" + "9" * 5000 + ")", ""),  # Python's parser refuses it: no column
    ("Pad(0x" + "f" * 5000 + ")", " at column 5"),  # parses, and then could never print
    ("ExtremaColormap(vmin=-0b1" + "0" * 1100 + ", vmax=1)", " at column 23"),
    ("Pad(1" + "0" * 308 + ")", " at column 5"),
])
def test_parse_bounds_integer_literals_so_every_message_can_print_them(text, column):
    with pytest.raises(ValueError) as info:
        Pipeline.parse(text)
    assert str(info.value) == ("text: expected integers of at most 308 digits; got a longer "
                               f"integer{column}.")


def test_integers_of_308_digits_parse_and_print_back():
    pipe = Pipeline.parse("Pad(" + "9" * 308 + ")")
    assert Pipeline.parse(str(pipe)) == pipe and pipe[0].top == 10**308 - 1


PIECES = ["NormReduction()", "PercentileClip(0.1, 0.9)", "ExtremaColormap('jet')", "Pad(1)",
          "Pad(-1)", " | ", "|", "(", ")", "0x1f", "'", ","]


@given(st.one_of(st.text(max_size=200), st.lists(st.sampled_from(PIECES), max_size=6).map("".join)))
def test_parse_fuzz_refuses_in_the_one_template_or_round_trips(text):
    try:
        pipe = Pipeline.parse(text)
    except (ValueError, TypeError) as err:  # "argument: expected ...; got ...", or the steps
        assert re.match(r"^[\w\[\]().']+: expected .+; got |^step \d+, .+, takes .+, but step \d+, "
                        r".+, gives ", str(err)), str(err)
    else:
        assert Pipeline.parse(str(pipe)) == pipe


class Gain(Transform):
    """The worked example of docs/extending.md: multiply a map by a factor."""

    factor: float = 2.0
    takes = frozenset({Stage.MAP})

    def apply(self, batch):
        return batch.replace(data=batch.data * self.factor)


def test_user_transform_composes_runs_and_parses_when_allowed():
    pipe = NormReduction() | Gain(3.0) | ExtremaColormap("gray")
    x = np.ones((1, 2, 2, 2))
    assert np.allclose(pipe[:2](x), 3 * np.sqrt(2))
    assert Pipeline.parse("NormReduction() | Gain(factor=3.0) | ExtremaColormap('gray')",
                          transforms=[Gain]) == pipe
    with pytest.raises(ValueError, match="'Gain'"):
        Pipeline.parse("Gain(3.0)")
    with pytest.raises(TypeError, match=r"^step 2, Gain\(2\.0\), takes a map \(N, H, W\), but step "
                                        r"1, ExtremaColormap\('batlow'\), gives RGB pictures "
                                        r"\(N, H, W, 3\)\. Put it before the colormap\.$"):
        ExtremaColormap() | Gain()  # a user's map step after the colormap
    with pytest.raises(TypeError, match="Reductions come before the colormap"):
        ExtremaColormap() | NormReduction()


@given(maps(max_n=3))
def test_user_transform_passes_the_kit(m):
    check_transform(Gain(0.5), m)


def test_step_errors_are_reraised_with_position_and_repr():
    pipe = NormReduction() | ExtremaColormap() | AlphaOverlay()
    with pytest.raises(ValueError, match=r"step 3 of the pipeline, AlphaOverlay\(0.6\): images: "
                                         r".*Add ResizeToImage\(\)"):
        pipe(np.ones((1, 3, 4, 4)), image=np.zeros((8, 8, 3)))


def test_calling_on_the_wrong_stage_says_what_is_expected():
    with pytest.raises(ValueError, match=r"x: expected a map \(N, H, W\); got array of shape \(2, 3\)"):
        ExtremaColormap()(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="stage='values' or stage='rgb'"):
        FlipImage()(np.zeros((1, 3, 4, 4)))
    with pytest.raises(ValueError, match="expected one of 'values', 'map', 'rgb'"):
        FlipImage()(np.zeros((1, 3, 4, 4)), stage="pictures")
