"""benchguard: keep Go benchmark regressions out of git pushes."""

__version__ = "0.1.0"
JSON_VERSION = 1  # the "version" of every JSON document benchguard prints (docs/json.md)
