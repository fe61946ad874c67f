"""The tool bridge as seen from Python programs in the sandbox.

`call_tool(server, tool, args)` writes one JSON line to the runner and waits
for the host's reply with the same id. Calls may come from many threads at
once (`concurrent.futures`, `asyncio.to_thread`) and, through
`call_tool_async`, from coroutines (`asyncio.gather`): every call registers a
waiter under its own id before it writes, whole frames are written under a
lock, and one reader thread owns the reading side and hands each reply to
the waiter whose id it carries. No caller ever reads the pipe itself, so a
reply can never be consumed by the wrong caller or left unread in a buffer.

Outside the sandbox there is no runner to talk to, and every call raises
`ToolError` saying so.
"""

import asyncio
import json
import os
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple

Frame = Dict[str, Any]
Waiter = Callable[[Optional[Frame]], None]

__all__ = ["ToolError", "call_tool", "call_tool_async"]

OUTSIDE = (
    "this SDK calls tools through the vtcode sandbox's tool bridge, which only exists "
    "inside a program run by vtcode: use the execute_code tool, `vtcode run FILE`, or "
    "`vtcode mcp serve`; importing it elsewhere is fine (for type checking and docs), "
    "calling it is not"
)


class ToolError(Exception):
    """A tool call failed; the message is the tool's (or the bridge's) own."""


_fds: Optional[Tuple[int, int]] = None
_write_lock = threading.Lock()
_state_lock = threading.Lock()
_next_id = 0
# id -> callable taking the reply frame (None when the bridge closed).
_waiters: Dict[int, Waiter] = {}
_reader: Optional[threading.Thread] = None
_closed = False


def _connect(read_fd: int, write_fd: int) -> None:
    global _fds
    _fds = (read_fd, write_fd)


def _send(frame: Frame) -> None:
    if _fds is None:
        raise ToolError(OUTSIDE)
    data = (json.dumps(frame, separators=(",", ":")) + "\n").encode()
    view = memoryview(data)
    with _write_lock:
        while view:
            view = view[os.write(_fds[1], view):]


def _read_replies(fd: int) -> None:
    global _closed
    buf = b""
    while True:
        try:
            chunk = os.read(fd, 1 << 16)
        except OSError:
            chunk = b""
        if not chunk:
            break
        buf += chunk
        while True:
            nl = buf.find(b"\n")
            if nl < 0:
                break
            line, buf = buf[:nl], buf[nl + 1:]
            if not line.strip():
                continue
            frame: Frame = json.loads(line)
            with _state_lock:
                waiter = _waiters.pop(int(frame.get("id") or 0), None)
            if waiter is not None:
                waiter(frame)
    with _state_lock:
        _closed = True
        waiters = list(_waiters.values())
        _waiters.clear()
    for waiter in waiters:
        waiter(None)


def _start_call(server: str, tool: str, args: Optional[Frame], waiter: Waiter) -> None:
    """Registers `waiter` under a fresh id, then sends the call."""
    global _next_id, _reader
    if _fds is None:
        raise ToolError(OUTSIDE)
    with _state_lock:
        if _closed:
            raise ToolError("the tool bridge closed")
        _next_id += 1
        call_id = _next_id
        _waiters[call_id] = waiter
        if _reader is None:
            _reader = threading.Thread(target=_read_replies, args=(_fds[0],), name="vtcode-bridge", daemon=True)
            _reader.start()
    _send({"t": "call", "id": call_id, "server": server, "tool": tool, "args": args or {}})


def _unwrap(reply: Optional[Frame]) -> Any:
    if reply is None:
        raise ToolError("the tool bridge closed")
    if not reply.get("ok"):
        raise ToolError(reply.get("error") or "tool call failed")
    return reply.get("value")


def call_tool(server: str, tool: str, args: Optional[Frame] = None) -> Any:
    """Call `tool` on `server` with `args` (a dict); return its result.
    Safe from any thread; calls from different threads run concurrently."""
    done = threading.Event()
    box: List[Optional[Frame]] = []

    def deliver(reply: Optional[Frame]) -> None:
        box.append(reply)
        done.set()

    _start_call(server, tool, args, deliver)
    done.wait()
    return _unwrap(box[0])


async def call_tool_async(server: str, tool: str, args: Optional[Frame] = None) -> Any:
    """`call_tool` as a coroutine: `await asyncio.gather(...)` of several
    runs them concurrently without a thread per call."""
    loop = asyncio.get_running_loop()
    future: "asyncio.Future[Optional[Frame]]" = loop.create_future()

    def settle(reply: Optional[Frame]) -> None:
        if not future.done():
            future.set_result(reply)

    def deliver(reply: Optional[Frame]) -> None:
        try:
            loop.call_soon_threadsafe(settle, reply)
        except RuntimeError:
            pass  # the loop is gone; nobody waits for this reply

    _start_call(server, tool, args, deliver)
    return _unwrap(await future)
