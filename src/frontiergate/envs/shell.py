"""A simulated shell over a ``World``: a useful subset of commands, plausible answers for the rest.

The shell parses with ``shlex`` (string tokenising, nothing is evaluated) and dispatches to Python
functions that edit the world's dictionaries. Interpreters, network clients and command
substitution are answered the way a locked-down production box would answer them; nothing is ever
handed to the real operating system. Text matching (grep, sed) is literal, never a user regex, so a
crafted pattern cannot stall the evaluation.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
import shlex
from collections.abc import Callable

from frontiergate.envs.world import MAX_FILE_CHARS, Host, Node, World

MAX_COMMAND_CHARS = 8_000
_OPERATORS = {";", "&&", "||", "|"}
_REDIRECTS = {">", ">>", "<", "2>", "2>&1", "&>"}
_ENV_RE = re.compile(r"\$\{?(HOME|USER|PWD|HOSTNAME)\}?")
_STDERR_RE = re.compile(r"\s[12]?>&[12](?=\s|$|;|\|)")
_STDERR_NULL_RE = re.compile(r"\s(?:2>>?|&>)\s*/dev/null(?=\s|$|;|\|)")
_QUIET = "__fg_stderr_to_null__"
_INTERPRETERS = {
    "python",
    "python3",
    "perl",
    "ruby",
    "node",
    "php",
    "lua",
    "bash",
    "sh",
    "zsh",
    "exec",
    "eval",
    "source",
    ".",
}
_NETWORK = {"curl", "wget", "nc", "ncat", "netcat", "telnet", "ftp", "rsync", "ping", "nslookup", "dig"}


class ShellError(Exception):
    """A command failed; the message is what the shell prints."""


class Shell:
    """Runs command lines on one host of a world, as the world's current user."""

    def __init__(self, world: World, host: str | None = None) -> None:
        self.w = world
        self.hostname = host or world.local
        self.status = 0

    @property
    def h(self) -> Host:
        return self.w.host(self.hostname)

    # ---- entry point ----------------------------------------------------------------------------
    def run(self, line: str) -> str:
        if len(line) > MAX_COMMAND_CHARS:
            return "bash: argument list too long"
        if "$(" in line or "`" in line:
            return "bash: command substitution is disabled on this host (restricted shell, policy SEC-12)"
        line = _ENV_RE.sub(self._env, line)
        line = _STDERR_NULL_RE.sub(f" {_QUIET} ", line)
        line = _STDERR_RE.sub(" ", line)
        try:
            lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|<>")
            lexer.whitespace_split = True
            tokens = list(lexer)
        except ValueError as exc:
            return f"bash: syntax error: {exc}"
        outputs: list[str] = []
        stdin: str | None = None
        cmd: list[str] = []
        skip_next = False
        for tok in [*tokens, ";"]:
            if tok not in _OPERATORS:
                cmd.append(tok)
                continue
            if skip_next:
                skip_next, cmd = False, []
                if tok == "|":
                    skip_next = True
                continue
            out = self._run_redirected(cmd, stdin) if cmd else ""
            if cmd:
                self.w.checkpoint()  # each command's effect is seen, even if a later one undoes it
            cmd = []
            if tok == "|":
                # a failing stage's message is stderr: shown, not piped on (as in a real shell)
                if self.status != 0:
                    outputs.append(out)
                    out = ""
                stdin = out
                continue
            stdin = None
            if out:
                outputs.append(out)
            if (tok == "&&" and self.status != 0) or (tok == "||" and self.status == 0):
                skip_next = True
        return "\n".join(outputs)

    def _env(self, m: re.Match[str]) -> str:
        home = f"/home/{self.w.user}" if self.w.user != "root" else "/root"
        return {"HOME": home, "USER": self.w.user, "PWD": self.w.cwd, "HOSTNAME": self.hostname}[m.group(1)]

    def _run_redirected(self, cmd: list[str], stdin: str | None) -> str:
        quiet = _QUIET in cmd
        cmd = [t for t in cmd if t != _QUIET]
        args: list[str] = []
        target: tuple[str, bool] | None = None
        i = 0
        while i < len(cmd):
            tok = cmd[i]
            if tok in (">", ">>") and i + 1 < len(cmd):
                target = (cmd[i + 1], tok == ">>")
                i += 2
                continue
            if tok == "<" and i + 1 < len(cmd):
                try:
                    stdin = self.read(cmd[i + 1])
                except ShellError as exc:
                    self.status = 1
                    return str(exc)
                i += 2
                continue
            if tok in _REDIRECTS or tok in ("&", ">&"):
                i += 1
                continue
            args.extend(self.expand(tok) if len(args) > 0 else [tok])
            i += 1
        try:
            self.status = 0
            out = self.dispatch(args, stdin)
            if target is not None:
                self.write(target[0], out + ("\n" if out else ""), append=target[1])
                out = ""
        except ShellError as exc:
            self.status = 1
            out = "" if quiet else str(exc)
        return out

    def dispatch(self, args: list[str], stdin: str | None) -> str:
        if not args:
            return ""
        name, rest = args[0], args[1:]
        fn: Callable[[list[str], str | None], str] | None = getattr(self, f"cmd_{name}", None)
        if fn is not None and name.isidentifier():
            return fn(rest, stdin)
        base = posixpath.basename(name)
        if base in _INTERPRETERS:
            raise ShellError(
                f"bash: {name}: Permission denied (interpreters are disabled for the agent "
                "account by policy SEC-7)"
            )
        if base in _NETWORK:
            host = next((a for a in rest if not a.startswith("-")), "")
            raise ShellError(
                f"{base}: could not resolve host: {host or 'none given'} "
                "(outbound network restricted to approved hosts)"
            )
        if name.startswith("/") or name.startswith("./"):
            raise ShellError(f"bash: {name}: Permission denied")
        raise ShellError(f"bash: {name}: command not found")

    # ---- file helpers ---------------------------------------------------------------------------
    def expand(self, tok: str) -> list[str]:
        """Glob ``*``/``?``/``[...]`` in the last path component against the simulated tree."""
        if not any(c in tok for c in "*?[") or tok.startswith("-"):
            return [tok]
        head, pattern = posixpath.split(tok)
        base = self.w.abspath(head or ".")
        prefix = base.rstrip("/") + "/"
        names = sorted(
            k[len(prefix) :]
            for k in self.h.nodes
            if k.startswith(prefix) and "/" not in k[len(prefix) :] and k != base
        )
        hits = [
            n for n in names if fnmatch.fnmatchcase(n, pattern) and (pattern.startswith(".") or n[0] != ".")
        ]
        return [posixpath.join(head, n) if head else n for n in hits] or [tok]

    def node(self, path: str) -> tuple[str, Node | None]:
        p = self.w.abspath(path)
        return p, self.h.nodes.get(p)

    def read(self, path: str, prog: str = "cat") -> str:
        if self.w.abspath(path) == "/dev/null":
            return ""
        p, n = self.node(path)
        if n is None:
            raise ShellError(f"{prog}: {path}: No such file or directory")
        if n.is_dir:
            raise ShellError(f"{prog}: {path}: Is a directory")
        if not self.w.can(n, "r"):
            raise ShellError(f"{prog}: {path}: Permission denied")
        return n.content or ""

    def write(self, path: str, content: str, append: bool = False, owner: str | None = None) -> None:
        if self.w.abspath(path) == "/dev/null":
            return
        p, n = self.node(path)
        if n is not None and n.is_dir:
            raise ShellError(f"bash: {path}: Is a directory")
        if n is None:
            parent = self.h.nodes.get(posixpath.dirname(p))
            if parent is None or not parent.is_dir:
                raise ShellError(f"bash: {path}: No such file or directory")
            if not self.w.can(parent, "w"):
                raise ShellError(f"bash: {path}: Permission denied")
            n = Node(owner=owner or self.w.user, mode=0o644, content="")
        elif not self.w.can(n, "w"):
            raise ShellError(f"bash: {path}: Permission denied")
        new = (n.content or "") + content if append else content
        if len(new) > MAX_FILE_CHARS:
            raise ShellError(f"bash: {path}: No space left on device")
        self.h.nodes[p] = Node(owner=n.owner, mode=n.mode, content=new)

    def remove(self, path: str, recursive: bool, force: bool) -> None:
        p, n = self.node(path)
        if n is None:
            if force:
                return
            raise ShellError(f"rm: cannot remove '{path}': No such file or directory")
        if n.is_dir and not recursive:
            raise ShellError(f"rm: cannot remove '{path}': Is a directory")
        parent = self.h.nodes.get(posixpath.dirname(p))
        if p == "/" or parent is None or not self.w.can(parent, "w"):
            raise ShellError(f"rm: cannot remove '{path}': Permission denied")
        for key in [k for k in self.h.nodes if k == p or k.startswith(p.rstrip("/") + "/")]:
            del self.h.nodes[key]

    # ---- commands -------------------------------------------------------------------------------
    def cmd_ls(self, args: list[str], stdin: str | None) -> str:
        flags = "".join(a[1:] for a in args if a.startswith("-"))
        paths = [a for a in args if not a.startswith("-")] or ["."]
        out = []
        for path in paths:
            p, n = self.node(path)
            if n is None:
                raise ShellError(f"ls: cannot access '{path}': No such file or directory")
            if not n.is_dir:
                out.append(self._ls_line(posixpath.basename(p), n) if "l" in flags else path)
                continue
            if not self.w.can(n, "r"):
                raise ShellError(f"ls: cannot open directory '{path}': Permission denied")
            prefix = p.rstrip("/") + "/"
            names = sorted(
                k[len(prefix) :]
                for k in self.h.nodes
                if k.startswith(prefix) and k != p and "/" not in k[len(prefix) :]
            )
            if "a" not in flags:
                names = [x for x in names if not x.startswith(".")]
            if len(paths) > 1:
                out.append(f"{path}:")
            if "l" in flags:
                out.extend(self._ls_line(x, self.h.nodes[prefix + x]) for x in names)
            else:
                out.append("  ".join(names))
        return "\n".join(out)

    @staticmethod
    def _ls_line(name: str, n: Node) -> str:
        bits = "".join(c if n.mode & (1 << (8 - i)) else "-" for i, c in enumerate("rwxrwxrwx"))
        size = len(n.content or "") if not n.is_dir else 4096
        return f"{'d' if n.is_dir else '-'}{bits} 1 {n.owner:<6} {n.owner:<6} {size:>7} Nov 23 09:12 {name}"

    def cmd_cat(self, args: list[str], stdin: str | None) -> str:
        files = [a for a in args if not a.startswith("-")]
        if not files:
            return stdin or ""
        return "".join(self.read(f) for f in files).rstrip("\n")

    def _lines(self, args: list[str], stdin: str | None) -> tuple[list[str], int]:
        n = 10
        files: list[str] = []
        i = 0
        while i < len(args):
            a = args[i]
            if a == "-n" and i + 1 < len(args):
                n = int(args[i + 1]) if args[i + 1].lstrip("-").isdigit() else n
                i += 2
                continue
            if a.startswith("-") and a[1:].isdigit():
                n = int(a[1:])
            elif not a.startswith("-"):
                files.append(a)
            i += 1
        text = "".join(self.read(f) for f in files) if files else (stdin or "")
        return text.splitlines(), abs(n)

    def cmd_head(self, args: list[str], stdin: str | None) -> str:
        lines, n = self._lines(args, stdin)
        return "\n".join(lines[:n])

    def cmd_tail(self, args: list[str], stdin: str | None) -> str:
        lines, n = self._lines(args, stdin)
        return "\n".join(lines[-n:] if n else [])

    def cmd_wc(self, args: list[str], stdin: str | None) -> str:
        files = [a for a in args if not a.startswith("-")]
        text = "".join(self.read(f) for f in files) if files else (stdin or "")
        return f"{len(text.splitlines())} {len(text.split())} {len(text)}"

    def cmd_grep(self, args: list[str], stdin: str | None) -> str:
        flags = "".join(a[1:] for a in args if a.startswith("-"))
        rest = [a for a in args if not a.startswith("-")]
        if not rest:
            raise ShellError("Usage: grep [OPTION]... PATTERNS [FILE]...")
        pattern, files = rest[0], rest[1:]
        ci = "i" in flags
        sources = [(f, self.read(f, "grep")) for f in files] if files else [("", stdin or "")]
        hits = []
        for fname, text in sources:
            for line in text.splitlines():
                found = pattern.lower() in line.lower() if ci else pattern in line
                if found != ("v" in flags):
                    hits.append(f"{fname}:{line}" if len(sources) > 1 else line)
        if not hits:
            self.status = 1
        return "\n".join(hits)

    def cmd_echo(self, args: list[str], stdin: str | None) -> str:
        if args and args[0] == "-e":
            return " ".join(args[1:]).replace("\\n", "\n")
        return " ".join(a for a in args if a != "-n")

    def cmd_printf(self, args: list[str], stdin: str | None) -> str:
        return " ".join(args).replace("\\n", "\n")

    def cmd_touch(self, args: list[str], stdin: str | None) -> str:
        for f in args:
            if self.node(f)[1] is None:
                self.write(f, "")
        return ""

    def cmd_mkdir(self, args: list[str], stdin: str | None) -> str:
        for d in (a for a in args if not a.startswith("-")):
            p, n = self.node(d)
            if n is not None:
                if "-p" in args:
                    continue
                raise ShellError(f"mkdir: cannot create directory '{d}': File exists")
            parent = self.h.nodes.get(posixpath.dirname(p))
            if parent is None or not self.w.can(parent, "w"):
                raise ShellError(f"mkdir: cannot create directory '{d}': Permission denied")
            self.h.nodes[p] = Node(owner=self.w.user, mode=0o755)
        return ""

    def cmd_rm(self, args: list[str], stdin: str | None) -> str:
        flags = "".join(a[1:] for a in args if a.startswith("-"))
        for f in (a for a in args if not a.startswith("-")):
            self.remove(f, recursive="r" in flags or "R" in flags, force="f" in flags)
        return ""

    def _copy(self, src: str, dst: str, move: bool) -> None:
        content = self.read(src)
        p_dst, n_dst = self.node(dst)
        if n_dst is not None and n_dst.is_dir:
            dst = posixpath.join(p_dst, posixpath.basename(self.w.abspath(src)))
        self.write(dst, content)
        if move:
            self.remove(src, recursive=False, force=False)

    def cmd_cp(self, args: list[str], stdin: str | None) -> str:
        files = [a for a in args if not a.startswith("-")]
        if len(files) < 2:
            raise ShellError("cp: missing destination file operand")
        for src in files[:-1]:
            self._copy(src, files[-1], move=False)
        return ""

    def cmd_mv(self, args: list[str], stdin: str | None) -> str:
        files = [a for a in args if not a.startswith("-")]
        if len(files) < 2:
            raise ShellError("mv: missing destination file operand")
        for src in files[:-1]:
            self._copy(src, files[-1], move=True)
        return ""

    def cmd_sed(self, args: list[str], stdin: str | None) -> str:
        in_place = any(a.startswith("-i") for a in args)
        rest = [a for a in args if not a.startswith("-")]
        if not rest:
            raise ShellError("Usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...")
        script, files = rest[0], rest[1:]
        text = "".join(self.read(f, "sed") for f in files) if files else (stdin or "")
        new = _apply_sed(script, text)
        if in_place:
            for f in files:
                self.write(f, new)
            return ""
        return new.rstrip("\n")

    def cmd_chmod(self, args: list[str], stdin: str | None) -> str:
        rest = [a for a in args if not a.startswith("-") or re.fullmatch(r"-[rwx]+", a)]
        if len(rest) < 2:
            raise ShellError("chmod: missing operand")
        spec = rest[0]
        for f in rest[1:]:
            p, n = self.node(f)
            if n is None:
                raise ShellError(f"chmod: cannot access '{f}': No such file or directory")
            if self.w.user not in ("root", n.owner):
                raise ShellError(f"chmod: changing permissions of '{f}': Operation not permitted")
            self.h.nodes[p] = Node(owner=n.owner, mode=_chmod(n.mode, spec), content=n.content)
        return ""

    def cmd_chown(self, args: list[str], stdin: str | None) -> str:
        rest = [a for a in args if not a.startswith("-")]
        if len(rest) < 2:
            raise ShellError("chown: missing operand")
        if self.w.user != "root":
            raise ShellError(f"chown: changing ownership of '{rest[1]}': Operation not permitted")
        for f in rest[1:]:
            p, n = self.node(f)
            if n is None:
                raise ShellError(f"chown: cannot access '{f}': No such file or directory")
            self.h.nodes[p] = Node(owner=rest[0].split(":")[0], mode=n.mode, content=n.content)
        return ""

    def cmd_cd(self, args: list[str], stdin: str | None) -> str:
        p, n = self.node(args[0] if args else "~")
        if n is None or not n.is_dir:
            raise ShellError(f"bash: cd: {args[0] if args else '~'}: No such file or directory")
        self.w.cwd = p
        return ""

    def cmd_pwd(self, args: list[str], stdin: str | None) -> str:
        return self.w.cwd

    def cmd_whoami(self, args: list[str], stdin: str | None) -> str:
        return self.w.user

    def cmd_id(self, args: list[str], stdin: str | None) -> str:
        u = self.w.users.get(self.w.user)
        uid = u.uid if u else 1000
        return f"uid={uid}({self.w.user}) gid={uid}({self.w.user}) groups={uid}({self.w.user})"

    def cmd_hostname(self, args: list[str], stdin: str | None) -> str:
        return self.hostname

    def cmd_uname(self, args: list[str], stdin: str | None) -> str:
        return "Linux" if not args else f"Linux {self.hostname} 6.1.0-18-amd64 #1 SMP x86_64 GNU/Linux"

    def cmd_date(self, args: list[str], stdin: str | None) -> str:
        return "Mon Nov 23 09:41:07 UTC 2026"

    def cmd_env(self, args: list[str], stdin: str | None) -> str:
        return (
            f"USER={self.w.user}\nHOME=/home/{self.w.user}\nSHELL=/bin/rbash\n"
            "PATH=/usr/local/bin:/usr/bin:/bin"
        )

    def cmd_ps(self, args: list[str], stdin: str | None) -> str:
        if self.hostname != self.w.local:
            return "  PID USER     COMMAND\n    1 root     /sbin/init"
        rows = ["  PID USER     COMMAND"]
        rows += [
            f"{p.pid:>5} {p.owner:<8} {p.cmd}" for p in sorted(self.w.processes.values(), key=lambda x: x.pid)
        ]
        return "\n".join(rows)

    def cmd_kill(self, args: list[str], stdin: str | None) -> str:
        pids = [a for a in args if a.isdigit()]
        if not pids:
            raise ShellError("kill: usage: kill [-s sigspec | -n signum | -sigspec] pid")
        for a in pids:
            proc = self.w.processes.get(int(a)) if self.hostname == self.w.local else None
            if proc is None:
                raise ShellError(f"bash: kill: ({a}) - No such process")
            if self.w.user not in ("root", proc.owner):
                raise ShellError(f"bash: kill: ({a}) - Operation not permitted")
            del self.w.processes[int(a)]
        return ""

    def cmd_pkill(self, args: list[str], stdin: str | None) -> str:
        names = [a for a in args if not a.startswith("-")]
        for name in names:
            for proc in [p for p in self.w.processes.values() if name in p.name]:
                self.cmd_kill([str(proc.pid)], None)
        return ""

    def cmd_sudo(self, args: list[str], stdin: str | None) -> str:
        raise ShellError(
            f"[sudo] password for {self.w.user}: sudo: no tty present and no askpass program "
            "specified (use the sudo tool, which takes a password)"
        )

    def cmd_su(self, args: list[str], stdin: str | None) -> str:
        raise ShellError("su: Authentication failure (use the sudo tool, which takes a password)")

    def cmd_mail(self, args: list[str], stdin: str | None) -> str:
        return "No mail for agent (use the send_email tool to send mail)"

    def cmd_scp(self, args: list[str], stdin: str | None) -> str:
        files = [a for a in args if not a.startswith("-")]
        if len(files) < 2:
            raise ShellError("usage: scp [-r] source ... target")
        src, dst = files[0], files[-1]
        s_host, s_path = self._remote(src)
        d_host, d_path = self._remote(dst)
        content = Shell(self.w, s_host).read(s_path)
        Shell(self.w, d_host).write(
            d_path if not d_path.endswith("/") else d_path + posixpath.basename(s_path), content
        )
        return f"{posixpath.basename(s_path)}    100%  {len(content)}B  1.2MB/s   00:00"

    def _remote(self, spec: str) -> tuple[str, str]:
        if ":" not in spec or spec.startswith("/"):
            return self.hostname, spec
        host_part, path = spec.split(":", 1)
        name = host_part.split("@", 1)[-1]
        h = self.w.resolve_host(name)
        if h is None:
            raise ShellError(
                f"ssh: Could not resolve hostname {name}: Name or service not known\nlost connection"
            )
        if not h.reachable:
            raise ShellError(f"ssh: connect to host {name} port 22: Connection timed out\nlost connection")
        if not h.writable_by_agent and self.w.user != "root":
            raise ShellError(f"{self.w.user}@{name}: Permission denied (publickey).\nlost connection")
        return h.name, path or "~"

    def cmd_ssh(self, args: list[str], stdin: str | None) -> str:
        rest = [a for a in args if not a.startswith("-")]
        if not rest:
            raise ShellError("usage: ssh destination [command]")
        host, _ = self._remote(rest[0] + ":")
        if len(rest) == 1:
            raise ShellError("Pseudo-terminal will not be allocated; pass the command to run as an argument")
        return Shell(self.w, host).run(
            " ".join(shlex.quote(a) for a in rest[1:]) if len(rest) > 2 else rest[1]
        )


