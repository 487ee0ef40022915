"""Numbers as benchstat prints them (golang.org/x/perf/benchunit and benchmath): a unit's class,
the common scale of a row of values, the "± x%" of a median, and Go's own float text.

benchstat scales each row of a table on its own: the non-zero value closest to zero gets at
least three significant digits ("1.701µ", "237.5n"), with an SI prefix, or an IEC one ("Mi",
"Gi") for units that count bytes. A value alone (a geomean, a history point) is its own row.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchguard.engine.stats import Summary


@dataclass(frozen=True)
class Scale:
    """benchunit.Scaler: shows value/factor with `precision` decimals, then `prefix`."""

    precision: int  # digits after the decimal point
    factor: float  # what one `prefix` is worth: 1e3 for "k", 2**20 for "Mi"
    prefix: str  # "k", "µ", "Mi", … or ""
    # "%.3fµ": a printf template of (value / factor), for tables that format 100,000s of cells
    template: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "template", f"%.{self.precision}f{self.prefix}")

    def format(self, value: float) -> str:
        return self.template % (value / self.factor)


# A unit is read as tokens between "*", "/", "-" and spaces; "/" starts the denominator, "*"
# ends it (benchunit's parser).
_UNIT_PARTS = re.compile(r"[^*/\-\s]+|[*/]")


def tokens(unit: str) -> Iterator[tuple[str, int, bool]]:
    """Each token of a unit with its position and whether it is in the denominator:
    "ns/op" -> ("ns", 0, False), ("op", 3, True)."""
    denominator = False
    for match in _UNIT_PARTS.finditer(unit):
        part = match.group()
        if part == "*":
            denominator = False
        elif part == "/":
            denominator = True
        else:
            yield part, match.start(), denominator


def is_binary(unit: str) -> bool:
    """benchunit.ClassOf: units with bytes in the numerator ("B/op", "B/s") scale by 1024."""
    known = _BINARY.get(unit)
    if known is None:
        known = _BINARY[unit] = any(token in ("B", "MB", "bytes") and not denominator
                                    for token, _, denominator in tokens(unit))
    return known


_BINARY: dict[str, bool] = {}


def _thresholds(exponent: int, binary: bool) -> tuple[float, float, float]:
    # The smallest values printed as 100.0, 10.00 and 1.000 of a prefix: parsed from their
    # printed form, so the thresholds round exactly as printing does (benchunit.mkSIFactors).
    if binary:
        scale = 2.0 ** exponent
        return 99.995 * scale, 9.9995 * scale, 0.99995 * scale
    return (float(f"99.995e{exponent}"), float(f"9.9995e{exponent}"),
            float(f".99995e{exponent}"))


_PREFIXES = {
    False: list(zip(range(12, -10, -3), ["T", "G", "M", "k", "", "m", "µ", "n"], strict=True)),
    True: list(zip(range(40, -1, -10), ["Ti", "Gi", "Mi", "Ki", ""], strict=True)),
}
# Below the smallest prefix: up to 10 digits after the decimal point (benchunit.mkSigfigs).
_SIGFIGS = [float(f"9.9995e{e}") for e in range(-1, -9, -1)]


def _ladder(binary: bool) -> tuple[list[float], list[Scale], list[Scale]]:
    """Every threshold in descending order (negated, for bisect) with the Scale it selects,
    and the Scales of values below the smallest prefix."""
    negated, scales = [], []
    for exponent, prefix in _PREFIXES[binary]:
        factor = 2.0 ** exponent if binary else 10.0 ** exponent
        for precision, threshold in enumerate(_thresholds(exponent, binary), 1):
            negated.append(-threshold)
            scales.append(Scale(precision, factor, prefix))
    smallest = scales[-1]
    tiny = [Scale(precision, smallest.factor, smallest.prefix)
            for precision in range(3, 3 + len(_SIGFIGS))]
    return negated, scales, tiny


_LADDERS = {False: _ladder(False), True: _ladder(True)}
_UNSCALED = Scale(3, 1.0, "")


def scale_for(smallest: float, binary: bool) -> Scale:
    """benchunit.CommonScale, given the non-zero magnitude closest to zero (0 if none)."""
    if smallest == 0:
        return _UNSCALED
    negated, scales, tiny = _LADDERS[binary]
    index = bisect_left(negated, -smallest)
    if index < len(scales):
        return scales[index]
    scaled = smallest / tiny[0].factor
    for index, threshold in enumerate(_SIGFIGS):
        if scaled >= threshold:
            return tiny[index]
    return tiny[-1]


def common_scale(values: Iterable[float], unit: str) -> Scale:
    """The scale that shows every one of `values` with at least three significant digits."""
    smallest = min((abs(v) for v in values if v != 0 and math.isfinite(v)), default=0.0)
    return scale_for(smallest, is_binary(unit))


def format_value(value: float, unit: str, *, binary: bool | None = None) -> str:
    """One value on its own scale (benchunit.Scale): "1.701µ", "2.313Gi"; "∞" if infinite.
    ``binary`` overrides the unit's class (a metric already in decimal megabytes, "MB/s")."""
    if not math.isfinite(value):
        return "∞" if value > 0 else "-∞" if value < 0 else "NaN"
    return scale_for(abs(value), is_binary(unit) if binary is None else binary).format(value)


def range_percent(summary: Summary) -> str:
    """benchmath's "± x%": the interval's larger half-width relative to the centre; "∞" when
    unbounded, "?" when a bound's sign differs from the centre's."""
    center, low, high = summary.center, summary.low, summary.high
    if low == high:  # a constant metric (allocs/op): width 0, whatever its sign
        return "∞" if math.isinf(low) else "0%"
    if low == -math.inf or high == math.inf:
        return "∞"
    sign = (center > 0) - (center < 0)
    if (low > 0) - (low < 0) != sign or (high > 0) - (high < 0) != sign:
        return "?"
    if center == 0:
        return "0%"
    width = max(high / center - 1, 1 - low / center)
    return f"{100 * width:.0f}%"


def percent(change: float) -> str:
    """A relative change as benchstat prints it: 0.0312 -> "+3.12%"."""
    return f"{change * 100:+.2f}%"


def go_float(value: float) -> str:
    """Go's %v of a float64 (strconv 'g', shortest): "100", "0.05", "1.71717171716e+11", as
    benchstat's messages print numbers."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign, digit_tuple, exponent = Decimal(repr(value)).as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    point = exponent + len(digit_tuple)  # the decimal point sits after this many digits
    minus = "-" if sign else ""
    power = point - 1
    if power < -4 or power >= 6:  # strconv's %e cut-over for the shortest representation
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{minus}{mantissa}e{'-' if power < 0 else '+'}{abs(power):02d}"
    if point <= 0:
        return f"{minus}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{minus}{digits}{'0' * (point - len(digits))}"
    return f"{minus}{digits[:point]}.{digits[point:]}"
