"""The production profile does not start without a usable root key."""

from __future__ import annotations

import pytest

from tests.test_settings_env import production_env, run_django


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "KEM_ROOT_KEY (or KEM_ROOT_KEY_FILE) is required"),
        ("c2hvcnQ=", "KEM_ROOT_KEY must decode to 32"),
    ],
)
def test_production_without_a_usable_root_key_stops_the_start(value, message):
    result = run_django(["check"], production_env(KEM_ROOT_KEY=value))
    assert result.returncode != 0
    assert message in result.stderr


def test_production_starts_with_a_root_key_file(tmp_path):
    key_file = tmp_path / "root.key"
    key_file.write_text("ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=\n")
    env = production_env(KEM_ROOT_KEY=None)
    env["KEM_ROOT_KEY_FILE"] = str(key_file)
    result = run_django(["vault_generate_key"], env)
    assert result.returncode == 0, result.stderr[-500:]
