"""The generated monorepo of tests/corpus.py: every seventh root module is seeded with an Open
ingestion mode, public workspace ingestion (reported on the workspace and on the component that
writes to it) and a zone group missing two zones. The scan must report
exactly those, and nothing in the other folders (each folder is its own root module with the same
zone names: keying zones by name alone would flood this with false positives)."""

from __future__ import annotations

from pathlib import Path

from ampls_checks.scan import scan

from . import corpus


def test_reports_exactly_the_seeded_problems(tmp_path: Path, in_dir) -> None:
    corpus.generate(tmp_path / "corpus", 50)
    in_dir(tmp_path)
    report = scan(["corpus"])
    assert report.errors == []
    got = sorted((f.file, f.start_line, f.check_id, f.resource) for f in report.findings)
    # Stated here, not taken from corpus.SEEDED, so that a generator that drifts fails the test.
    expected = sorted(
        item
        for i in (0, 7, 14, 21, 28, 35, 42, 49)
        for item in [
            (f"corpus/stack{i:05d}/monitor.tf", 6, "CKV_AMPLS_3", "azurerm_log_analytics_workspace.logs"),
            (f"corpus/stack{i:05d}/monitor.tf", 14, "CKV_AMPLS_17", "azurerm_application_insights.app"),
            (f"corpus/stack{i:05d}/monitor.tf", 26, "CKV_AMPLS_1", "azurerm_monitor_private_link_scope.scope"),
            (f"corpus/stack{i:05d}/monitor.tf", 57, "CKV_AMPLS_6", "azurerm_private_endpoint.monitor"),
        ]
    )
    assert got == expected
    assert sorted((line, check, resource) for _, line, check, resource in got[:4]) == sorted(corpus.SEEDED)
    for finding in report.findings:
        if finding.check_id == "CKV_AMPLS_6":
            assert "privatelink.agentsvc.azure-automation.net" in finding.message
            assert "privatelink.blob.core.windows.net" in finding.message
            assert "privatelink.monitor.azure.com" not in finding.message


def test_the_generator_runs_as_a_script(tmp_path: Path) -> None:
    assert corpus.main([str(tmp_path / "c"), "3"]) == 0
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["stack00000", "stack00001", "stack00002"]
    assert sorted(p.name for p in (tmp_path / "c" / "stack00001").iterdir()) == [
        "dns.tf",
        "monitor.tf",
        "network.tf",
        "storage.tf",
    ]
    assert corpus.main(["only-one-argument"]) == 2
