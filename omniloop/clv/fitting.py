"""Maximum likelihood on log-parameters, shared by the two models."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize import minimize

from omniloop.clv.values import FloatArray
from omniloop.core.errors import ValidationFailed


def compress(*columns: FloatArray) -> tuple[list[FloatArray], FloatArray]:
    """Identical rows once each, with their counts as weights. Calendar days make (x, t_x, T)
    repeat a lot, so a large population costs a likelihood pass over far fewer rows."""
    stacked = np.column_stack(columns)
    unique, counts = np.unique(stacked, axis=0, return_counts=True)
    return [unique[:, i] for i in range(unique.shape[1])], counts.astype(np.float64)


# Parameters are searched between e^-14 and e^14 (1e-6 to 1.2e6): wide enough for any brand's
# history in days or weeks, and the exponentials stay finite.
LOG_BOUND = 14.0


def maximise(
    log_likelihood: Callable[[FloatArray], float], *, start: FloatArray, model: str
) -> tuple[FloatArray, float]:
    """The parameters (positive, so searched as logs) that maximise `log_likelihood`, and the
    maximum. Nelder-Mead with tight tolerances: four parameters at most, no gradients to get
    wrong, and the published estimates are reproduced to more digits than they print.

    A small history can have its maximum at infinity along a ridge (BG/NBD with a and b both
    growing: every member drops out with the same probability a / (a + b)). The simplex then
    stops improving the likelihood without settling on a point; that point on the ridge is
    returned, as the likelihood is at its maximum though the parameters are not identified."""

    def objective(log_params: FloatArray) -> float:
        value = log_likelihood(np.exp(log_params))
        return -value if np.isfinite(value) else np.inf

    result = minimize(
        objective,
        start,
        method="Nelder-Mead",
        bounds=[(-LOG_BOUND, LOG_BOUND)] * len(start),
        options={"xatol": 1e-9, "fatol": 1e-9, "maxiter": 20_000, "maxfev": 40_000},
    )
    params = np.exp(result.x)
    spread = float(np.ptp(result.final_simplex[1]))
    settled = result.success or spread <= 1e-9 * max(1.0, abs(float(result.fun)))
    if not settled or not np.all(np.isfinite(params)) or not np.isfinite(result.fun):
        raise ValidationFailed(
            f"The {model} fit did not converge on this history: {result.message}",
            code="clv_fit_failed",
        )
    return params, float(-result.fun)
