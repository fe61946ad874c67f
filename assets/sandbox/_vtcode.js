'use strict';
// The tool bridge as seen from JavaScript programs in the sandbox.
//
// `call_tool(server, tool, args)` writes one JSON line to the runner (fd 4)
// and returns a Promise settled by the reply with the same id (read from
// fd 3), so `Promise.all` keeps several calls in flight. The reading side is
// unref'd while nothing is pending, so an idle bridge never keeps the program
// alive.

const fs = require('fs');
const net = require('net');

class ToolError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ToolError';
  }
}

const pending = new Map();
let nextId = 0;
let reader = null;

function settle(frame) {
  const waiter = pending.get(frame.id);
  if (!waiter) return;
  pending.delete(frame.id);
  if (pending.size === 0) reader.unref();
  if (frame.ok) waiter.resolve(frame.value === undefined ? null : frame.value);
  else waiter.reject(new ToolError(frame.error || 'tool call failed'));
}

function openReader() {
  reader = new net.Socket({ fd: 3, readable: true, writable: false });
  let buf = '';
  reader.setEncoding('utf8');
  reader.on('data', (chunk) => {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim()) settle(JSON.parse(line));
    }
  });
  reader.on('close', () => {
    for (const waiter of pending.values()) waiter.reject(new ToolError('the tool bridge closed'));
    pending.clear();
  });
}

function send(frame) {
  const data = Buffer.from(JSON.stringify(frame) + '\n');
  let off = 0;
  while (off < data.length) off += fs.writeSync(4, data, off);
}

// Outside the sandbox there is no runner to talk to.
const OUTSIDE =
  "this SDK calls tools through the vtcode sandbox's tool bridge, which only exists " +
  'inside a program run by vtcode: use the execute_code tool, `vtcode run FILE`, or ' +
  '`vtcode mcp serve`; importing it elsewhere is fine (for type checking and docs), ' +
  'calling it is not';

function call_tool(server, tool, args) {
  if (process.env.VTCODE_BRIDGE !== '1') {
    return Promise.reject(new ToolError(OUTSIDE));
  }
  if (!reader) openReader();
  nextId += 1;
  const id = nextId;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    reader.ref();
    send({ t: 'call', id, server, tool, args: args || {} });
  });
}

module.exports = { ToolError, call_tool, callTool: call_tool, _send: send };
