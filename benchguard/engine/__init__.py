"""The engine: the Go benchmark format, units, statistics, decisions and verdicts — pure
functions over plain data, standard library only. It touches neither git nor go, the store,
nor the user."""
