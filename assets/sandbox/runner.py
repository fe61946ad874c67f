"""Resident sandbox runner.

The host starts one runner per warm slot (a container or a local process) and
talks to it with newline-delimited JSON over the runner's stdin and stdout.
Every execution is a fresh process: Python code runs in a fork of this
already-warm interpreter; JavaScript runs in a `node` the runner started
ahead of time (the spare: booted, bridge and loader loaded, blocked reading
its program from a pipe), handed this one program and replaced by a new
spare once the execution is over. Node cannot fork, so a spare that has
never run anything is what "warm" means for it; each runs exactly one
program, so nothing a program leaves in its globals reaches the next.
The child's stdout and stderr are pipes the runner forwards as `out` frames;
its tool calls arrive on a private pipe pair and are relayed to the host as
`call` frames, the host's `reply` frames travel back the same way. The runner
alone enforces the execution deadline and the output caps, so a runaway
program costs its child, never the slot.
"""

import ast
import codecs
import json
import os
import select
import selectors
import signal
import sys
import time
import traceback

# Imported up front so a forked child finds them warm.
import base64  # noqa: F401
import collections  # noqa: F401
import datetime  # noqa: F401
import decimal  # noqa: F401
import itertools  # noqa: F401
import math  # noqa: F401
import pathlib  # noqa: F401
import random  # noqa: F401
import re  # noqa: F401
import statistics  # noqa: F401
import textwrap  # noqa: F401
import typing  # noqa: F401 - the generated SDK's annotations

HERE = os.path.dirname(os.path.abspath(__file__))
IN_CONTAINER = os.environ.get("VTCODE_SANDBOX") == "docker"
PROTO_IN = 0
PROTO_OUT = 1


def send(frame):
    data = (json.dumps(frame, separators=(",", ":")) + "\n").encode()
    view = memoryview(data)
    while view:
        n = os.write(PROTO_OUT, view)
        view = view[n:]


def read_frames(fd, buf):
    """Read what is available on `fd`; return (frames, buf, eof)."""
    chunk = os.read(fd, 1 << 16)
    if not chunk:
        return [], buf, True
    buf += chunk
    frames = []
    while True:
        nl = buf.find(b"\n")
        if nl < 0:
            break
        line, buf = buf[:nl], buf[nl + 1:]
        if line.strip():
            frames.append(json.loads(line))
    return frames, buf, False


def oom_kills():
    """The container's OOM-kill counter (cgroup v1 or v2), or None."""
    for path in ("/sys/fs/cgroup/memory/memory.oom_control", "/sys/fs/cgroup/memory.events"):
        try:
            with open(path) as f:
                for line in f:
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        return int(value)
        except OSError:
            continue
    return None


def json_value(value):
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError):
        return repr(value)


# ---------------------------------------------------------------- child side


def run_python(req, bridge_in, bridge_out):
    """Runs in the forked child: execute the program, report its result."""
    import _vtcode

    _vtcode._connect(bridge_in, bridge_out)
    # The SDK root holds one tree per language: python/servers/...
    sdk = req.get("sdk")
    if sdk:
        sdk = os.path.join(sdk, "python")
        if sdk not in sys.path:
            sys.path.insert(0, sdk)
    # Saved skills: skills/<module>/ under the skills view.
    skills = req.get("skills")
    if skills:
        sys.path.insert(0, os.path.join(skills, "python"))
    if req.get("state"):
        map_state(req["state"])
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    status, result = "ok", None
    try:
        tree = ast.parse(req["code"], "<program>", "exec")
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        exec(compile(tree, "<program>", "exec"), namespace)
        value = eval(compile(last, "<program>", "eval"), namespace) if last else None
        if "result" in namespace:
            value = namespace["result"]
        result = None if value is None else json_value(value)
    except MemoryError:
        status = "memory"
        sys.stderr.write("MemoryError: the program exceeded its memory limit\n")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if code != 0:
            status = "error"
    except BaseException:  # noqa: BLE001 - everything the program raises is its error
        status = "error"
        etype, exc, tb = sys.exc_info()
        traceback.print_exception(etype, exc, tb.tb_next if tb else None)
    sys.stdout.flush()
    sys.stderr.flush()
    _vtcode._send({"t": "done", "status": status, "result": result})
    os._exit(0 if status == "ok" else 1)


