"""`benchguard ci`: what a CI run should do (environment), and doing it — check a pull or merge
request (check), post a report from another run's artifact (post), record a merge's baseline
(record) — with GitHub's REST API (github), shallow checkouts (checkout), the fork-safe artifact
(artifact) and the pull-request comment (comment). See docs/ci.md."""
