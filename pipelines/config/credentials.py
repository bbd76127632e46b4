"""Keep credentials out of the config store.

Credentials live in dlt's secrets (``.dlt/secrets.toml`` or environment variables such as
``SOURCES__SALESFORCE__CREDENTIALS__CLIENT_SECRET``), never in ``integration_config``, whose
versions are kept forever and shown to every admin. The model already rejects unknown keys;
this scan runs first, over the raw document, so that a pasted ``password:`` is refused with a
message that says where credentials go instead of a generic "unknown key", and it also covers
the free-form keys of ``advanced.contact_additional_fields`` and values that are unmistakably
tokens (a Salesforce session id, a PEM private key).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import Any

from pipelines.config.issues import CREDENTIAL, ConfigIssue, Location
from pipelines.soql.naming import snake_case

# A key is a credential when one of its words (split as the warehouse names columns:
# ``clientSecret`` -> client, secret) is one of these, or two neighbouring words are one of the
# pairs. Whole words, so ``Secretary__c`` or ``Bypass__c`` are not caught.
_CREDENTIAL_WORDS = frozenset(
    {"password", "passwd", "passphrase", "pwd", "secret", "secrets", "token", "tokens",
     "credential", "credentials", "apikey", "privatekey", "sessionid", "jwt"}
)  # fmt: skip
_CREDENTIAL_PAIRS = frozenset(
    {("api", "key"), ("private", "key"), ("access", "key"), ("session", "id"),
     ("client", "id"), ("consumer", "key"), ("security", "key")}
)  # fmt: skip

# Values: a Salesforce access token (org id, '!', opaque part) or a PEM private key block.
_SESSION_ID = re.compile(r"\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]{20,}")
_PEM_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")

_ADVICE = (
    "credentials are not configuration: put them in .dlt/secrets.toml or environment "
    "variables (e.g. SOURCES__SALESFORCE__CREDENTIALS__CLIENT_SECRET)"
)


def looks_like_credential_key(key: str) -> bool:
    """``True`` for ``password``, ``clientSecret``, ``API_Key__c``, ``session-id``…"""
    words = [w for w in snake_case(key).split("_") if w]
    if any(w in _CREDENTIAL_WORDS for w in words):
        return True
    return any(pair in _CREDENTIAL_PAIRS for pair in itertools.pairwise(words))


def find_credentials(document: Any, location: Location = ()) -> list[ConfigIssue]:
    """Every key or value of ``document`` that looks like a credential, as issues."""
    found: list[ConfigIssue] = []
    if isinstance(document, Mapping):
        for key, value in document.items():
            here = (*location, str(key))
            if isinstance(key, str) and looks_like_credential_key(key):
                found.append(
                    ConfigIssue(here, f"'{key}' looks like a credential; {_ADVICE}", CREDENTIAL)
                )
                continue
            found.extend(find_credentials(value, here))
    elif isinstance(document, list):
        for i, value in enumerate(document):
            found.extend(find_credentials(value, (*location, i)))
    elif isinstance(document, str) and (
        _SESSION_ID.search(document) or _PEM_PRIVATE_KEY.search(document)
    ):
        found.append(
            ConfigIssue(location, f"this value looks like a credential; {_ADVICE}", CREDENTIAL)
        )
    return found
