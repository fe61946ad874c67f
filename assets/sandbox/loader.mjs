// Module resolution for JavaScript programs in the sandbox: `_vtcode` is the
// bridge, `servers/...` and `skills/...` live in the generated SDK (whose
// `.js` files are ES modules, with no package.json to say so).

import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const sdk = process.env.VTCODE_SDK || '';
const sdkUrl = sdk ? pathToFileURL(sdk).href + '/' : null;
const bridge = new URL('./_vtcode.mjs', import.meta.url).href;
// Saved skills: skills/<name>/index.mjs under the skills view.
const skills = process.env.VTCODE_SKILLS || '';

async function isDirectory(p) {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

export async function resolve(specifier, context, next) {
  if (specifier === '_vtcode') return { url: bridge, shortCircuit: true };
  if (skills && /^skills\/[^/]+$/.test(specifier)) {
    const file = path.join(skills, specifier, 'index.mjs');
    return { url: pathToFileURL(file).href, shortCircuit: true };
  }
  if (sdk && /^(servers|skills)\//.test(specifier)) {
    let file = path.join(sdk, specifier);
    if (await isDirectory(file)) file = path.join(file, 'index.js');
    else if (!path.extname(file)) file += '.js';
    return { url: pathToFileURL(file).href, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (sdkUrl && url.startsWith(sdkUrl) && url.endsWith('.js')) {
    return { format: 'module', source: await readFile(fileURLToPath(url)), shortCircuit: true };
  }
  return next(url, context);
}
