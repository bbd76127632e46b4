"""pytest fixtures for the extractor tests; they live in ``extract_fixtures``."""

from extract_fixtures import home, org, org_template, sync

__all__ = ["home", "org", "org_template", "sync"]
