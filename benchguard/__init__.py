"""benchguard: keep Go benchmark regressions out of git pushes."""

__version__ = "0.1.0"
