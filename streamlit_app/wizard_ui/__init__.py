"""Drawing helpers of the admin wizard: widget keys, session state, the sign-in gate, feedback,
and the Settings page's sections. Decisions are made in :mod:`pipelines.wizard`."""
