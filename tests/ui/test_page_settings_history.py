"""Settings → Show JSON and the configuration history: versions, diff, rollback (AppTest)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from wizard_fixtures import open_app
from wizard_ui import keys
from wizard_ui.keys import row_key

from pipelines.config import ConfigStore

TYPED = {
    "account_filtering": {
        "mode": "typed",
        "typed_filters": [{"type": "Customer", "filter": "Type = 'Customer'"}],
    }
}


def badge(at: Any) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("Configuration source:"))


def test_show_json_is_the_config_in_force(home: Path) -> None:
    at = open_app("settings")
    assert badge(at).endswith("[Default (Code)]")
    at.toggle(key=keys.SHOW_JSON).set_value(True).run()
    shown = json.loads(next(c.value for c in at.code if c.language == "json"))
    assert shown == ConfigStore(home).current().config.to_document()  # type: ignore[union-attr]


def test_history_diff_and_rollback_with_confirmation(not_configured: Path) -> None:
    store = ConfigStore(not_configured)
    store.save(TYPED, author="ada", comment="first setup")
    at = open_app("settings")
    at.button(key=keys.OM_ADD).click().run()
    row = at.session_state[keys.OM_ROWS][-1]
    at.selectbox(key=row_key(keys.OM_FIELD, row)).select("CSM__c")
    at.selectbox(key=row_key(keys.OM_TYPE, row)).select("CSM")
    at.text_input(key=keys.OM_COMMENT).input("map the CSM")
    at.button(key=keys.OM_SAVE).click().run()
    assert badge(at).endswith("[Database (v2)]")

    history = next(d.value for d in at.dataframe if "Version" in d.value.columns)
    assert history[["Version", "Active", "Author", "Comment"]].values.tolist() == [
        ["v2", "yes", at.session_state[keys.AUTHOR], "map the CSM"],
        ["v1", "", "ada", "first setup"],
    ]
    changes = next(c.value for c in at.code if c.value.startswith("+ owner_mapping"))
    assert changes == '+ owner_mapping[1]: {"field": "CSM__c", "owner_type": "CSM"}'
    assert any(c.language == "diff" and c.value.startswith("--- v1\n+++ v2") for c in at.code)

    at.button(key=keys.HIST_ACTIVATE).click().run()
    assert any("Activate version 1?" in w.value for w in at.warning)
    assert store.active().version == 2  # type: ignore[union-attr]
    at.button(key=keys.HIST_CANCEL).click().run()
    assert not any("Activate version" in w.value for w in at.warning)
    at.button(key=keys.HIST_ACTIVATE).click().run()
    at.button(key=keys.HIST_CONFIRM).click().run()
    assert not at.exception
    assert badge(at).endswith("[Database (v1)]")
    assert "Version 1 is active again." in [s.value for s in at.success]
    assert len(store.history()) == 2
    # The forms show the version in force again: no CSM row.
    fields = [at.session_state[row_key(keys.OM_FIELD, r)] for r in at.session_state[keys.OM_ROWS]]
    assert fields == ["OwnerId"]


def test_a_version_that_no_longer_validates_is_not_activated(not_configured: Path) -> None:
    store = ConfigStore(not_configured)
    store.save(TYPED, author="ada")
    store.save({**TYPED, "owner_mapping": [{"field": "CSM__c", "owner_type": "CSM"}]}, author="ada")
    # The org's schema moved on: the synced describe no longer has CSM__c.
    from pipelines.config.catalogs import describe_catalog_path

    describe_catalog_path(not_configured).write_text(
        "Account:\n  fields:\n    Id: {type: id}\n    Name: {type: string}\n    Type: {type: picklist}\n"
        "    OwnerId: {type: reference, referenceTo: User, relationshipName: Owner}\n"
    )
    store.activate(1)
    at = open_app("settings")
    at.selectbox(key=keys.HIST_ACTIVATE_VERSION).select(2)
    at.button(key=keys.HIST_ACTIVATE).click().run()
    at.button(key=keys.HIST_CONFIRM).click().run()
    assert any(e.value.startswith("Not activated: version 2 no longer validates") for e in at.error)
    assert store.active().version == 1  # type: ignore[union-attr]
