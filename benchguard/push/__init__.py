"""Checking a push: which ranges, what they change, what that selects, the plan within the time
budget, running go test in interleaved sessions, measuring and deciding, and the check of one
branch."""
