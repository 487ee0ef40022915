"""`benchguard profile BENCH`: profile benchmarks at base and at head and show which functions
got slower (docs/report.md)."""

from __future__ import annotations

import argparse

from benchguard.commands import output, repository
from benchguard.errors import EXIT_BENCH_FAILED, EXIT_USAGE, BenchguardError
from benchguard.push import ranges
from benchguard.push.baseline import benchmarked_specs, configured_specs
from benchguard.reports import profile
from benchguard.tools import git, modules


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("bench", metavar="BENCH",
                        help="a go test -bench regular expression naming the benchmarks")
    parser.add_argument("--base", metavar="REV",
                        help="the slower-or-not side to diff against (default: where HEAD forked "
                             "from its upstream, as `check`; HEAD~1 when that is HEAD)")
    parser.add_argument("--head", default="HEAD", metavar="REV",
                        help="the commit to profile (default: HEAD)")
    parser.add_argument("--benchtime", default="1s", metavar="T",
                        help="go test -benchtime while profiling (default: 1s; a CPU profile "
                             "needs time to collect samples)")
    parser.add_argument("--top", type=int, default=10, metavar="N",
                        help="show the N functions that changed most (default: 10)")


def run(args: argparse.Namespace) -> int:
    repo, settings = repository(args)
    head = git.resolve(repo, args.head)
    base = ranges.manual_range(repo, args.base, args.head).base if args.base else \
        ranges.default_base(repo, args.head)
    if base is None or base == head:
        raise BenchguardError("nothing to diff against: pass --base REV", exit_code=EXIT_USAGE)
    specs = configured_specs(settings, args.bench, modules.at_commit(repo, head))
    if not specs:
        with git.worktree(repo, head) as tree:
            specs = benchmarked_specs(repo, head, tree, args.bench)
    diffs = profile.profile(repo, base, head, specs, benchtime=args.benchtime,
                            timeout=settings.timeout, reporter=output.STDERR)
    if not diffs:
        raise BenchguardError(f"no benchmark matching {args.bench!r} ran at both "
                              f"{base[:12]} and {head[:12]}", exit_code=EXIT_BENCH_FAILED)
    print(profile.render_text(diffs, top=args.top), end="")
    output.progress(f"profiles kept in {profile.DIRECTORY / head}")
    return 0