def map_state(state):
    """The process backend has no mount namespace, so no `/state`
    directory: the program's file calls (open, os, pathlib, shutil) get
    `/state/...` paths rewritten to the project's state directory."""
    import builtins
    import io

    def fix(path):
        try:
            text = os.fspath(path)
        except TypeError:
            return path
        if isinstance(text, bytes):
            if text == b"/state" or text.startswith(b"/state/"):
                return os.fsencode(state) + text[6:]
        elif text == "/state" or text.startswith("/state/"):
            return state + text[6:]
        return path

    def first(f):
        def mapped(*args, **kwargs):
            if args:
                args = (fix(args[0]),) + args[1:]
            return f(*args, **kwargs)
        mapped.__name__, mapped.__doc__ = f.__name__, f.__doc__
        return mapped

    def both(f):
        def mapped(src, dst, *args, **kwargs):
            return f(fix(src), fix(dst), *args, **kwargs)
        mapped.__name__, mapped.__doc__ = f.__name__, f.__doc__
        return mapped

    builtins.open = io.open = first(io.open)
    for name in ("stat", "lstat", "listdir", "scandir", "mkdir", "remove", "unlink", "rmdir",
                 "open", "access", "chmod", "utime", "truncate", "chdir"):
        setattr(os, name, first(getattr(os, name)))
    for name in ("rename", "replace"):
        setattr(os, name, both(getattr(os, name)))


def apply_limits(req):
    """Per-execution rlimits: CPU time always, address space when asked
    (the process backend; Docker limits memory with its cgroup). Node
    reserves a large virtual cage up front, so it gets extra address space
    and a V8 heap cap instead."""
    import resource

    cpu = int(req.get("timeout_ms", 30000) / 1000) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    as_mb = req.get("as_mb")
    if as_mb:
        if req["lang"] != "python":
            as_mb += 2048
        limit = int(as_mb) << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


# libc through ctypes, once main() loaded it (None where it cannot).
LIBC = None

# Descriptors that belong to the runner (its ends of every child's pipes);
# a fresh fork closes them all, so no program holds another's pipes open.
RUNNER_FDS = set()


