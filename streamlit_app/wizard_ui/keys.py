"""Widget and session-state keys, named once and shared by the pages and their tests.

Widget keys start with ``w:`` so that a rollback can reset every form to the newly active
config in one sweep (:func:`wizard_ui.session.reset_forms`); per-row keys add ``:<row id>``.
"""

from __future__ import annotations

from typing import Literal

FORM_PREFIX = "w:"
# Form widgets keep what an admin typed while their section is collapsed (and not drawn) or
# another page is open; the edits are lost only by a save elsewhere or a rollback.
PERSIST: Literal["session"] = "session"

# --- sign-in
LOGIN_PASSWORD = "login-password"
LOGIN_SUBMIT = "login-submit"
LOGOUT = "logout"
AUTHOR = "author"

# --- connection page
CONN_LOGIN_URL = "conn-login-url"
CONN_CLIENT_ID = "conn-client-id"
CONN_CLIENT_SECRET = "conn-client-secret"
CONN_CONNECT = "conn-connect"
CONN_CHECK = "conn-check"
CONN_DISCONNECT = "conn-disconnect"
CONN_DISCONNECT_YES = "conn-disconnect-yes"
CONN_CANCEL = "conn-cancel"

# --- sync job card
JOB_RUN = "job-run"
JOB_SCHEDULE_ON = "job-schedule-on"
JOB_SCHEDULE_EVERY = "job-schedule-every"
JOB_SCHEDULE_SAVE = "job-schedule-save"

# --- settings sections (+ ":<section>")
EXPANDER = "exp"
HISTORY_EXPANDER = "exp:history"

# --- account filtering
AF_MODE = "w:af-mode"
AF_SINGLE = "w:af-single"
AF_TYPED = "w:af-typed"  # + ":<type>"
AF_TYPED_UP = "af-typed-up"  # + ":<type>"
AF_ORDER = "w:af-order"  # the types in matching order (not a widget)
AF_VALIDATE_API = "w:af-validate-api"
AF_COMMENT = "w:af-comment"
AF_SAVE = "af-save"
AF_PREVIEW = "af-preview"
AF_SHOW_SELECT = "af-show-select"

# --- owner mapping
OM_ROWS = "w:om-rows"  # row ids (not a widget)
OM_FIELD = "w:om-field"  # + ":<row id>"
OM_TYPE = "w:om-type"  # + ":<row id>"
OM_REMOVE = "om-remove"  # + ":<row id>"
OM_ADD = "om-add"
OM_COMMENT = "w:om-comment"
OM_SAVE = "om-save"

# --- ARR & renewal (+ ":arr" / ":renewal")
MT_MODE = "w:mt-mode"
MT_DIRECT_FIELD = "w:mt-direct-field"
MT_OBJECT = "w:mt-object"
MT_FIELD = "w:mt-field"
MT_FUNCTION = "w:mt-function"
MT_FILTER = "w:mt-filter"
MT_ACCOUNT_FIELD = "w:mt-account-field"
MT_ORDER_BY = "w:mt-order-by"
MT_PREVIEW = "mt-preview"
MT_COMMENT = "w:mt-comment"
MT_SAVE = "mt-save"

# --- custom objects (+ ":<row id>")
CO_ROWS = "w:co-rows"
CO_OBJECT = "w:co-object"
CO_DISPLAY = "w:co-display"
CO_ENTITY = "w:co-entity"
CO_MATCHING = "w:co-matching"
CO_FILTER = "w:co-filter"
CO_FIELDS = "w:co-fields"
CO_REMOVE = "co-remove"
CO_ADD = "co-add"
CO_COMMENT = "w:co-comment"
CO_SAVE = "co-save"

# --- support cases
SC_ENABLED = "w:sc-enabled"
SC_FILTER = "w:sc-filter"
SC_CAP = "w:sc-cap"
SC_DAYS = "w:sc-days"
SC_SOURCE = "w:sc-source"
SC_FIELDS = "w:sc-fields"
SC_PREVIEW = "sc-preview"
SC_COMMENT = "w:sc-comment"
SC_SAVE = "sc-save"

# --- advanced
AD_ACCOUNT_FIELDS = "w:ad-account-fields"
AD_OPPORTUNITY_FIELDS = "w:ad-opportunity-fields"
AD_CONTACT_ADDITIONAL = "w:ad-contact-additional"
AD_CONTACT_EXCLUDE = "w:ad-contact-exclude"
AD_COMMENT = "w:ad-comment"
AD_SAVE = "ad-save"

# --- sync to Salesforce (write-back); per mapping ":<row id>", per field row ":<field row id>"
WB_ENABLED = "w:wb-enabled"
WB_TRANSPORT = "w:wb-transport"
WB_ROWS = "w:wb-rows"  # mapping row ids (not a widget)
WB_MODEL = "w:wb-model"
WB_OBJECT = "w:wb-object"
WB_ID_COLUMN = "w:wb-id-column"
WB_POLICY = "w:wb-policy"
WB_FIELD_ROWS = "w:wb-field-rows"  # + ":<row id>": that mapping's field row ids (not a widget)
WB_COLUMN = "w:wb-column"
WB_FIELD = "w:wb-field"
WB_FIELD_ADD = "wb-field-add"  # + ":<row id>"
WB_FIELD_REMOVE = "wb-field-remove"  # + ":<field row id>"
WB_REMOVE = "wb-remove"
WB_ADD = "wb-add"
WB_DRY_RUN = "wb-dry-run"
WB_PUSH = "wb-push"
WB_COMMENT = "w:wb-comment"
WB_SAVE = "wb-save"

# --- footer: JSON and history
SHOW_JSON = "show-json"
HIST_DIFF_OLD = "hist-diff-old"
HIST_DIFF_NEW = "hist-diff-new"
HIST_ACTIVATE_VERSION = "hist-activate-version"
HIST_ACTIVATE = "hist-activate"
HIST_CONFIRM = "hist-confirm"
HIST_CANCEL = "hist-cancel"

# --- data page
DATA_TYPE = "data-type"
DATA_SEARCH = "data-search"
DATA_DOWNLOAD = "data-download"
DATA_TABS = "data-tabs"

# --- session state that is not a widget
SK_ADMIN = "sk-admin"
SK_ISSUES = "sk-issues"  # {section: [ConfigIssue]} from the last failed save
SK_FLASH = "sk-flash"  # {section: message} after a save
SK_LOADED_SOURCE = "sk-loaded-source"  # the config version the forms were filled from
SK_PREVIEWS = "sk-previews"  # {name: result or message}
SK_AUTH_URL = "sk-auth-url"
SK_CONN_MESSAGE = "sk-conn-message"
SK_CONFIRM_ROLLBACK = "sk-confirm-rollback"
SK_CONFIRM_DISCONNECT = "sk-confirm-disconnect"
SK_JOB_MESSAGE = "sk-job-message"
SK_WATCHED_JOB = "sk-watched-job"
SK_PUSH_MESSAGE = "sk-push-message"  # (kind, text) after Push now
SK_NEXT_ROW = "sk-next-row"
SK_LAST_DATA = "sk-last-data"  # the Data page's last read, shown while a job holds the warehouse


def row_key(base: str, row: object) -> str:
    """The key of a widget in a repeated row: ``w:om-field:3``."""
    return f"{base}:{row}"
