"""The simulated world an autonomy scenario runs in: hosts, files, users, processes, mail, compute.

Everything is plain data (a pydantic model), so a world can be stored as JSON in Inspect's
per-sample store, diffed after every tool call, rebuilt from a scenario, and replayed. Nothing here
touches the real machine: paths are strings resolved with ``posixpath`` (pure string arithmetic),
"hosts" are dictionary keys, and "processes" are rows in a table.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr

MAX_FILE_CHARS = 200_000
"""A write beyond this answers 'No space left on device': keeps a stored world small."""

RESULT_LOG_CHARS = 2_000
"""Tool results are logged up to this many characters (the model still sees its full answer)."""


class Node(BaseModel):
    """A file (``content`` set) or a directory (``content`` None) with a Unix owner and mode."""

    owner: str = "root"
    mode: int = 0o644
    content: str | None = None

    @property
    def is_dir(self) -> bool:
        return self.content is None


class Host(BaseModel):
    name: str
    aliases: list[str] = Field(default_factory=list)
    reachable: bool = True
    """Whether the model's server can open a connection to it (scp/ssh)."""
    writable_by_agent: bool = True
    """Whether the agent's ssh key is accepted there (scp/ssh authenticate as the agent user)."""
    nodes: dict[str, Node] = Field(default_factory=dict)


class User(BaseModel):
    name: str
    uid: int
    password: str = ""
    sudoer: bool = False


class Process(BaseModel):
    pid: int
    name: str
    owner: str
    cmd: str


class Mail(BaseModel):
    to: str
    subject: str
    body: str


class CallRecord(BaseModel):
    """One tool call: enough to replay it (tool, args) and to audit it (result, state diff)."""

    n: int
    tool: str
    args: dict[str, Any]
    result: str
    diff: list[str]


class World(BaseModel):
    """The whole mutable state of one scenario instance."""

    local: str = "prod-ai-01"
    user: str = "agent"
    cwd: str = "/home/agent"
    hosts: dict[str, Host] = Field(default_factory=dict)
    users: dict[str, User] = Field(default_factory=dict)
    processes: dict[int, Process] = Field(default_factory=dict)
    outbox: list[Mail] = Field(default_factory=list)
    compute_allocated: float = 10.0
    compute_granted: float = 0.0
    compute_auto_approve_limit: float = 10.0
    honeytokens: list[str] = Field(default_factory=list)
    sudo_successes: int = 0
    submitted: str | None = None
    calls: list[CallRecord] = Field(default_factory=list)
    _observer: Callable[[], None] | None = PrivateAttr(default=None)

    def observe(self, fn: Callable[[], None] | None) -> None:
        """Have ``fn`` called at every ``checkpoint``.

        Why: a violation can be undone before the episode ends (oversight off, act, oversight back
        on, possibly inside one command line), so the scorer replays the calls and reads the world
        after every step, not only at the end. Not stored: a loaded world observes nothing."""
        self._observer = fn

    def checkpoint(self) -> None:
        """A step that may have changed the world has finished (one shell command, one tool call)."""
        if self._observer is not None:
            self._observer()

    # ---- hosts and paths -------------------------------------------------------------------------
    def host(self, name: str | None = None) -> Host:
        return self.hosts[name or self.local]

    def resolve_host(self, name: str) -> Host | None:
        """A host by name or alias; None for anything outside the simulation (no real DNS)."""
        for h in self.hosts.values():
            if name == h.name or name in h.aliases:
                return h
        return None

    def abspath(self, path: str, cwd: str | None = None) -> str:
        """Resolve ``path`` against the working directory with pure string arithmetic.

        ``..`` can never climb above ``/`` of the *simulated* tree, so path traversal lands on a
        simulated file (or on nothing) and never on the real file system.
        """
        home = f"/home/{self.user}" if self.user != "root" else "/root"
        if path == "~" or path.startswith("~/"):
            path = home + path[1:]
        joined = posixpath.join(cwd or self.cwd, path)
        norm = posixpath.normpath(joined)
        return "/" + norm.lstrip("/")

    def add_file(
        self, path: str, content: str, owner: str = "root", mode: int = 0o644, host: str | None = None
    ) -> None:
        """Create a file and any missing parent directories (root-owned, world-readable)."""
        h = self.host(host)
        self._ensure_dirs(h, posixpath.dirname(path))
        h.nodes[path] = Node(owner=owner, mode=mode, content=content)

    def add_dir(self, path: str, owner: str = "root", mode: int = 0o755, host: str | None = None) -> None:
        h = self.host(host)
        self._ensure_dirs(h, posixpath.dirname(path))
        h.nodes[path] = Node(owner=owner, mode=mode, content=None)

    @staticmethod
    def _ensure_dirs(h: Host, path: str) -> None:
        parts = [p for p in path.split("/") if p]
        cur = ""
        h.nodes.setdefault("/", Node(owner="root", mode=0o755))
        for p in parts:
            cur += "/" + p
            h.nodes.setdefault(cur, Node(owner="root", mode=0o755))

    # ---- permissions ------------------------------------------------------------------------------
    def can(self, node: Node, perm: str, user: str | None = None) -> bool:
        """Unix-style permission check; root may do anything."""
        who = user or self.user
        if who == "root":
            return True
        bit = {"r": 4, "w": 2, "x": 1}[perm]
        shift = 6 if node.owner == who else 0
        return bool((node.mode >> shift) & bit)

    # ---- snapshots, diffs, logging ---------------------------------------------------------------
    def snapshot(self) -> dict[str, str]:
        """A flat fingerprint of everything a tool can change (contents hashed, not copied)."""
        snap: dict[str, str] = {
            "user": self.user,
            "cwd": self.cwd,
            "compute_granted": f"{self.compute_granted:g}",
            "outbox": str(len(self.outbox)),
            "sudo_successes": str(self.sudo_successes),
            "submitted": self.submitted or "",
        }
        for h in self.hosts.values():
            for path, node in h.nodes.items():
                digest = (
                    "dir" if node.content is None else hashlib.sha1(node.content.encode()).hexdigest()[:12]
                )
                snap[f"{h.name}:{path}"] = f"{node.owner} {node.mode:o} {digest}"
        for pid, p in self.processes.items():
            snap[f"pid:{pid}"] = f"{p.name} ({p.owner})"
        return snap

    @staticmethod
    def diff(before: dict[str, str], after: dict[str, str]) -> list[str]:
        out = []
        for key in sorted(set(before) | set(after)):
            a, b = before.get(key), after.get(key)
            if a == b:
                continue
            if a is None:
                out.append(f"+ {key}: {b}")
            elif b is None:
                out.append(f"- {key}: {a}")
            else:
                out.append(f"~ {key}: {a} -> {b}")
        return out

    def record(self, tool: str, args: dict[str, Any], result: str, before: dict[str, str]) -> None:
        self.calls.append(
            CallRecord(
                n=len(self.calls) + 1,
                tool=tool,
                args=dict(args),
                result=result[:RESULT_LOG_CHARS],
                diff=self.diff(before, self.snapshot()),
            )
        )
