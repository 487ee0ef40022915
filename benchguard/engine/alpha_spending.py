"""Group-sequential boundaries: the one-sided level each look may test at so that, over all the
looks, the chance of crossing when nothing changed adds up to what an alpha-spending function
allows (Lan & DeMets 1983; the recursion of Armitage, McPherson & Rowe 1969).

The statistic of look k is treated as Z_k = S_k / √I_k, with S a Brownian motion in the
information I (here: rounds), so Z_j and Z_k correlate as √(I_j / I_k). Crossing at look k means
not having crossed before and Z_k ≥ c_k; c_k is chosen so that this has probability
A(t_k) - A(t_{k-1}). Since the looks share most of their data, c_k is lower than the union bound's
Φ⁻¹(1 - (A(t_k) - A(t_{k-1}))): later looks may test at two to six times the level the union
bound allows them.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from functools import lru_cache, partial

_NORMAL = statistics.NormalDist()
_POINTS = 161  # grid of the continuation region; levels come out within ~1% of exact


def nominal_levels(spent: Sequence[float], information: Sequence[float]) -> tuple[float, ...]:
    """The one-sided nominal level of each look, given what each may spend (``spent[k]``, the
    increments of the spending function) and its information (increasing, any scale)."""
    return _levels(tuple(spent), tuple(information))


@lru_cache(maxsize=256)
def _levels(spent: tuple[float, ...], information: tuple[float, ...]) -> tuple[float, ...]:
    levels: list[float] = []
    grid: list[float] = []
    density: list[float] = []  # of S at the previous look, over the region that went on
    floor = -8 * math.sqrt(information[-1])
    previous = 0.0
    for index, (alpha, info) in enumerate(zip(spent, information, strict=True)):
        step = math.sqrt(info - previous)
        weighted = [w * f for w, f in zip(_trapezoid(grid), density, strict=True)]
        if alpha <= 0:
            levels.append(0.0)
            bound = math.inf
        elif index == 0:
            levels.append(alpha)
            bound = _NORMAL.inv_cdf(1 - alpha) * math.sqrt(info)
        else:
            bound = _solve(partial(_crossing, grid=grid, weighted=weighted, step=step), alpha,
                           12 * math.sqrt(info))
            levels.append(1 - _NORMAL.cdf(bound / math.sqrt(info)))
        top = min(bound, 12 * math.sqrt(info))
        new_grid = [floor + (top - floor) * i / (_POINTS - 1) for i in range(_POINTS)]
        if index == 0:
            density = [_pdf(s, step) for s in new_grid]
        else:
            density = [sum(f * _pdf(s - x, step) for f, x in zip(weighted, grid, strict=True))
                       for s in new_grid]
        grid, previous = new_grid, info
    return tuple(levels)


def _crossing(bound: float, *, grid: list[float], weighted: list[float], step: float) -> float:
    """P(not crossed before, and S at this look ≥ bound)."""
    return sum(f * (1 - _NORMAL.cdf((bound - x) / step))
               for f, x in zip(weighted, grid, strict=True))


def _pdf(x: float, spread: float) -> float:
    return math.exp(-0.5 * (x / spread) ** 2) / (spread * math.sqrt(2 * math.pi))


def _trapezoid(grid: Sequence[float]) -> list[float]:
    if len(grid) < 2:
        return [0.0] * len(grid)
    width = grid[1] - grid[0]
    return [width / 2 if i in (0, len(grid) - 1) else width for i in range(len(grid))]


def _solve(crossing: Callable[[float], float], alpha: float, limit: float) -> float:
    """The bound u in [-limit, limit] where the (decreasing) crossing probability is alpha."""
    low, high = -limit, limit
    for _ in range(60):
        middle = (low + high) / 2
        if crossing(middle) > alpha:
            low = middle
        else:
            high = middle
    return (low + high) / 2