def child_main(req, out_w, err_w, call_w, reply_r, code_r):
    os.setpgid(0, 0)
    apply_limits(req)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out_w, 1)
    os.dup2(err_w, 2)
    cwd = req.get("cwd")
    if cwd:
        try:
            os.chdir(cwd)
        except OSError:
            pass
    if req["lang"] == "python":
        sys.stdin = open(0, closefd=False)
        sys.stdout = open(1, "w", buffering=1, closefd=False)
        sys.stderr = open(2, "w", buffering=1, closefd=False)
        run_python(req, reply_r, call_w)
        return
    # Node: fd 3 replies, fd 4 calls, fd 5 the program (read once, to EOF).
    os.dup2(reply_r, 3)
    os.dup2(call_w, 4)
    os.dup2(code_r, 5)
    for fd in (out_w, err_w, call_w, reply_r, code_r, devnull):
        if fd > 5:
            os.close(fd)
    env = dict(os.environ)
    env["VTCODE_SDK"] = os.path.join(req["sdk"], "javascript") if req.get("sdk") else ""
    env["VTCODE_SKILLS"] = os.path.join(req["skills"], "javascript") if req.get("skills") else ""
    env["VTCODE_STATE"] = req.get("state") or ""
    args = [req.get("node") or "node"]
    memory_mb = req.get("memory_mb")
    if memory_mb:
        args.append("--max-old-space-size=%d" % max(16, int(memory_mb) * 3 // 4))
    # ES modules (the SDK, the program's own imports) need the loader; a
    # spare does not know its program yet, so it always has it.
    loader = "file://" + os.path.join(HERE, "loader.mjs")
    args += ["--no-warnings", "--experimental-vm-modules", "--experimental-loader=" + loader]
    args += [os.path.join(HERE, "runner.js")]
    os.execve(node_path(req), args, env)


def node_path(req):
    name = req.get("node") or "node"
    if "/" in name:
        return name
    for d in os.environ.get("PATH", "/usr/bin:/bin").split(":"):
        p = os.path.join(d, name)
        if os.access(p, os.X_OK):
            return p
    return name


# --------------------------------------------------------------- runner side


def spare_key(req):
    """What a Node spare was started for; a request that differs (limits,
    mounts, directory) cannot use it."""
    return tuple(req.get(k) for k in ("timeout_ms", "as_mb", "memory_mb", "cwd", "sdk", "skills", "state", "node"))


class Child:
    """One program process and the runner's ends of its pipes. A Python
    child runs the request's code at once; a Node child waits for its
    program on a pipe until `hand` gives it one."""

    def __init__(self, req, sel):
        self.key = spare_key(req)
        self.lang = req["lang"]
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        call_r, call_w = os.pipe()
        reply_r, reply_w = os.pipe()
        code_r, code_w = os.pipe() if self.lang != "python" else (-1, -1)
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            try:
                # PR_SET_PDEATHSIG: the program dies with the runner (a
                # runner torn down mid-run takes its program along).
                if LIBC is not None:
                    LIBC.prctl(1, signal.SIGKILL, 0, 0, 0)
                if os.getppid() != parent:
                    os._exit(137)
                sel.close()
                for fd in RUNNER_FDS | {out_r, err_r, call_r, reply_w, code_w}:
                    if fd >= 0:
                        os.close(fd)
                child_main(req, out_w, err_w, call_w, reply_r, code_r)
            except BaseException:  # noqa: BLE001
                traceback.print_exc()
            os._exit(127)
        for fd in (out_w, err_w, call_w, reply_r, code_r):
            if fd >= 0:
                os.close(fd)
        self.pid = pid
        self.pidfd = os.pidfd_open(pid)
        self.out_r, self.err_r, self.call_r, self.reply_w = out_r, err_r, call_r, reply_w
        self.code_w = code_w if code_w >= 0 else None
        RUNNER_FDS.update(self.fds())

    def fds(self):
        return {fd for fd in (self.out_r, self.err_r, self.call_r, self.reply_w, self.code_w, self.pidfd) if fd is not None}

    def alive(self):
        return not select.select([self.pidfd], [], [], 0)[0]

    def hand(self, code):
        """Gives a waiting Node child its program."""
        data = code.encode("utf-8", "surrogatepass")
        # A child that died early must not take the runner with it.
        previous = signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self.code_w, view):]
        except OSError:
            pass  # it died; the execution sees it exit
        finally:
            signal.signal(signal.SIGPIPE, previous)
        self.close_fd("code_w")

    def close_fd(self, name):
        fd = getattr(self, name)
        if fd is not None:
            RUNNER_FDS.discard(fd)
            try:
                os.close(fd)
            except OSError:
                pass
            setattr(self, name, None)

    def discard(self):
        # By pid too: a child forked a moment ago may not have made its
        # own process group yet.
        for kill in (os.killpg, os.kill):
            try:
                kill(self.pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        for name in ("out_r", "err_r", "call_r", "reply_w", "code_w", "pidfd"):
            self.close_fd(name)


class Spares:
    """At most one Node process booted ahead of the next JavaScript
    execution. Once a runner has run JavaScript, its spare is replaced after
    every execution, so the next program finds one ready unless it arrives
    while the replacement still boots (then it waits for the rest of that
    boot, still less than a cold start). A runner that only ever ran Python
    keeps none."""

    def __init__(self):
        self.spare = None
        self.node_missing = False
        self.wanted = False

    def take(self, req, sel):
        self.wanted = True
        spare, self.spare = self.spare, None
        if spare is not None and (spare.key != spare_key(req) or not spare.alive()):
            spare.discard()
            spare = None
        child = spare or Child(req, sel)
        child.hand(req["code"])
        return child

    def before_reaping(self):
        """The pid of a spare to spare from the leftover sweep, if the
        sweep can tell it apart (in a container, by pid); elsewhere the
        spare goes (a landlocked `kill(-1)` would take it anyway) and is
        replaced after the sweep."""
        if self.spare is None:
            return None
        if IN_CONTAINER:
            return self.spare.pid
        self.spare.discard()
        self.spare = None
        return None

    def replenish(self, req, sel):
        if self.spare is not None and self.spare.key == spare_key(req) and self.spare.alive():
            return
        if self.spare is not None:
            self.spare.discard()
            self.spare = None
        if self.node_missing or not self.wanted:
            return
        if not os.access(node_path(req), os.X_OK):
            self.node_missing = True
            return
        prep = {k: v for k, v in req.items() if k != "code"}
        prep["lang"] = "javascript"
        self.spare = Child(prep, sel)


class Execution:
    def __init__(self, req):
        self.req = req
        self.deadline = time.monotonic() + req.get("timeout_ms", 30000) / 1000.0
        self.cap = int(req.get("output_bytes") or 1 << 20)
        self.sent = {"o": 0, "e": 0}
        # Chunks may split a multi-byte character; decoders carry the rest.
        self.decoders = {tag: codecs.getincrementaldecoder("utf-8")("replace") for tag in "oe"}
        self.status = None
        self.result = None
        self.oom_before = oom_kills()
        self.err_tail = b""
        self.peak_rss_kb = None
        # Set while the host waits for a person to approve a tool call: the
        # clock stops, and the deadline moves later by the time paused.
        self.paused_at = None

    def kill(self, status):
        if self.status is None:
            self.status = status
        for kill in (os.killpg, os.kill):
            try:
                kill(self.pid, signal.SIGKILL)
            except OSError:
                pass

    def run(self, sel, proto_buf, spares):
        req = self.req
        if req["lang"] == "python":
            child = Child(req, sel)
        else:
            child = spares.take(req, sel)
        pid = self.pid = child.pid
        out_r, err_r, call_r, reply_w = child.out_r, child.err_r, child.call_r, child.reply_w
        sel.register(out_r, selectors.EVENT_READ, "o")
        sel.register(err_r, selectors.EVENT_READ, "e")
        sel.register(call_r, selectors.EVENT_READ, "call")
        sel.register(child.pidfd, selectors.EVENT_READ, "exit")
        open_fds = {out_r, err_r, call_r}
        call_buf = b""
        exited = None
        done_frame = None
        while exited is None or open_fds:
            timeout = self.deadline - time.monotonic()
            if self.paused_at is not None:
                timeout = 1.0
            elif timeout <= 0 and exited is None:
                self.kill("timeout")
                timeout = 0.05
            if exited is not None:
                timeout = 0.05
            events = sel.select(max(timeout, 0))
            if not events and exited is not None:
                break
            for key, _ in events:
                tag = key.data
                fd = key.fd
                if tag in ("o", "e"):
                    try:
                        chunk = os.read(fd, 1 << 16)
                    except OSError:
                        chunk = b""
                    if not chunk:
                        sel.unregister(fd)
                        open_fds.discard(fd)
                        continue
                    if tag == "e":
                        self.err_tail = (self.err_tail + chunk)[-4096:]
                    room = self.cap - self.sent[tag]
                    if room > 0:
                        part = chunk[:room]
                        self.sent[tag] += len(part)
                        text = self.decoders[tag].decode(part)
                        if text:
                            send({"t": "out", "s": tag, "d": text})
                    if len(chunk) > room:
                        self.sent[tag] = self.cap + 1
                        self.kill("output_limit")
                elif tag == "call":
                    try:
                        frames, call_buf, eof = read_frames(fd, call_buf)
                    except (OSError, ValueError):
                        frames, eof = [], True
                    for frame in frames:
                        if frame.get("t") == "done":
                            done_frame = frame
                        else:
                            send(frame)
                    if eof:
                        sel.unregister(fd)
                        open_fds.discard(fd)
                elif tag == "exit":
                    sel.unregister(fd)
                    # wait4, not waitpid: its rusage says how much memory
                    # the program's process held at its peak (KiB on Linux).
                    _, wstatus, usage = os.wait4(pid, 0)
                    exited = wstatus
                    self.peak_rss_kb = usage.ru_maxrss
                    # Whatever the program left behind goes with it.
                    try:
                        os.killpg(pid, signal.SIGKILL)
                    except OSError:
                        pass
                elif tag == "host":
                    try:
                        frames, proto_buf[0], eof = read_frames(fd, proto_buf[0])
                    except (OSError, ValueError):
                        frames, eof = [], True
                    if eof:
                        self.kill("killed")
                        os._exit(0)
                    for frame in frames:
                        if frame.get("t") == "reply":
                            try:
                                os.write(reply_w, (json.dumps(frame) + "\n").encode())
                            except OSError:
                                pass
                        elif frame.get("t") == "cancel":
                            self.kill("killed")
                        elif frame.get("t") == "pause" and self.paused_at is None:
                            self.paused_at = time.monotonic()
                        elif frame.get("t") == "resume" and self.paused_at is not None:
                            self.deadline += time.monotonic() - self.paused_at
                            self.paused_at = None
            if exited is not None and time.monotonic() > self.deadline + 1:
                break
        for fd in open_fds:
            sel.unregister(fd)
        if exited is None:
            sel.unregister(child.pidfd)
        for name in ("out_r", "err_r", "call_r", "reply_w", "code_w", "pidfd"):
            child.close_fd(name)
        leftovers = reap_leftovers(spares.before_reaping())
        self.finish(exited, done_frame, leftovers)
        spares.replenish(req, sel)

    def finish(self, wstatus, done_frame, leftovers):
        exit_code = None
        signum = None
        if wstatus is not None:
            if os.WIFEXITED(wstatus):
                exit_code = os.WEXITSTATUS(wstatus)
            elif os.WIFSIGNALED(wstatus):
                signum = os.WTERMSIG(wstatus)
                exit_code = 128 + signum
        status = self.status
        if status is None and done_frame is not None:
            status = done_frame.get("status", "error")
            self.result = done_frame.get("result")
        oom_after = oom_kills()
        if status in (None, "error", "killed") and self.oom_before is not None and oom_after is not None and oom_after > self.oom_before:
            status = "memory"
        if status is None and b"heap out of memory" in self.err_tail:
            status = "memory"
        if status is None:
            if done_frame is None and exit_code == 0:
                status = "ok"
            elif signum == signal.SIGKILL:
                status = "killed"
            else:
                status = "error"
        send({
            "t": "done",
            "status": status,
            "exit_code": exit_code,
            "result": self.result if status == "ok" else None,
            "dirty": leftovers > 0 or status in ("memory",),
            "peak_rss_kb": self.peak_rss_kb,
        })


def container_strangers(keep):
    """Pids in this container other than init, the runner and `keep`."""
    me = os.getpid()
    return [int(n) for n in os.listdir("/proc") if n.isdigit() and int(n) not in (1, me, keep)]


def reap_leftovers(keep):
    """Kill and count processes the program left behind (escaped its group).
    `keep` is a spare Node process that is not a leftover."""
    count = 0
    if IN_CONTAINER:
        for pid in container_strangers(keep):
            try:
                os.kill(pid, signal.SIGKILL)
                count += 1
            except OSError:
                pass
    elif os.environ.get("VTCODE_SIGNAL_SCOPED") == "1":
        # Landlock confines our signals to this sandbox, so "everyone we may
        # signal" is exactly what the program left running. (kill(-1) also
        # succeeds when every target refused, so it cannot count them.)
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
    deadline = time.monotonic() + 1.0
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return count
        if pid == 0:
            if keep is not None and not container_strangers(keep):
                return count
            if time.monotonic() > deadline:
                return count + 1
            time.sleep(0.005)


def main():
    global LIBC
    sys.path.insert(0, HERE)
    import _vtcode  # noqa: F401 - warm for the children

    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: children cannot ptrace the runner
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans come back to be reaped
        # M_ARENA_MAX: glibc reserves 64 MB of address space per thread's
        # arena, so under an address-space limit a program with ten threads
        # could not start them; forked children inherit the setting.
        libc.mallopt(-8, 2)
        LIBC = libc
    except OSError:
        pass
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sel = selectors.DefaultSelector()
    sel.register(PROTO_IN, selectors.EVENT_READ, "host")
    spares = Spares()
    buf = [b""]
    while True:
        try:
            frames, buf[0], eof = read_frames(PROTO_IN, buf[0])
        except ValueError:
            send({"t": "fatal", "error": "unreadable frame from host"})
            return
        if eof:
            return
        for frame in frames:
            kind = frame.get("t")
            if kind == "ping":
                send({"t": "pong", "oom": oom_kills()})
            elif kind == "exec":
                Execution(frame).run(sel, buf, spares)


if __name__ == "__main__":
    main()
