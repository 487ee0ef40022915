"""How the block message, the pull request's Markdown and JSON say which commit (reports.culprits),
for each thing the search can find: one commit, a regression spread over several, and a search
the time budget cut short."""

from __future__ import annotations

from benchguard.engine.benchfmt import BenchKey, SeriesKey
from benchguard.engine.bisection import Estimate, Search
from benchguard.push.bisect import Culprits, Pushed
from benchguard.reports import culprits as report

KEY = SeriesKey(BenchKey("example.com/demo/hashing", "BenchmarkSum", 2), "sec/op")
COMMITS = tuple(Pushed(f"{position:02d}" + "ab" * 19, f"change {position}",
                       "Ada <ada@example.com>", position) for position in range(1, 7))


def culprits(search: Search, stopped: str | None = None) -> Culprits:
    found = Culprits(COMMITS, {KEY: search.result()}, {KEY: 0.05}, set(search.measured), 12.0)
    if stopped:
        found.stopped[KEY] = stopped
    return found


def test_a_search_cut_short_says_which_commits_it_may_still_be() -> None:
    search = Search(range(1, 7), Estimate(True, 0.2, 0.15, 0.25), threshold=0.05)
    search.learn(3, Estimate(False, 0.0, -0.02, 0.02))
    search.stop()

    lines = report.render_text(culprits(search, "the time budget 4m ran out"))

    assert lines[1] == ("which commit (6 pushed commits, first-parent; 1 measured against the "
                        "base in 12s):")
    assert lines[2] == ("  example.com/demo/hashing.BenchmarkSum-2 sec/op: not found: the time "
                        f"budget 4m ran out; it is one of 4/6 {COMMITS[3].sha[:12]} to 6/6 "
                        f"{COMMITS[5].sha[:12]}")
    data = report.to_json(culprits(search, "the time budget 4m ran out"))
    assert data is not None
    [result] = data["results"]
    assert result["found"] == "unresolved" and result["commit"] is None
    assert [one["position"] for one in result["open"]] == [4, 6]
    assert result["stopped"] == "the time budget 4m ran out"


def test_one_commit_is_named_with_its_own_change_and_interval() -> None:
    search = Search(range(1, 7), Estimate(True, 0.2, 0.15, 0.25), threshold=0.05)
    search.learn(3, Estimate(False, 0.0, -0.02, 0.02))
    search.learn(5, Estimate(True, 0.2, 0.16, 0.24))
    search.learn(4, Estimate(True, 0.19, 0.15, 0.23))

    [_, title, _, line] = report.render_text(culprits(search), markdown=True)

    assert title.startswith("**Which commit (6 pushed commits")
    assert line.startswith(f"- `example.com/demo/hashing.BenchmarkSum-2 sec/op`: commit 4/6 "
                           f"{COMMITS[3].sha[:12]} 'change 4' (Ada <ada@example.com>): its own "
                           "change +19.0% (80% interval +")


def test_nothing_is_said_when_nothing_was_looked_for() -> None:
    assert report.render_text(None) == []
    assert report.to_json(None) is None
