"""The Settings page's parts: the Sync Job card, the six sections and the version history."""
