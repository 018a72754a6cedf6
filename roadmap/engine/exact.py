"""Exact decimals for scoring: points, weights and discounts taken as the decimals they print as, and
arithmetic that never depends on the caller's decimal context (see roadmap.engine.scoring, "Rounding")."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

CONTEXT = Context(prec=34, rounding=ROUND_HALF_UP)
ZERO = Decimal(0)
ONE = Decimal(1)
TEN = Decimal(10)
HUNDRED = Decimal(100)
HALF = Decimal("0.5")


def dec(value: float) -> Decimal:
    """The decimal a number prints as: 0.35 is 0.35, not 0.34999…."""
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)


def step(decimals: int) -> Decimal:
    """The quantum of a rounding to `decimals` places: 2 → 0.01."""
    return ONE.scaleb(-decimals)
