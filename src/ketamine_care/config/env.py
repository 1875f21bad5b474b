"""Environment helpers for settings: strict booleans, integers and secrets (with NAME_FILE)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


class Secret(str):
    """A string whose repr never shows its value (for settings dumps and tracebacks)."""

    def __repr__(self) -> str:
        return "Secret('********')"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value in ("True", "true", "1"):
        return True
    if value in ("False", "false", "0"):
        return False
    raise ImproperlyConfigured(f"{name} must be True or False, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [part.strip() for part in value.split(",") if part.strip()]


def env_secret(name: str) -> Secret | None:
    """Read NAME, or the contents of the file named by NAME_FILE (Docker/Kubernetes secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Secret(Path(file_name).read_text().strip())
    value = os.environ.get(name)
    return Secret(value) if value else None


def env_secrets(name: str) -> list[Secret]:
    """Several secrets from NAME or NAME_FILE, separated by commas or line breaks (key rotation)."""
    raw = env_secret(name)
    if not raw:
        return []
    return [Secret(part.strip()) for part in raw.replace("\n", ",").split(",") if part.strip()]


_DATABASE_SCHEMES = ("sqlite", "postgres", "postgresql", "pgsql")


def database_from_url(url: str, *, base_dir: Path) -> dict:
    """Translate DATABASE_URL (sqlite:///path or postgres://user:pw@host:port/name) to Django,
    parsed by dj-database-url. A relative SQLite path is taken from `base_dir`; SQLite gets
    WAL and IMMEDIATE transactions (`sqlite_database`); PostgreSQL keeps connections for 60 s
    with health checks, and its query string becomes OPTIONS (`?sslmode=require`)."""
    scheme = urlparse(url).scheme
    if scheme not in _DATABASE_SCHEMES:
        raise ImproperlyConfigured(f"DATABASE_URL scheme {scheme!r} is not supported")
    if scheme == "sqlite":
        name = dj_database_url.parse(url)["NAME"]
        if name == ":memory:":
            return sqlite_database(":memory:")
        path = Path(name)
        return sqlite_database(path if path.is_absolute() else base_dir / path)
    config = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    config["PORT"] = str(config["PORT"])
    config.setdefault("OPTIONS", {})
    return config


def with_postgres_settings(config: dict, **session: int | str) -> dict:
    """Add run-time parameters (`SET name = value` for every connection) to a PostgreSQL
    DATABASES entry, after any `options` its URL already gave; other backends unchanged."""
    if not config["ENGINE"].endswith("postgresql") or not session:
        return config
    flags = " ".join(f"-c {name}={value}" for name, value in session.items())
    earlier = config["OPTIONS"].get("options", "")
    config["OPTIONS"]["options"] = f"{earlier} {flags}".strip()
    return config


def with_prepared_statements(config: dict, enabled: bool) -> dict:
    """Let a PostgreSQL connection prepare statements (psycopg's `prepare_threshold`, which
    Django leaves off so that connection poolers keep working). Only the cursor of
    `core.compiled.statement_cursor` prepares: Django's own cursors quote values into the
    text, which cannot be prepared, so every other statement is sent as before."""
    if enabled and config["ENGINE"].endswith("postgresql"):
        config["OPTIONS"].setdefault("prepare_threshold", 5)
    return config


DEFAULT_CACHE_TABLE = "kc_cache"


def cache_from_url(url: str) -> dict:
    """Translate CACHE_URL to Django's CACHES["default"].

    `db://` (the default; `db://table` names the table) keeps throttle counters in the
    database, shared by every worker with nothing more to run. `redis://...` and
    `memcached://host:port` use a shared cache server. `locmem://` is per process: each
    gunicorn worker would count on its own, so use it only for a single-process server."""
    parsed = urlparse(url)
    if parsed.scheme == "db":
        table = (parsed.netloc + parsed.path).strip("/") or DEFAULT_CACHE_TABLE
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": table,
            # Django's default of 300 entries would let a scanner spraying addresses cull
            # (evict) other clients' throttle counters.
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    if parsed.scheme in ("redis", "rediss"):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if parsed.scheme in ("memcached", "pymemcache"):
        return {
            "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
            "LOCATION": parsed.netloc,
        }
    if parsed.scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    raise ImproperlyConfigured(f"CACHE_URL scheme {parsed.scheme!r} is not supported")


def sqlite_database(name: Path | str) -> dict:
    if str(name) != ":memory:":
        Path(name).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets readers proceed while one writer commits; IMMEDIATE takes the write lock at
    # BEGIN so two writers queue on busy_timeout instead of failing mid-transaction.
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(name),
        "OPTIONS": {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;"
            ),
            "transaction_mode": "IMMEDIATE",
        },
    }


def email_from_url(url: str) -> dict:
    """EMAIL_URL (dj-email-url) as Django's EMAIL_* settings; an unknown scheme is refused."""
    import dj_email_url

    parsed = dj_email_url.parse(url)
    if "EMAIL_BACKEND" not in parsed:
        scheme = url.split(":", 1)[0]
        raise ImproperlyConfigured(
            f"EMAIL_URL: unknown scheme {scheme!r} (smtp, smtps, submission, console, file, "
            "memory or dummy)"
        )
    return {key: value for key, value in parsed.items() if value not in (None, "")}
