"""The README's "Continuous integration" snippets: the YAML parses, names the right commands and
files, and the ampls-checks commands in it are run here as the CI would run them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from .conftest import FIXTURES, REPO

BIN = str(Path(sys.executable).parent)


def section() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("\n## Continuous integration\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def block(title: str, language: str) -> str:
    text = section()
    start = text.index(f"\n### {title}\n")
    end = text.find("\n### ", start + 1)
    found = re.search(rf"```{language}\n(.*?)```", text[start : end if end > 0 else len(text)], re.DOTALL)
    assert found is not None, f"no {language} block under '{title}'"
    return found.group(1)


def shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a snippet's command the way a CI step does: bash, the installed console script on PATH."""
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}
    return subprocess.run(["bash", "-c", command], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A repository as the CI job checks it out: a deployment with one finding."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "precommit" / "bad", root)
    return root


def test_github_actions_workflow_annotates_and_uploads_the_sarif_it_writes(checkout):
    workflow = yaml.safe_load(block("GitHub Actions", "yaml"))
    assert workflow["permissions"]["security-events"] == "write"
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@")
    (scan,) = [s for s in steps if "run" in s and s["run"].startswith("ampls-checks")]
    (upload,) = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    assert upload["if"] == "always()"  # findings fail the scan step; the upload must still run
    assert steps.index(upload) > steps.index(scan)
    assert "--format github" in scan["run"]
    assert f"--format sarif:{upload['with']['sarif_file']}" in scan["run"]

    completed = shell(scan["run"], checkout)
    assert completed.returncode == 1, completed.stderr
    assert completed.stdout.startswith("::error file=modules/ampls/main.tf,line=33,endLine=33,title=CKV_AMPLS_1%3A")
    sarif = json.loads((checkout / upload["with"]["sarif_file"]).read_text())
    (result,) = sarif["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "modules/ampls/main.tf"


def test_azure_pipeline_logs_issues_and_publishes_the_junit_it_writes(checkout):
    pipeline = yaml.safe_load(block("Azure Pipelines", "yaml"))
    steps = pipeline["steps"]
    (scan,) = [s for s in steps if s.get("script", "").startswith("ampls-checks")]
    (publish,) = [s for s in steps if s.get("task", "").startswith("PublishTestResults@")]
    assert publish["condition"] == "succeededOrFailed()"
    assert publish["inputs"]["testResultsFormat"] == "JUnit"
    assert "--format azure-devops" in scan["script"]
    assert f"--format junitxml:{publish['inputs']['testResultsFiles']}" in scan["script"]

    completed = shell(scan["script"], checkout)
    assert completed.returncode == 1, completed.stderr
    assert completed.stdout.startswith(
        "##vso[task.logissue type=error;sourcepath=modules/ampls/main.tf;linenumber=33;code=CKV_AMPLS_1]"
    )
    junit = ET.parse(checkout / publish["inputs"]["testResultsFiles"]).getroot()
    assert junit.get("failures") == "1"


def test_install_steps_name_the_same_version_as_the_package():
    from ampls_checks import __version__

    workflow = yaml.safe_load(block("GitHub Actions", "yaml"))
    pipeline = yaml.safe_load(block("Azure Pipelines", "yaml"))
    installs = [s["run"] for s in next(iter(workflow["jobs"].values()))["steps"] if "pip install" in s.get("run", "")]
    installs += [s["script"] for s in pipeline["steps"] if "pip install" in s.get("script", "")]
    assert len(installs) == 2
    assert all(f"@v{__version__}" in command for command in installs)


def test_baseline_commands_adopt_then_pass(checkout):
    commands = [line for line in block("Suppressions and baselines", "sh").splitlines() if line.strip()]
    assert [c.split()[:3] for c in commands] == [
        ["ampls-checks", ".", "--create-baseline"],
        ["ampls-checks", ".", "--baseline"],
    ]
    created = shell(commands[0], checkout)
    assert created.returncode == 0, created.stderr
    assert "recorded 1 finding" in created.stderr
    checked = shell(commands[1], checkout)
    assert checked.returncode == 0, checked.stdout
    assert checked.stdout.endswith("(1 in baseline)\n")


def test_checkov_snippet_points_at_the_pack_directory(tmp_path):
    (command,) = [line for line in block("Checkov", "sh").splitlines() if line.strip()]
    assert command == 'checkov -d . --external-checks-dir "$(ampls-checks checkov-dir)"'
    printed = shell("ampls-checks checkov-dir", tmp_path)
    assert printed.returncode == 0
    assert Path(printed.stdout.strip(), "ampls_checks_pack.py").is_file()


def test_the_suppression_example_suppresses_its_finding(tmp_path):
    (tmp_path / "main.tf").write_text(block("Suppressions and baselines", "hcl"))
    completed = shell("ampls-checks . --no-cache --check CKV_AMPLS_1 --format json", tmp_path)
    assert completed.returncode == 0, completed.stdout
    (finding,) = json.loads(completed.stdout)["findings"]
    assert finding["check_id"] == "CKV_AMPLS_1"
    assert finding["suppressed"]["reason"] == "agents outside the scope still send during the migration"