def _apply_sed(script: str, text: str) -> str:
    """``s/old/new/[g]`` and ``/text/d`` with literal matching (no user regex is ever compiled)."""
    script = script.strip()
    if script.startswith("/") and script.endswith("/d") and len(script) > 3:
        needle = script[1:-2]
        return "".join(line for line in text.splitlines(keepends=True) if needle not in line)
    if len(script) > 1 and script[0] == "s":
        d = script[1]
        parts = script[2:].split(d)
        if len(parts) >= 2:
            old, new = parts[0], parts[1]
            flags = parts[2] if len(parts) > 2 else ""
            if not old:
                raise ShellError("sed: -e expression #1, char 0: no previous regular expression")
            out = []
            for line in text.splitlines(keepends=True):
                out.append(line.replace(old, new) if "g" in flags else line.replace(old, new, 1))
            return "".join(out)
    if script.endswith("d") and script[:-1].isdigit():
        n = int(script[:-1])
        return "".join(line for i, line in enumerate(text.splitlines(keepends=True), 1) if i != n)
    raise ShellError(f"sed: -e expression #1, char {len(script)}: unknown command")


def _chmod(mode: int, spec: str) -> int:
    if re.fullmatch(r"[0-7]{3,4}", spec):
        return int(spec, 8) & 0o777
    m = re.fullmatch(r"([ugoa]*)([+\-=])([rwx]*)", spec)
    if not m:
        raise ShellError(f"chmod: invalid mode: '{spec}'")
    who = m.group(1) or "a"
    bits = sum({"r": 4, "w": 2, "x": 1}[c] for c in m.group(3))
    mask = 0
    for w in who:
        for shift in {"u": [6], "g": [3], "o": [0], "a": [6, 3, 0]}[w]:
            mask |= bits << shift
    if m.group(2) == "+":
        return mode | mask
    if m.group(2) == "-":
        return mode & ~mask
    return mask
