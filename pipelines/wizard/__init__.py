"""Everything the admin wizard (``streamlit_app/``) decides, as plain functions.

The Streamlit pages only draw and dispatch; the decisions live here, each module with its own
unit tests:

* :mod:`~pipelines.wizard.access`: admin password or OIDC (``st.login``).
* :mod:`~pipelines.wizard.connection`: the OAuth web-server flow, connection status, disconnect.
* :mod:`~pipelines.wizard.dlt_secrets`: the credentials in dlt's ``.dlt/secrets.toml`` (0600).
* :mod:`~pipelines.wizard.forms`: each section's form to and from the config document.
* :mod:`~pipelines.wizard.placement`: which issue goes under which field; inline SOQL checks.
* :mod:`~pipelines.wizard.saving`: Save Configuration, history, diff, rollback.
* :mod:`~pipelines.wizard.pickers`: dropdown choices from the org's schema.
* :mod:`~pipelines.wizard.soql_preview`: the SELECTs the sync sends; per-type account queries.
* :mod:`~pipelines.wizard.previews`: filter, aggregation and case previews (live or synced).
* :mod:`~pipelines.wizard.jobs_view`: the Sync Job card, Run Sync Job, job history, schedule.
* :mod:`~pipelines.wizard.warehouse` / :mod:`~pipelines.wizard.data_view`: the Data page,
  read-only and polite to a running job.
"""
