"""The org's users as the login endpoints see them, read from the ``User`` table.

Every active user can log in with the sandbox password; the configured username (by default
``admin@sandbox.local``) is also the run-as user of the client-credentials grant. An org
without a ``User`` row for it (an org directory that ships no users) still has that admin,
synthesised here so that logging in always works.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pipelines.sandbox.ids import make_id
from pipelines.sandbox.schema import quote
from pipelines.sandbox.values import format_datetime
from pipelines.soql.naming import column_name, table_name

if TYPE_CHECKING:
    from pipelines.sandbox.store import OrgStore

_COLUMNS = {
    "id": "Id",
    "username": "Username",
    "name": "Name",
    "first_name": "FirstName",
    "last_name": "LastName",
    "email": "Email",
    "time_zone": "TimeZoneSidKey",
    "locale": "LocaleSidKey",
    "language": "LanguageLocaleKey",
    "is_active": "IsActive",
    "nickname": "CommunityNickname",
    "last_modified": "LastModifiedDate",
}


@dataclass(frozen=True)
class UserInfo:
    id: str
    username: str
    name: str
    first_name: str | None
    last_name: str
    email: str
    time_zone: str
    locale: str
    language: str
    is_active: bool
    nickname: str
    last_modified: str | None


class UserDirectory:
    """Look users up by username or id (case-insensitive usernames, 15- or 18-char ids)."""

    def __init__(self, store: OrgStore, admin_username: str) -> None:
        self.store = store
        self.admin_username = admin_username
        user = store.catalog.get("User")
        available = {f.name for f in user.iter_fields()} if user else set()
        self._select = [(key, api) for key, api in _COLUMNS.items() if api in available]
        self._table = quote(table_name("User")) if user else None

    def find(self, username: str) -> UserInfo | None:
        """The active user called ``username``."""
        found = self._query(f"lower({quote(column_name('Username'))}) = lower($1)", username)
        if found is None and username.lower() == self.admin_username.lower():
            return self._synthetic_admin()
        return found if found is None or found.is_active else None

    def get(self, user_id: str) -> UserInfo | None:
        found = self._query(f"left({quote(column_name('Id'))}, 15) = left($1, 15)", user_id)
        if found is None:
            admin = self._synthetic_admin()
            if admin is not None and admin.id[:15] == user_id[:15]:
                return admin
        return found

    def _query(self, condition: str, value: str) -> UserInfo | None:
        if self._table is None or not self._select:
            return None
        columns = ", ".join(quote(column_name(api)) for _, api in self._select)
        sql = f"SELECT {columns} FROM {self._table} WHERE {condition} LIMIT 1"
        with self.store.reading() as cur:
            found = cur.execute(sql, [value]).fetchall()
        row = found[0] if found else None
        if row is None:
            return None
        return _user(dict(zip([key for key, _ in self._select], row, strict=True)), self.store)

    def _synthetic_admin(self) -> UserInfo | None:
        if self._table is not None:
            # A real User table without the admin: only an org that has no users at all gets one.
            with self.store.reading() as cur:
                count = cur.execute(f"SELECT count(*) FROM {self._table}").fetchall()[0][0]
            if count:
                return None
        return _user(
            {
                "id": self.store.settings.admin_user_id or make_id("005", 1),
                "username": self.admin_username,
                "first_name": "Sandbox",
                "last_name": "Admin",
            },
            self.store,
        )


def _user(row: dict[str, Any], store: OrgStore) -> UserInfo:
    first = row.get("first_name")
    last = row.get("last_name") or row.get("username") or ""
    name = row.get("name") or " ".join(p for p in (first, last) if p)
    modified = row.get("last_modified")
    username = str(row.get("username") or "")
    return UserInfo(
        id=str(row["id"]),
        username=username,
        name=name,
        first_name=first,
        last_name=last,
        email=row.get("email") or username,
        time_zone=row.get("time_zone") or store.settings.time_zone,
        locale=row.get("locale") or "en_US",
        language=row.get("language") or "en_US",
        is_active=bool(row.get("is_active", True)),
        nickname=row.get("nickname") or username.split("@")[0],
        last_modified=format_datetime(modified) if isinstance(modified, datetime) else None,
    )
