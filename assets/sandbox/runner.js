'use strict';
// Runs one JavaScript program in a fresh Node process started by the
// resident runner ahead of time: it loads what every program needs, then
// blocks until the runner hands it its one program on fd 5. The program is a classic script, so the value of
// its last expression statement is its completion value; a program that uses
// top-level `await` (or `return`) runs as the body of an async function
// instead. The result is the `result` binding if the program made one, else
// that value, awaited when it is a Promise.

const fs = require('fs');
const path = require('path');
const vm = require('vm');
const Module = require('module');
const { pathToFileURL } = require('url');

const here = __dirname;
const sdk = process.env.VTCODE_SDK || '';
process.env.NODE_PATH = [here, sdk].filter(Boolean).join(path.delimiter);
Module._initPaths();

process.env.VTCODE_BRIDGE = '1';

// The process backend has no `/state` directory: file calls get
// `/state/...` paths rewritten to the project's state directory.
const state = process.env.VTCODE_STATE || '';
delete process.env.VTCODE_STATE;
if (state) {
  const fix = (p) =>
    typeof p === 'string' && (p === '/state' || p.startsWith('/state/')) ? state + p.slice(6) : p;
  const one = ['access', 'appendFile', 'chmod', 'createReadStream', 'createWriteStream', 'exists',
    'lstat', 'mkdir', 'open', 'opendir', 'readdir', 'readFile', 'rm', 'rmdir', 'stat', 'truncate',
    'unlink', 'utimes', 'writeFile'];
  const two = ['copyFile', 'cp', 'rename'];
  const patch = (target, names, count) => {
    for (const base of names) {
      for (const name of [base, base + 'Sync']) {
        const f = target[name];
        if (typeof f !== 'function') continue;
        target[name] = function (...args) {
          for (let i = 0; i < count; i += 1) args[i] = fix(args[i]);
          return f.apply(this, args);
        };
      }
    }
  };
  for (const target of [fs, fs.promises]) {
    patch(target, one, 1);
    patch(target, two, 2);
  }
  Module.syncBuiltinESMExports();
}

const bridge = require('_vtcode');
globalThis._vtcode = bridge;
globalThis.ToolError = bridge.ToolError;
globalThis.require = Module.createRequire(path.join(process.cwd(), 'program.js'));

// Static imports become dynamic ones, so a program with imports still runs
// as a script (with a completion value) rather than as a module.
const STATIC_IMPORT = /^[ \t]*import\s+(?:([\w$]+)\s*,?\s*)?(?:\*\s+as\s+([\w$]+)|\{([^}]*)\})?\s*(?:from\s*)?(['"][^'"]+['"])[ \t]*;?/gm;
let importCount = 0;

function rewriteImports(source) {
  return source.replace(STATIC_IMPORT, (_match, def, star, named, spec) => {
    importCount += 1;
    const ns = star || `__import${importCount}`;
    const parts = [`const ${ns} = await import(${spec});`];
    if (def) parts.push(`const ${def} = ${ns}.default;`);
    if (named) {
      const fields = named
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean)
        .map((f) => f.replace(/\s+as\s+/, ': '));
      parts.push(`const { ${fields.join(', ')} } = ${ns};`);
    }
    return parts.join(' ');
  });
}

function importModule(specifier) {
  const target = /^\.{1,2}\//.test(specifier)
    ? pathToFileURL(path.resolve(process.cwd(), specifier)).href
    : specifier;
  return import(target);
}

function toJson(value) {
  if (value === undefined) return null;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? null : JSON.parse(text);
  } catch (_) {
    return String(value);
  }
}

const NOT_AN_EXPRESSION = /^(const|let|var|if|else|for|while|do|function|async function|class|return|try|catch|finally|throw|switch|import|export|\}|\/\/)/;

function asyncBody(source) {
  const wrap = (body) =>
    new vm.Script('(async () => {\n' + body + '\n})()', {
      filename: 'program.js',
      lineOffset: -1,
      importModuleDynamically: importModule,
    });
  const pick = 'return typeof result !== "undefined" ? result : __value;';
  const lines = source.replace(/\s+$/, '').split('\n');
  const last = lines[lines.length - 1].trim().replace(/;$/, '');
  if (last && !NOT_AN_EXPRESSION.test(last)) {
    try {
      return wrap(lines.slice(0, -1).join('\n') + '\nconst __value = (' + last + ');\n' + pick);
    } catch (_) {
      // Not an expression after all: run it as written.
    }
  }
  return wrap(source + '\n;const __value = undefined;\n' + pick);
}

function compile(source) {
  try {
    return new vm.Script(source, { filename: 'program.js', importModuleDynamically: importModule });
  } catch (err) {
    if (!(err instanceof SyntaxError) || !/await|return/.test(err.message)) throw err;
    return asyncBody(source);
  }
}

function finish(status, result) {
  bridge._send({ t: 'done', status, result });
  process.exit(status === 'ok' ? 0 : 1);
}

async function main() {
  // Everything above ran while this process waited as the runner's spare;
  // the program arrives now, on fd 5, and is read to its end.
  await import('_vtcode').catch(() => {}); // the ES module path, warm too
  const code = fs.readFileSync(5, 'utf8');
  fs.closeSync(5);
  let value = compile(rewriteImports(code)).runInThisContext();
  if (value && typeof value.then === 'function') value = await value;
  const named = vm.runInThisContext('typeof result !== "undefined" ? result : undefined');
  if (named !== undefined) value = named;
  finish('ok', toJson(value));
}

process.on('unhandledRejection', (err) => {
  process.stderr.write(String((err && err.stack) || err) + '\n');
  finish('error', null);
});

main().catch((err) => {
  process.stderr.write(String((err && err.stack) || err) + '\n');
  finish('error', null);
});
