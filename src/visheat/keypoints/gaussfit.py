"""visheat's ``dark``: the peak of a Gaussian fitted around each map's maximum.

The log of a Gaussian is exactly a quadratic in the offset ``d`` from the grid
maximum, ``q(d) = c + g.d + d'Hd / 2``, and its peak is the Newton step
``-H^-1 g``. DARK (Zhang et al. 2020) reads ``g`` and ``H`` from finite
differences of the log-map at the maximum: exact on a clean Gaussian, but with
three pixels per axis it passes noise straight through. Here the quadratic is
*fitted*:

1. weighted least squares of ``log h`` on the 5 x 5 window around the maximum,
   with weights ``h^2`` (the inverse variance of ``log h`` under additive noise
   of constant sigma); values <= 0 have no log and get no weight;
2. from there, :data:`ITERATIONS` Gauss-Newton steps of the least-squares fit
   of ``exp(q)`` to ``h`` itself on the 13 x 13 window: the maximum-likelihood
   fit under additive Gaussian noise. Every pixel counts, values <= 0
   included; pixels where the model is ~0 carry no weight, so structure a few
   sigma away does not pull the fit;
3. step 2 twice: for a general Gaussian (``H`` any negative definite matrix)
   and for a round one (``H = a I``). The round fit is used unless the general
   one fits significantly better: its residual sum of squares is lower by more
   than :data:`ROUNDNESS_TEST` noise variances (estimated from the general
   fit's residuals), the 5 % level of a chi-square test of the 2 extra terms.
   Near a border the pixels say little about the peak's width across the
   border, and the round fit borrows it from the other axis (a third less
   error within a pixel of the border on the accuracy benchmark); a map that is
   measurably elongated keeps the general fit.

Windows are cut at the map's edges. A quadratic is determined by any window
with enough pixels, symmetric or not, so clean Gaussian maps decode exactly
anywhere on the map, borders included, round or not (on a clean map any
elongation is significant). The fit fails where the weighted pixels do not pin
down every term (peaks narrower than sigma ~0.55 pixels, fewer than six
positive values), where ``H`` is not negative definite, or where the step
leaves the window: there the grid maximum is returned with a False flag, and
the caller decides (:func:`~visheat.keypoints.refine.dark` reads the 3 x 3
stencil). Results are clamped to the map's extent ``[-0.5, W - 0.5]``.

All maps are fitted at once: normal equations from window moments (stacked
matrix products), solved with ``numpy.linalg.solve``; a map's result does not
depend on the rest of the batch.
"""

from __future__ import annotations

import numpy as np

#: Half-width of the Gauss-Newton window (13 x 13 pixels, cut at the map's edges).
RADIUS = 6
#: Half-width of the window of the first, log-domain fit (5 x 5).
START_RADIUS = 2
#: Gauss-Newton steps after the log-domain fit (a third changes no benchmark digit).
ITERATIONS = 2
#: Drop in residual sum of squares, in noise variances, that makes a map elongated:
#: the 95 % point of chi-square with 2 degrees of freedom, ``2 ln 20``.
ROUNDNESS_TEST = 2 * np.log(20)

_STEPS = np.arange(-RADIUS, RADIUS + 1)                              # window offsets
_X, _Y = _STEPS[None, :].astype(np.float64), _STEPS[:, None].astype(np.float64)
_XX, _XY, _YY = _X * _X / 2, _X * _Y, _Y * _Y / 2
_POWERS = _Y ** np.arange(5)                                         # (13, 5): d^0 .. d^4
_START = slice(RADIUS - START_RADIUS, RADIUS + START_RADIUS + 1)     # the 5 x 5 inside
# The six terms 1, x, y, x^2/2, xy, y^2/2: powers of x and y, and factors.
_PX, _PY = np.array([0, 1, 0, 2, 1, 0]), np.array([0, 0, 1, 0, 1, 2])
_FACTOR = np.array([1, 1, 1, 0.5, 1, 0.5])
# A design (6, k) maps k free parameters to the six terms. Round: 1, x, y, (x^2 + y^2)/2.
_ROUND = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0],
                   [0, 0, 0, 1], [0, 0, 0, 0], [0, 0, 0, 1]], dtype=np.float64)


