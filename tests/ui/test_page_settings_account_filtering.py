"""Settings → 1. Account Filtering, in AppTest: inline SOQL errors, save, order, preview."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wizard_fixtures import open_app
from wizard_ui import keys
from wizard_ui.keys import row_key

from pipelines.config import ConfigStore

BROKEN = "Type IN ('Customer', 'Customer - Direct') AND AnualRevenue > 0"
FIXED = "Type IN ('Customer', 'Customer - Direct') AND AnnualRevenue > 0"


def badge(at: Any) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("Configuration source:"))


def errors(at: Any) -> list[str]:
    return [e.value for e in at.error]


def typed(at: Any, account_type: str, text: str) -> Any:
    at.text_area(key=row_key(keys.AF_TYPED, account_type)).input(text)
    return at.run()


def test_an_invalid_filter_is_shown_with_row_and_column_and_not_saved(not_configured: Path) -> None:
    at = open_app("settings")
    assert badge(at).endswith("[Not Configured]")
    at.radio(key=keys.AF_MODE).set_value("typed").run()
    typed(at, "Customer", BROKEN)
    assert (
        "INVALID_FIELD at Row 1, Column 47: No such column 'AnualRevenue' on entity 'Account'."
        in " ".join(errors(at))
    )
    assert any(c.value.endswith("\n" + " " * 46 + "^") for c in at.code)
    at.button(key=keys.AF_SAVE).click().run()
    assert not at.exception
    assert any(e.startswith("Not saved: 1 problem.") for e in errors(at))
    assert ConfigStore(not_configured).history() == []
    assert badge(at).endswith("[Not Configured]")


def test_fixing_and_saving_makes_version_one(not_configured: Path) -> None:
    at = open_app("settings")
    at.radio(key=keys.AF_MODE).set_value("typed").run()
    typed(at, "Customer", BROKEN)
    typed(at, "Customer", FIXED)
    typed(at, "Prospect", "Type = 'Prospect'")
    assert errors(at) == []
    at.text_input(key=keys.AF_COMMENT).input("first setup").run()
    at.button(key=keys.AF_SAVE).click().run()
    assert not at.exception
    assert badge(at).endswith("[Database (v1)]")
    assert "Saved as version 1." in [s.value for s in at.success]
    [version] = ConfigStore(not_configured).history()
    assert version.comment == "first setup"
    saved = version.config.account_filtering
    assert saved.mode == "typed"
    assert [(f.type, f.filter) for f in saved.typed_filters] == [
        ("Customer", FIXED),
        ("Prospect", "Type = 'Prospect'"),
    ]
    # The forms keep what was saved, and saving it again makes no new version.
    at.button(key=keys.AF_SAVE).click().run()
    assert any("Nothing changed" in i.value for i in at.info)
    assert len(ConfigStore(not_configured).history()) == 1


def test_the_soql_preview_shows_what_each_type_selects(not_configured: Path) -> None:
    at = open_app("settings")
    at.radio(key=keys.AF_MODE).set_value("typed").run()
    typed(at, "Customer", "Type = 'Customer'")
    typed(at, "Prospect", "Type = 'Prospect'")
    sql = [c.value for c in at.code if c.language == "sql"]
    assert sql[0].splitlines() == [
        "SELECT Id, Name, Type FROM Account WHERE (Type = 'Customer') ORDER BY Name LIMIT 5",
        "SELECT Id, Name, Type FROM Account WHERE (Type = 'Prospect') AND NOT (Type = 'Customer') "
        "ORDER BY Name LIMIT 5",
    ]
    at.toggle(key=keys.AF_SHOW_SELECT).set_value(True).run()
    assert any(
        c.value.startswith("SELECT Id, IsDeleted") and "FROM Account" in c.value for c in at.code
    )


def test_moving_a_type_up_changes_which_filter_wins(not_configured: Path) -> None:
    at = open_app("settings")
    at.radio(key=keys.AF_MODE).set_value("typed").run()
    typed(at, "Customer", "Type = 'Customer'")
    typed(at, "Prospect", "Type = 'Prospect'")
    at.button(key=row_key(keys.AF_TYPED_UP, "Prospect")).click().run()
    assert at.session_state[keys.AF_ORDER] == ["Prospect", "Customer", "Partner"]
    at.button(key=keys.AF_SAVE).click().run()
    saved = ConfigStore(not_configured).history()[0].config.account_filtering
    assert [f.type for f in saved.typed_filters] == ["Prospect", "Customer"]


def test_single_mode_requires_a_filter(not_configured: Path) -> None:
    at = open_app("settings")
    at.button(key=keys.AF_SAVE).click().run()
    assert "Required: a SOQL condition on Account selecting the accounts to sync" in " ".join(
        errors(at)
    )
    at.text_area(key=keys.AF_SINGLE).input("Type = 'Customer'").run()
    at.button(key=keys.AF_SAVE).click().run()
    assert badge(at).endswith("[Database (v1)]")


def test_api_validation_needs_a_connection(not_configured: Path) -> None:
    at = open_app("settings")
    at.text_area(key=keys.AF_SINGLE).input("Type = 'Customer'").run()
    at.toggle(key=keys.AF_VALIDATE_API).set_value(True).run()
    at.button(key=keys.AF_SAVE).click().run()
    assert any("no org is connected" in e for e in errors(at))
    assert ConfigStore(not_configured).history() == []


def test_api_validation_with_the_org_connected(not_configured: Path, connected: Any) -> None:
    at = open_app("settings")
    at.text_area(key=keys.AF_SINGLE).input("Type = 'Customer'").run()
    at.toggle(key=keys.AF_VALIDATE_API).set_value(True).run()
    at.button(key=keys.AF_SAVE).click().run()
    assert errors(at) == []
    assert badge(at).endswith("[Database (v1)]")


def test_the_filter_preview_counts_accounts_per_type(not_configured: Path, connected: Any) -> None:
    at = open_app("settings")
    at.radio(key=keys.AF_MODE).set_value("typed").run()
    typed(at, "Customer", "Type IN ('Customer', 'Customer - Direct', 'Customer - Channel')")
    typed(at, "Prospect", "Type = 'Prospect'")
    at.button(key=keys.AF_PREVIEW).click().run()
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert labels == ["Customer", "Prospect", "Not synced"]
    assert all(int(m.value.replace(",", "")) > 0 for m in at.metric)
    assert len(at.dataframe) == 2


def test_previews_without_a_connection_say_what_to_do(not_configured: Path) -> None:
    at = open_app("settings")
    at.text_area(key=keys.AF_SINGLE).input("Type = 'Customer'").run()
    at.button(key=keys.AF_PREVIEW).click().run()
    assert any("connect the org on the Connection page" in i.value for i in at.info)
