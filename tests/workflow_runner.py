"""Runs the jobs docs/ci.md shows, the way GitHub Actions and GitLab CI would as far as their steps
need: `run:` steps in bash, this repository's action through action.yml's own steps (inputs passed
through `env:` exactly as written there), and the few actions the workflows use simulated with
git and files (checkout, upload/download-artifact; setup-go and setup-python change nothing
here). An expression, condition or action the runner does not know fails the test: the docs
cannot show a step the tests do not run."""

from __future__ import annotations

import json
import os
import re
import runpy
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "ci.md"
ACTION = ROOT / "action.yml"
REPOSITORY = "octo/demo"
THIS_ACTION = re.compile(r"benchguard/benchguard@v[0-9.]+")
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def documented() -> dict[str, Any]:
    """Each ```yaml block of docs/ci.md, by the file its first line names
    (`# .github/workflows/benchguard.yml`)."""
    blocks: dict[str, Any] = {}
    for block in re.findall(r"```yaml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S):
        named = re.match(r"#\s*(\S+)", block)
        assert named, f"a yaml block of docs/ci.md does not name its file:\n{block}"
        blocks[named.group(1)] = yaml.safe_load(block)
    return blocks


def action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return data


def triggers(workflow: Mapping[Any, Any]) -> Any:
    # YAML 1.1 reads the key `on` as true
    return workflow.get("on", workflow.get(True))


def run_scripts(steps: list[dict[str, Any]]) -> list[str]:
    return [step["run"] for step in steps if "run" in step]


@dataclass
class Step:
    name: str
    returncode: int = 0
    stdout: str = ""
    stderr: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    skipped: bool = False


@dataclass
class Job:
    run_id: int
    workspace: Path
    steps: list[Step]
    summary: str

    @property
    def failed(self) -> bool:
        return any(step.returncode != 0 for step in self.steps)

    @property
    def log(self) -> str:
        return "\n".join(f"--- {step.name} (exit {step.returncode})\n{step.stdout}{step.stderr}"
                         for step in self.steps)

    def step(self, name_part: str) -> Step:
        [found] = [step for step in self.steps if name_part in step.name]
        return found


@dataclass
class Runner:
    """GitHub Actions for one repository: its remote, its API, its artifacts."""

    base: Path
    remote: Path
    api_url: str
    token: str | None
    path_prefix: list[str] = field(default_factory=list)
    artifacts: dict[tuple[int, str], Path] = field(default_factory=dict)
    runs: int = 0
    # files an earlier step of the job left in RUNNER_TEMP (relative path -> text; executable)
    left_in_temp: dict[str, str] = field(default_factory=dict)

    def run(self, workflow: dict[str, Any], job_name: str, *, event_name: str,
            event: dict[str, Any], sha: str, ref: str) -> Job:
        """Run one job of ``workflow`` for ``event``; a job whose `if:` is false is an error
        (the test meant to run it)."""
        job = workflow["jobs"][job_name]
        self.runs += 1
        run_id = 7000 + self.runs
        home = self.base / f"run-{run_id}"
        workspace, temp = home / "workspace", home / "runner-temp"
        workspace.mkdir(parents=True)
        temp.mkdir()
        # The action's install step finds its venv and keeps it: this checkout's own, in which
        # benchguard is installed from these sources, under the name the action gives it.
        venv_key = runpy.run_path(str(ROOT / "action" / "venv_key.py"))["key"](ROOT)
        (temp / f"benchguard-venv-{venv_key}").symlink_to(sys.prefix, target_is_directory=True)
        for name, text in self.left_in_temp.items():
            (temp / name).parent.mkdir(parents=True, exist_ok=True)
            (temp / name).write_text(text, encoding="utf-8")
            (temp / name).chmod(0o755)
        event_path = home / "event.json"
        event_path.write_text(json.dumps(event), encoding="utf-8")
        context = _Context(event_name, event, self.token, run_id)
        assert _condition(job.get("if", "success()"), context, failed=False), \
            f"job {job_name} does not run for {event_name}"
        env = {
            **os.environ,
            "PATH": os.pathsep.join([*self.path_prefix, str(Path(sys.executable).parent),
                                     os.environ["PATH"]]),
            "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(event_path), "GITHUB_REPOSITORY": REPOSITORY,
            "GITHUB_API_URL": self.api_url, "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_RUN_ID": str(run_id), "GITHUB_SHA": sha, "GITHUB_REF": ref,
            "GITHUB_WORKSPACE": str(workspace), "RUNNER_TEMP": str(temp), "RUNNER_OS": "Linux",
            **{key: str(value) for key, value in job.get("env", {}).items()},
        }
        summary = home / "summary.md"
        steps: list[Step] = []
        for number, spec in enumerate(job["steps"]):
            failed = any(step.returncode != 0 for step in steps)
            name = spec.get("name") or spec.get("uses") or spec["run"].splitlines()[0]
            if not _condition(spec.get("if", "success()"), context, failed=failed):
                steps.append(Step(name, skipped=True))
                continue
            step_env = {**env, "GITHUB_STEP_SUMMARY": str(summary),
                        **{key: _evaluate(str(value), context)
                           for key, value in spec.get("env", {}).items()}}
            if "run" in spec:
                steps.append(_bash(name, spec["run"], workspace, step_env, home / f"out-{number}"))
            else:
                steps.append(self._uses(name, spec, context, workspace, step_env,
                                        home / f"out-{number}", run_id))
        return Job(run_id, workspace, steps,
                   summary.read_text(encoding="utf-8") if summary.exists() else "")

    def _uses(self, name: str, spec: dict[str, Any], context: _Context, workspace: Path,
              env: dict[str, str], out: Path, run_id: int) -> Step:
        uses: str = spec["uses"]
        given = {key: _input(value, context) for key, value in spec.get("with", {}).items()}
        if uses == "actions/checkout@v4":
            _checkout(self.remote, workspace, env["GITHUB_SHA"], env["GITHUB_REF"], given)
            return Step(name)
        if uses in ("actions/setup-go@v5", "actions/setup-python@v5"):
            return Step(name)
        if uses == "actions/upload-artifact@v4":
            stored = self.base / "artifacts" / str(run_id) / given["name"]
            shutil.copytree(workspace / given["path"], stored)
            self.artifacts[(run_id, given["name"])] = stored
            return Step(name)
        if uses == "actions/download-artifact@v4":
            assert given.get("github-token") == (self.token or ""), "download needs the token"
            stored = self.artifacts[(int(given["run-id"]), given["name"])]
            shutil.copytree(stored, workspace / given["path"])
            return Step(name)
        if THIS_ACTION.fullmatch(uses):
            return _composite(name, given, context, workspace, env, out)
        raise AssertionError(f"the test runner does not know the action {uses}")


@dataclass(frozen=True)
class _Context:
    event_name: str
    event: dict[str, Any]
    token: str | None
    run_id: int


_CONDITIONS: dict[str, Callable[[_Context], bool]] = {
    "github.event_name == 'pull_request'": lambda c: c.event_name == "pull_request",
    "github.event_name == 'push'": lambda c: c.event_name == "push",
    "github.event.workflow_run.event == 'pull_request'":
        lambda c: c.event["workflow_run"]["event"] == "pull_request",
}


def _condition(expression: str, context: _Context, *, failed: bool) -> bool:
    expression = _EXPRESSION.sub(r"\1", expression).strip()
    if expression == "success()":
        return not failed
    if expression == "always()":
        return True
    assert expression in _CONDITIONS, f"the test runner does not know `if: {expression}`"
    return not failed and _CONDITIONS[expression](context)


def _evaluate(value: str, context: _Context, inputs: Mapping[str, str] | None = None,
              steps: Mapping[str, Mapping[str, str]] | None = None) -> str:
    def one(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression in ("github.token", "secrets.GITHUB_TOKEN"):
            return context.token or ""
        if expression == "github.event.workflow_run.id":
            return str(context.event["workflow_run"]["id"])
        if inputs is not None and expression.startswith("inputs."):
            return inputs[expression.removeprefix("inputs.")]
        output = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
        if steps is not None and output is not None:
            return steps.get(output.group(1), {}).get(output.group(2), "")
        raise AssertionError(f"the test runner does not know ${{{{ {expression} }}}}")

    return _EXPRESSION.sub(one, value)


def _input(value: Any, context: _Context) -> str:
    if isinstance(value, bool):  # `comment: false` reaches the action as the string "false"
        return "true" if value else "false"
    return _evaluate(str(value), context)


def _composite(name: str, given: dict[str, str], context: _Context, workspace: Path,
               env: dict[str, str], out: Path) -> Step:
    """action.yml's steps, its inputs from ``given`` or their defaults."""
    definition = action()
    declared = definition["inputs"]
    unknown = set(given) - set(declared)
    assert not unknown, f"action.yml has no input {sorted(unknown)}"
    inputs = {key: given[key] if key in given else _evaluate(str(spec.get("default", "")),
                                                              context)
              for key, spec in declared.items()}
    outputs: dict[str, dict[str, str]] = {}
    said: list[str] = []
    returncode = 0
    for number, spec in enumerate(definition["runs"]["steps"]):
        assert "run" in spec and spec.get("shell") == "bash", "a composite step is a bash script"
        step_env = {**env, "GITHUB_ACTION_PATH": str(ROOT),
                    **{key: _evaluate(str(value), context, inputs, outputs)
                       for key, value in spec.get("env", {}).items()}}
        step = _bash(spec.get("name", ""), spec["run"], workspace, step_env,
                     out.with_name(f"{out.name}-{number}"))
        said += [step.stdout, step.stderr]
        if "id" in spec:
            outputs[spec["id"]] = step.outputs
        if step.returncode != 0:
            returncode = step.returncode
            break
    # The runner evaluates an action's outputs after its steps, a failed one included.
    values = {}
    for key, spec in definition["outputs"].items():
        match = re.fullmatch(r"\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}", spec["value"])
        assert match, f"action.yml output {key}: {spec['value']}"
        values[key] = outputs.get(match.group(1), {}).get(match.group(2), "")
    return Step(name, returncode, "".join(said[::2]), "".join(said[1::2]), values)


def _bash(name: str, script: str, cwd: Path, env: dict[str, str], out: Path) -> Step:
    """A `run:` step as GitHub runs it: bash --noprofile --norc -eo pipefail, its outputs read
    back from its GITHUB_OUTPUT file."""
    out.write_text("", encoding="utf-8")
    script_file = out.with_suffix(".sh")
    script_file.write_text(script, encoding="utf-8")
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
                          cwd=cwd, env={**env, "GITHUB_OUTPUT": str(out)}, capture_output=True,
                          text=True, check=False)
    return Step(name, proc.returncode, proc.stdout, proc.stderr,
                parse_outputs(out.read_text(encoding="utf-8")))


def parse_outputs(text: str) -> dict[str, str]:
    """A GITHUB_OUTPUT file: `name=value` lines and `name<<DELIMITER` blocks."""
    values: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            body = []
            for inner in lines:
                if inner == delimiter:
                    break
                body.append(inner)
            values[key] = "\n".join(body)
        elif line:
            key, value = line.split("=", 1)
            values[key] = value
    return values


def _checkout(remote: Path, workspace: Path, sha: str, ref: str, given: dict[str, str]) -> None:
    """actions/checkout: the event's commit (a pull request's merge commit), fetch-depth deep
    (1 unless told, 0 for all history)."""
    depth = int(given.pop("fetch-depth", "1"))
    assert not given, f"the test runner does not simulate checkout's {sorted(given)}"
    local = f"refs/remotes/origin/{ref.removeprefix('refs/heads/')}" \
        if ref.startswith("refs/heads/") else f"refs/remotes/{ref.removeprefix('refs/')}"
    script = f"""
        git init -q .
        git remote add origin file://{remote}
        git fetch -q --no-tags {'' if depth == 0 else f'--depth={depth}'} origin +{sha}:{local}
        git checkout -q --force --detach {local}
    """
    subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=workspace, check=True,
                   capture_output=True)