def fit_gaussian_peaks(maps: np.ndarray, rows: np.ndarray, cols: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Refined ``(x, y)`` of the maxima at ``rows, cols`` of ``maps`` ``(M, H, W)``, and
    which fitted.

    Where the fit fails, ``(x, y)`` is the grid maximum and the flag is False.
    An axis shorter than 3 pixels is not refined.

    Examples
    --------
    >>> yy, xx = np.mgrid[0:6, 0:5]
    >>> m = np.exp(-((xx - 0.2) ** 2 / 2 + (yy - 5.4) ** 2 / 3))[None]   # at a corner
    >>> x, y, fitted = fit_gaussian_peaks(m, np.array([5]), np.array([0]))
    >>> x.round(12), y.round(12), fitted
    (array([0.2]), array([5.4]), array([ True]))

    Nothing to fit (here: no positive values):

    >>> fit_gaussian_peaks(np.zeros((1, 3, 3)), np.array([1]), np.array([1]))
    (array([1.]), array([1.]), array([False]))
    """
    h, w = maps.shape[-2:]
    values, inside = _window(maps, rows, cols)
    general = np.eye(6)[:, [True, w >= 3, h >= 3, w >= 3, w >= 3 and h >= 3, h >= 3]]
    coef, ok, _ = _fit_quadratic(values, inside, general)
    dx, dy, ok = _newton_step(coef, ok, general)
    x = np.clip(np.where(ok, cols + dx, cols), -0.5, w - 0.5)
    y = np.clip(np.where(ok, rows + dy, rows), -0.5, h - 0.5)
    return x, y, ok


def _fit_quadratic(values: np.ndarray, inside: np.ndarray, general: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coefficients ``(M, 6)`` of the chosen fit, which fits are usable, which maps are elongated.

    ``general`` ``(6, k)`` holds the terms the map's size allows; with all six
    the round fit competes (steps 1 to 3 of the module docstring).
    """
    start, ok = _log_fit(values, inside, general)
    coef, residual = _fit(start, ok, values, inside, general)
    if general.shape[1] < 6:                   # an axis too short to have a shape
        return coef, ok, np.ones(len(coef), dtype=bool)
    rounded = start.copy()                     # the same start with H -> its mean curvature
    rounded[:, 3] = rounded[:, 5] = (start[:, 3] + start[:, 5]) / 2
    rounded[:, 4] = 0.0
    round_coef, round_residual = _fit(rounded, ok, values, inside, _ROUND)
    noise = residual / np.maximum(inside.sum(axis=(1, 2)) - 6, 1)
    elongated = round_residual - residual > ROUNDNESS_TEST * noise
    return np.where(elongated[:, None], coef, round_coef), ok, elongated


def _window(maps: np.ndarray, rows: np.ndarray, cols: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """The 13 x 13 windows ``(M, 13, 13)`` over the maxima, in units of the maximum, and
    which pixels are on the map.

    Off the map reads as 0. Values are clipped to ``[-1, 1]`` (only noise larger
    than the peak goes below -1), and a map whose maximum is not positive reads
    as all zeros: nothing to fit.
    """
    h, w = maps.shape[-2:]
    r, c = rows[:, None] + _STEPS, cols[:, None] + _STEPS                 # (M, 13)
    inside = ((r >= 0) & (r < h))[:, :, None] & ((c >= 0) & (c < w))[:, None, :]
    index = (np.arange(len(rows))[:, None] * h + np.clip(r, 0, h - 1)) * w
    values = np.take(maps, index[:, :, None] + np.clip(c, 0, w - 1)[:, None, :])
    peak = maps[np.arange(len(rows)), rows, cols][:, None, None]
    peak = np.where(peak > 0, peak, np.inf)
    values = np.clip(values, -peak, peak, out=values)          # clipped first: no overflow
    values /= peak
    return values * inside, inside


def _log_fit(values: np.ndarray, inside: np.ndarray, design: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """Least squares of ``log h`` on the 5 x 5 window, weights ``h^2`` (0 where ``h <= 0``)."""
    values, inside = values[:, _START, _START], inside[:, _START, _START]
    positive = inside & (values > 0)
    weights = np.where(positive, values * values, 0.0)
    logs = np.log(np.where(positive, values, 1.0))
    coef, ok = _solve(*_normal_equations(weights, weights * logs), design)
    return coef, ok & _negative_definite(coef, design)


def _fit(coef: np.ndarray, ok: np.ndarray, values: np.ndarray, inside: np.ndarray,
         design: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:data:`ITERATIONS` Gauss-Newton steps from ``coef``; the result and its residual sum
    of squares.

    The residual after the last step is the one Gauss-Newton predicts,
    ``|r|^2 - step . J'r`` (exact once the steps have converged).
    """
    for _ in range(ITERATIONS):
        model = _model(coef, inside)
        residual = values - model
        a, b = _normal_equations(model * model, model * residual)
        step, solved = _solve(a, b, design)
        new = coef + step
        accept = ok & solved & np.isfinite(new).all(axis=1) & _negative_definite(new, design)
        coef = np.where(accept[:, None], new, coef)
    squares = (residual * residual).sum(axis=(1, 2))
    return coef, squares - np.where(accept, (step * b).sum(axis=1), 0.0)


def _model(coef: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """``exp(q(d))`` on the window, 0 off the map, ``(M, 13, 13)`` (capped at ``e^50``)."""
    c = coef[:, :, None, None]
    q = c[:, 4] * _XY
    q += c[:, 0] + c[:, 1] * _X + c[:, 3] * _XX
    q += c[:, 2] * _Y + c[:, 5] * _YY
    np.exp(np.minimum(q, 50.0, out=q), out=q)
    q *= inside
    return q


def _normal_equations(weights: np.ndarray, weighted: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    """``sum(w t t')`` ``(M, 6, 6)`` and ``sum(w r t)`` ``(M, 6)`` over the six terms ``t``.

    ``weights`` and ``weighted`` (``w * r``) are ``(M, 13, 13)``.
    """
    a = _moments(weights, 4)[:, _PX[:, None] + _PX, _PY[:, None] + _PY]
    b = _moments(weighted, 2)[:, _PX, _PY]
    return a * (_FACTOR[:, None] * _FACTOR), b * _FACTOR


def _moments(weights: np.ndarray, degree: int) -> np.ndarray:
    """``sum(weights * x^a * y^b)`` over each window, ``(M, degree + 1, degree + 1)`` by ``[a, b]``.

    Stacked matrix products compute each map's moments on their own, the same
    way whatever else is in the batch.
    """
    half = weights.shape[-1] // 2
    powers = _POWERS[RADIUS - half:RADIUS + half + 1, :degree + 1]
    return np.swapaxes(weights @ powers, 1, 2) @ powers


def _solve(a: np.ndarray, b: np.ndarray, design: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares coefficients ``(M, 6)`` restricted to ``design @ p``, and which were solvable.

    ``design`` ``(6, k)`` maps the ``k`` free parameters to the six terms. A
    system is solvable when the determinant of its unit-diagonal form exceeds
    1e-12, i.e. its weighted pixels pin down every parameter; others give 0.
    """
    a, b = design.T @ a @ design, b @ design
    scale = np.sqrt(np.einsum("mii->mi", a))
    scale = np.where(scale > 0, scale, 1.0)
    unit = a / scale[:, :, None] / scale[:, None, :]
    sign, logdet = np.linalg.slogdet(unit)
    ok = (sign > 0) & (logdet > np.log(1e-12))
    unit = np.where(ok[:, None, None], unit, np.eye(len(design.T)))
    p = np.linalg.solve(unit, (b / scale)[..., None])[..., 0] / scale
    return np.where(ok[:, None], p, 0.0) @ design.T, ok


def _hessian(coef: np.ndarray, design: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``H``'s entries; an axis the design does not fit (< 3 pixels) reads as curvature -1."""
    hxx = coef[:, 3] if design[3].any() else -np.ones(len(coef))
    hyy = coef[:, 5] if design[5].any() else -np.ones(len(coef))
    return hxx, coef[:, 4], hyy


def _negative_definite(coef: np.ndarray, design: np.ndarray) -> np.ndarray:
    hxx, hxy, hyy = _hessian(coef, design)
    return (hxx < 0) & (hxx * hyy - hxy * hxy > 0)


def _newton_step(coef: np.ndarray, ok: np.ndarray, design: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``-H^-1 g``, and where it is kept: a usable fit, ``H`` negative definite, inside
    the window."""
    hxx, hxy, hyy = _hessian(coef, design)
    gx, gy = coef[:, 1], coef[:, 2]
    ok = ok & _negative_definite(coef, design)
    det = np.where(ok, hxx * hyy - hxy * hxy, 1.0)
    dx, dy = -(hyy * gx - hxy * gy) / det, -(hxx * gy - hxy * gx) / det
    ok &= (np.abs(dx) <= RADIUS) & (np.abs(dy) <= RADIUS)
    return dx, dy, ok
