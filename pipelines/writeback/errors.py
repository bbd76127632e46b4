"""Why a push cannot start, in words a user can act on."""

from __future__ import annotations


class WritebackError(RuntimeError):
    """A push that cannot start; the message says why and what to do."""


class WritebackDisabled(WritebackError):
    def __init__(self) -> None:
        super().__init__(
            "write-back is off in the config in force (writeback.enabled is false); preview "
            "the changes with `sfsync push --dry-run`, then enable it in the wizard's "
            '"Sync to Salesforce" section or in the config'
        )


class NotConfigured(WritebackError):
    def __init__(self) -> None:
        super().__init__(
            "no config is in force (Not Configured): save one with `sfsync config save FILE` "
            "or in the wizard"
        )