def run_gitlab_job(job: dict[str, Any], *, remote: Path, workspace: Path,
                   variables: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A GitLab job's `script:` in a checkout of CI_COMMIT_SHA (GIT_DEPTH deep, 20 by default);
    its before_script installs benchguard, which is installed here already."""
    assert all("pip install" in line or "venv" in line or "PATH" in line or "apt-get" in line
               for line in job.get("before_script", [])), "before_script only installs"
    depth = int(job.get("variables", {}).get("GIT_DEPTH", 20))
    sha = variables["CI_COMMIT_SHA"]
    workspace.mkdir(parents=True)
    subprocess.run(["bash", "-euo", "pipefail", "-c", f"""
        git init -q .
        git remote add origin file://{remote}
        git fetch -q --no-tags {'' if depth == 0 else f'--depth={depth}'} origin {sha}
        git checkout -q --force --detach {sha}
    """], cwd=workspace, check=True, capture_output=True)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "CI": "true", "GITLAB_CI": "true", "CI_PROJECT_DIR": str(workspace),
           **{key: str(value) for key, value in job.get("variables", {}).items()}, **variables}
    script = "\n".join(job["script"])
    return subprocess.run(["bash", "-eo", "pipefail", "-c", script], cwd=workspace, env=env,
                          capture_output=True, text=True, check=False)
