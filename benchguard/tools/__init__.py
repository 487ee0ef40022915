"""The outside world: git, go, the Go modules and packages of a commit, and this machine. The
only modules that start processes (besides the profiles of reports.profile)."""
