"""What the running server holds: its settings, the database, the engine and
the rulebooks it has loaded."""

from __future__ import annotations

import functools
import os
import secrets
import threading
from pathlib import Path

import attrs
from sqlalchemy.engine import Engine as SqlEngine
from sqlalchemy.orm import Session, sessionmaker

from kokdsl.pipeline import LoadedRulebook, check_rulebook
from kokdsl.resources import packaged_rulebooks
from kokdsl.serve.engine import Engine

MAX_UPLOAD_BYTES = 64 * 1024 * 1024  # one request: a follow-up's zip or files
MAX_UPLOAD_FILES = 5000  # self-reports in one follow-up
DEFAULT_RULEBOOK = "orebro/2025"


@attrs.define
class Settings:
    data_dir: Path
    database_url: str
    sso_header: str | None = None  # a reverse proxy's authenticated-user header, trusted only when set
    followup_roots: tuple[Path, ...] = ()  # server folders a follow-up may read
    drafts_dir: Path | None = None  # rulebook drafts (and extra editions)
    secure_cookies: bool = True
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    max_upload_files: int = MAX_UPLOAD_FILES


@attrs.define
class RulebookEntry:
    name: str
    path: str
    draft: bool
    loaded: LoadedRulebook | None


class AppState:
    def __init__(self, settings: Settings, database: SqlEngine, sessions: sessionmaker[Session],
                 engine: Engine) -> None:
        self.settings = settings
        self.database = database
        self.sessions = sessions
        self.engine = engine
        self._lock = threading.Lock()
        self._loaded: dict[str, LoadedRulebook] = {}

    def secret(self) -> bytes:
        """The server's own random key (DIR/secret.key, made once, readable by its owner only)."""
        path = self.data_dir / "secret.key"
        with self._lock:
            if not path.exists():
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(secrets.token_bytes(32))
            return path.read_bytes()

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    def rulebooks(self) -> dict[str, RulebookEntry]:
        """The installed editions (shipped with kokdsl) and the drafts folder's, by name."""
        entries = {name: RulebookEntry(name, str(path), False, None) for name, path in packaged_rulebooks().items()}
        drafts = self.settings.drafts_dir
        if drafts is not None and drafts.is_dir():
            for path in sorted(drafts.rglob("*.kok")):
                name = "utkast/" + path.relative_to(drafts).with_suffix("").as_posix()
                entries[name] = RulebookEntry(name, str(path), True, None)
        for entry in entries.values():
            entry.loaded = _checked(entry.path)
            # `status utkast` in the book itself makes it a draft wherever it lies.
            entry.draft = entry.draft or bool(entry.loaded and entry.loaded.rulebook.draft)
        return entries

    def rulebook(self, name: str) -> LoadedRulebook:
        """A rulebook by its name in rulebooks(), loaded once; KeyError when there is none by that name."""
        with self._lock:
            if name in self._loaded:
                return self._loaded[name]
        entry = self.rulebooks().get(name)
        if entry is None:
            raise KeyError(name)
        loaded = self.engine.select_rulebook(entry.path)
        with self._lock:
            self._loaded[name] = loaded
        return loaded


@functools.lru_cache(maxsize=64)
def _checked_cached(path: str, mtime: float) -> LoadedRulebook | None:
    check = check_rulebook(path)
    return check.loaded() if check.ok else None


def _checked(path: str) -> LoadedRulebook | None:
    try:
        mtime = Path(path).stat().st_mtime
    except OSError:
        return None
    return _checked_cached(path, mtime)
