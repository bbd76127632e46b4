"""Which org a sandbox server serves: reopen the persisted one, or build the one asked for.

``sfsync sandbox start`` passes ``--org demo`` (with ``--accounts``/``--seed``/
``--multi-currency``) or ``--org DIR`` and a ``--data-dir``. Restarting with the same options
serves the same org, including every write clients made; different options (another seed,
edited CSV files) build a fresh org in place::

    store = provision_org(Path("~/.sfsync/sandbox").expanduser(), "demo", accounts=200, seed=42)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipelines.sandbox.generator import demo_source, generate_demo_org
from pipelines.sandbox.orgdir import fingerprint, load_org_dir
from pipelines.sandbox.store import OrgStore


def wanted_source(org: str, *, accounts: int, seed: int, multi_currency: bool) -> dict[str, Any]:
    """How ``org.yaml`` describes the org these options ask for."""
    if org == "demo":
        return demo_source(accounts, seed, multi_currency)
    src = Path(org)
    if not src.is_dir():
        raise FileNotFoundError(f"--org must be 'demo' or a directory of <Object>.csv files: {org}")
    return {"kind": "directory", "path": str(src.resolve()), "fingerprint": fingerprint(src)}


def provision_org(
    data_dir: Path | str,
    org: str = "demo",
    *,
    accounts: int = 200,
    seed: int = 42,
    multi_currency: bool = False,
    rebuild: bool = False,
) -> OrgStore:
    """The org for these options, open: the persisted one when it matches, else newly built."""
    wanted = wanted_source(org, accounts=accounts, seed=seed, multi_currency=multi_currency)
    if not rebuild and OrgStore.exists(data_dir) and OrgStore.read_source(data_dir) == wanted:
        return OrgStore.open(data_dir)
    if org == "demo":
        return generate_demo_org(data_dir, accounts, seed, multi_currency)
    return load_org_dir(org, data_dir)
