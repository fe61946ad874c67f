"""Resident sandbox runner.

The host starts one runner per warm slot (a container or a local process) and
talks to it with newline-delimited JSON over the runner's stdin and stdout.
Every execution is a forked child: Python code runs in the fork of this
already-warm interpreter, JavaScript in a fresh `node` started by the fork.
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


def child_main(req, out_w, err_w, call_w, reply_r):
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
    os.dup2(reply_r, 3)
    os.dup2(call_w, 4)
    for fd in (out_w, err_w, call_w, reply_r, devnull):
        if fd > 4:
            os.close(fd)
    env = dict(os.environ)
    env["VTCODE_SDK"] = os.path.join(req["sdk"], "javascript") if req.get("sdk") else ""
    args = [req.get("node") or "node"]
    memory_mb = req.get("memory_mb")
    if memory_mb:
        args.append("--max-old-space-size=%d" % max(16, int(memory_mb) * 3 // 4))
    if re.search(r"\bimport\b", req["code"]):
        # ES modules (the SDK, the program's own imports) need the loader.
        loader = "file://" + os.path.join(HERE, "loader.mjs")
        args += ["--no-warnings", "--experimental-vm-modules", "--experimental-loader=" + loader]
    args += [os.path.join(HERE, "runner.js")]
    if len(req["code"]) < 100_000:
        env["VTCODE_CODE"] = req["code"]
    else:
        path = os.path.join(env.get("TMPDIR") or "/tmp", "program-%d.js" % os.getpid())
        with open(path, "w") as f:
            f.write(req["code"])
        env["VTCODE_CODE_FILE"] = path
    os.execve(args[0] if "/" in args[0] else _which(args[0], env), args, env)


def _which(name, env):
    for d in env.get("PATH", "/usr/bin:/bin").split(":"):
        p = os.path.join(d, name)
        if os.access(p, os.X_OK):
            return p
    return name


# --------------------------------------------------------------- runner side


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
        # Set while the host waits for a person to approve a tool call: the
        # clock stops, and the deadline moves later by the time paused.
        self.paused_at = None

    def kill(self, status):
        if self.status is None:
            self.status = status
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except OSError:
            pass

    def run(self, sel, proto_buf):
        req = self.req
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        call_r, call_w = os.pipe()
        reply_r, reply_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                sel.close()
                for fd in (out_r, err_r, call_r, reply_w):
                    os.close(fd)
                child_main(req, out_w, err_w, call_w, reply_r)
            except BaseException:  # noqa: BLE001
                traceback.print_exc()
            os._exit(127)
        self.pid = pid
        for fd in (out_w, err_w, call_w, reply_r):
            os.close(fd)
        pidfd = os.pidfd_open(pid)
        sel.register(out_r, selectors.EVENT_READ, "o")
        sel.register(err_r, selectors.EVENT_READ, "e")
        sel.register(call_r, selectors.EVENT_READ, "call")
        sel.register(pidfd, selectors.EVENT_READ, "exit")
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
                        os.close(fd)
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
                        os.close(fd)
                        open_fds.discard(fd)
                elif tag == "exit":
                    sel.unregister(fd)
                    os.close(fd)
                    _, wstatus = os.waitpid(pid, 0)
                    exited = wstatus
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
        for fd in list(open_fds):
            sel.unregister(fd)
            os.close(fd)
        os.close(reply_w)
        leftovers = reap_leftovers()
        self.finish(exited, done_frame, leftovers)

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
        })


def reap_leftovers():
    """Kill and count processes the program left behind (escaped its group)."""
    count = 0
    if IN_CONTAINER:
        me = os.getpid()
        for name in os.listdir("/proc"):
            if name.isdigit() and int(name) not in (1, me):
                try:
                    os.kill(int(name), signal.SIGKILL)
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
            if time.monotonic() > deadline:
                return count + 1
            time.sleep(0.005)


def main():
    sys.path.insert(0, HERE)
    import _vtcode  # noqa: F401 - warm for the children

    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: children cannot ptrace the runner
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans come back to be reaped
    except OSError:
        pass
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sel = selectors.DefaultSelector()
    sel.register(PROTO_IN, selectors.EVENT_READ, "host")
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
                Execution(frame).run(sel, buf)


if __name__ == "__main__":
    main()
