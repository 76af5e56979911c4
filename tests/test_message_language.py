"""A finding's message speaks the language of the file it points at: a Bicep user is never told
to write Terraform (`Check.finding` spells the settings a check names, see `spell_settings`)."""

from __future__ import annotations

import pytest

from ampls_checks.checks.base import spell_settings
from ampls_checks.model import Language
from ampls_checks.scan import scan

from .conftest import FIXTURES


@pytest.mark.parametrize(
    ("case", "written"),
    [
        (
            "terraform/ckv_ampls_15/bad_monitor_zone_linked_without_endpoint",
            'set resolution_policy = "NxDomainRedirect"',
        ),
        ("arm/ckv_ampls_15/bad_zones_in_preparation", 'set "resolutionPolicy": "NxDomainRedirect"'),
        ("bicep/ckv_ampls_15/bad_zones_in_preparation", "set resolutionPolicy: 'NxDomainRedirect'"),
        ("terraform/ckv_ampls_18/bad_no_endpoint", "set data_collection_endpoint_id to an endpoint"),
        ("bicep/ckv_ampls_18/bad_no_endpoint", "set dataCollectionEndpointId to an endpoint"),
    ],
)
def test_the_message_names_the_setting_as_the_file_writes_it(case: str, written: str, in_dir) -> None:
    in_dir(FIXTURES / case)
    check_id = case.split("/")[1].upper()
    messages = [f.message for f in scan(["."]).findings if f.check_id == check_id]
    assert messages, f"{case} has no {check_id} finding"
    assert all(written in m and "«" not in m for m in messages), messages


def test_spell_settings_leaves_other_text_alone() -> None:
    text = "set «resolution_policy = NxDomainRedirect» or «unknown_name»; keep = this"
    assert (
        spell_settings(text, Language.BICEP) == "set resolutionPolicy: 'NxDomainRedirect' or unknown_name; keep = this"
    )
    assert (
        spell_settings(text, Language.ARM) == 'set "resolutionPolicy": "NxDomainRedirect" or unknown_name; keep = this'
    )
