"""The tool bridge as seen from Python programs in the sandbox.

`call_tool(server, tool, args)` writes one JSON line to the runner and blocks
until the runner hands back the host's reply. Calls are synchronous, so one
pipe pair and an increasing id are all the bookkeeping needed.
"""

import json
import os

__all__ = ["ToolError", "call_tool"]


class ToolError(Exception):
    """A tool call failed; the message is the tool's (or the bridge's) own."""


_fds = None
_next_id = 0
_buf = b""


def _connect(read_fd, write_fd):
    global _fds
    _fds = (read_fd, write_fd)


def _send(frame):
    data = (json.dumps(frame, separators=(",", ":")) + "\n").encode()
    view = memoryview(data)
    while view:
        view = view[os.write(_fds[1], view):]


def _recv():
    global _buf
    while True:
        nl = _buf.find(b"\n")
        if nl >= 0:
            line, _buf = _buf[:nl], _buf[nl + 1:]
            return json.loads(line)
        chunk = os.read(_fds[0], 1 << 16)
        if not chunk:
            raise ToolError("the tool bridge closed")
        _buf += chunk


def call_tool(server, tool, args=None):
    """Call `tool` on `server` with `args` (a dict); return its result."""
    global _next_id
    if _fds is None:
        raise ToolError("the tool bridge is only available inside the vtcode sandbox")
    _next_id += 1
    _send({"t": "call", "id": _next_id, "server": server, "tool": tool, "args": args or {}})
    reply = _recv()
    if not reply.get("ok"):
        raise ToolError(reply.get("error") or "tool call failed")
    return reply.get("value")
