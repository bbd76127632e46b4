"""`sfsync transform` and `sfsync preview …`: thin commands over pipelines.transform."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from transform_fixtures import FixtureOrg, build_warehouse
from transform_scenarios import SINGLE_DIRECT, TYPED_SUM

from pipelines.cli import main
from pipelines.config import ConfigStore, load_catalog
from pipelines.jobs.lock import JobLock


@pytest.fixture
def synced_home(fixture_orgs: dict[str, FixtureOrg], home: Path) -> Path:
    build_warehouse(fixture_orgs["basic"], home)
    return home


def _config_file(tmp_path: Path, config: dict[str, object]) -> str:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return str(path)


def test_preview_commands(
    synced_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = _config_file(tmp_path, TYPED_SUM.config)
    assert main(["preview", "filter", "--config", file]) == 0
    out = capsys.readouterr().out
    assert "7 of 8 accounts would sync (typed mode)" in out
    assert "Customer: 3" in out and "Acme Corp" in out

    assert main(["preview", "aggregation", "arr", "--config", file, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["source_label"] == "sum(Opportunity.Amount)"
    acme = next(a for a in result["accounts"] if a["account_name"] == "Acme Corp")
    assert acme["value"] == 210000 and acme["record_count"] == 2

    assert main(["preview", "aggregation", "renewal", "--config", file]) == 0
    assert "max(Opportunity.CloseDate)" in capsys.readouterr().out

    assert main(["preview", "cases", "--config", file, "--samples", "1"]) == 0
    out = capsys.readouterr().out
    assert "3 case(s) match" in out and "#" in out and "inbound" in out


def test_preview_of_an_invalid_config_names_the_field(
    synced_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = _config_file(tmp_path, {"account_filtering": {"mode": "single", "filter": "Tpye = 1"}})
    assert main(["preview", "filter", "--config", file]) == 1
    assert "account_filtering.filter" in capsys.readouterr().err


def test_preview_without_a_warehouse(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = _config_file(tmp_path, SINGLE_DIRECT.config)
    assert main(["preview", "filter", "--config", file]) == 1
    assert "run a sync first" in capsys.readouterr().err


def test_transform_builds_with_the_active_config_and_waits_for_no_job(
    synced_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ConfigStore(synced_home, catalog=load_catalog(synced_home), default_path=None).save(
        SINGLE_DIRECT.config, author="test"
    )
    with JobLock.acquire(synced_home):
        assert main(["transform"]) == 3
    assert "a sync job is running" in capsys.readouterr().err

    assert main(["transform", "--select", "int_accounts_classified", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["success"] and result["config_source"] == "Database (v1)"
    assert next(n["name"] for n in result["nodes"]) == "int_accounts_classified"
