"""The pg-redis backend's stores: one bench database and one Redis key
prefix per harness PID, created before the server starts and always
removed afterwards (also on failure and Ctrl-C, from the clean-up)."""

import os

from . import config, procs
from .log import BenchError, log
from .redis_client import Redis, RedisError


def database_name() -> str:
    return f"oxidp_bench_{os.getpid()}"


def redis_prefix() -> str:
    """Keys are "{prefix}{kind}:{id}" (prefix used verbatim): the trailing
    colon keeps the clean-up pattern from matching another PID's keys."""
    return f"oxidp-bench-{os.getpid()}:"


def psql_admin(sql: str) -> None:
    cmd = ["psql", "-h", config.PG_HOST, "-p", config.PG_PORT, "-U", config.PG_USER, "-d", "postgres",
           "-v", "ON_ERROR_STOP=1", "-qAtc", sql]
    env = {**os.environ, "PGOPTIONS": "-c client_min_messages=warning"}
    result = procs.output(cmd, limit=60, env=env)
    if result.returncode != 0:
        raise BenchError(f"psql failed ({sql}): {result.stderr.strip()}")


def create_database(name: str) -> None:
    psql_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    try:
        psql_admin(f"CREATE DATABASE {name}")
    except BenchError as e:
        raise BenchError(f"cannot create database {name} on {config.PG_HOST}:{config.PG_PORT}: {e}") from None


def drop_database(name: str) -> None:
    try:
        psql_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    except BenchError as e:
        log(f"could not drop database {name}: {e}")


def check_redis() -> None:
    try:
        with Redis() as r:
            r.call("PING")
    except (OSError, RedisError) as e:
        raise BenchError(f"Redis at {config.REDIS_HOST}:{config.REDIS_PORT} does not answer: {e}") from None


def redis_calls() -> int:
    """Commands Redis has served so far, without the INFO calls that read this."""
    try:
        with Redis() as r:
            return r.commands_served()
    except (OSError, RedisError) as e:
        raise BenchError(f"INFO commandstats failed: {e}") from None


def delete_keys(prefix: str) -> None:
    try:
        with Redis() as r:
            r.delete_prefix(prefix)
    except (OSError, RedisError) as e:
        log(f"could not delete Redis keys {prefix}*: {e}")


class Stores:
    """What exists right now, so clean-up removes exactly that (idempotent)."""

    def __init__(self):
        self.pg_db: str | None = None
        self.redis_prefix: str | None = None

    def create(self) -> tuple[str, str]:
        self.pg_db = database_name()
        create_database(self.pg_db)
        # The server may write keys from its first start on.
        self.redis_prefix = redis_prefix()
        check_redis()
        return self.pg_db, self.redis_prefix

    def clean(self) -> None:
        if self.pg_db:
            drop_database(self.pg_db)
            self.pg_db = None
        if self.redis_prefix:
            delete_keys(self.redis_prefix)
            self.redis_prefix = None
