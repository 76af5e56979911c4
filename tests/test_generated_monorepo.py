"""The generated monorepo of ../shared/tools/gen_corpus.py: every seventh root module is seeded with
an Open ingestion mode, public workspace ingestion and a zone group missing two zones. The scan
must report exactly those, and nothing in the other folders (each folder is its own root module
with the same zone names: keying zones by name alone would flood this with false positives)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ampls_checks.scan import scan

from .conftest import REPO

GENERATOR = REPO.parent / "shared" / "tools" / "gen_corpus.py"


@pytest.mark.skipif(not GENERATOR.exists(), reason="../shared/tools/gen_corpus.py is not available")
def test_reports_exactly_the_seeded_problems(tmp_path: Path, in_dir) -> None:
    subprocess.run([sys.executable, str(GENERATOR), str(tmp_path / "corpus"), "50"], check=True)
    in_dir(tmp_path)
    report = scan(["corpus"])
    assert report.errors == []
    got = sorted((f.file, f.start_line, f.check_id, f.resource) for f in report.findings)
    expected = sorted(
        item
        for i in range(50)
        if i % 7 == 0
        for item in [
            (f"corpus/stack{i:05d}/monitor.tf", 7, "CKV_AMPLS_3", "azurerm_log_analytics_workspace.law"),
            (f"corpus/stack{i:05d}/monitor.tf", 24, "CKV_AMPLS_1", "azurerm_monitor_private_link_scope.ampls"),
            (f"corpus/stack{i:05d}/monitor.tf", 55, "CKV_AMPLS_6", "azurerm_private_endpoint.ampls"),
        ]
    )
    assert got == expected
    for finding in report.findings:
        if finding.check_id == "CKV_AMPLS_6":
            assert "privatelink.agentsvc.azure-automation.net" in finding.message
            assert "privatelink.blob.core.windows.net" in finding.message
            assert "privatelink.monitor.azure.com" not in finding.message
