"""A minimal Redis client (RESP2 over one socket): PING, INFO, SCAN and
UNLINK are all the harness needs, and a direct connection sends nothing but
those commands, so the commandstats delta counts only the server's work."""

import socket

from . import config


class RedisError(Exception):
    pass


def encode(*args) -> bytes:
    parts = [f"*{len(args)}\r\n".encode()]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def read_reply(f):
    """One reply from a binary file object; bulk strings come back as str."""
    line = f.readline()
    if not line.endswith(b"\r\n"):
        raise RedisError("connection closed by Redis")
    kind, body = line[:1], line[1:-2].decode()
    if kind == b"+":
        return body
    if kind == b"-":
        raise RedisError(body)
    if kind == b":":
        return int(body)
    if kind == b"$":
        if int(body) < 0:
            return None
        data = f.read(int(body) + 2)
        return data[:-2].decode(errors="replace")
    if kind == b"*":
        return None if int(body) < 0 else [read_reply(f) for _ in range(int(body))]
    raise RedisError(f"unexpected reply {line!r}")


def parse_commandstats(text: str) -> int:
    """Calls of every command in `INFO commandstats`, except INFO itself
    (the reads of this counter)."""
    total = 0
    for line in text.splitlines():
        name, sep, stats = line.strip().partition(":")
        if not sep or not name.startswith("cmdstat_") or name == "cmdstat_info":
            continue
        for pair in stats.split(","):
            key, _, value = pair.partition("=")
            if key == "calls":
                total += int(value)
    return total


class Redis:
    def __init__(self, host: str = config.REDIS_HOST, port: int = config.REDIS_PORT, timeout: float = 30):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.f = self.sock.makefile("rb")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()
        self.sock.close()

    def call(self, *args):
        self.sock.sendall(encode(*args))
        return read_reply(self.f)

    def commands_served(self) -> int:
        return parse_commandstats(self.call("INFO", "commandstats"))

    def delete_prefix(self, prefix: str) -> int:
        """UNLINKs every key starting with prefix; returns how many."""
        cursor, deleted = "0", 0
        while True:
            cursor, keys = self.call("SCAN", cursor, "MATCH", prefix + "*", "COUNT", 1000)
            if keys:
                deleted += self.call("UNLINK", *keys)
            if cursor == "0":
                return deleted
