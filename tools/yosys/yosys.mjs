// Runs the pinned Yosys 0.55 (WebAssembly, @yowasp/yosys) on real files.
// usage: node tools/yosys/yosys.mjs OUTDIR -- yosys-args... -- input-files...
// The input files are placed in the virtual file system under their relative paths; every file
// Yosys creates or changes is written back below OUTDIR.
import { runYosys } from '@yowasp/yosys';
import fs from 'node:fs';
import path from 'node:path';

const argv = process.argv.slice(2);
const sep1 = argv.indexOf('--');
const sep2 = argv.indexOf('--', sep1 + 1);
if (sep1 !== 1 || sep2 < 0) {
  console.error('usage: node yosys.mjs OUTDIR -- yosys-args... -- input-files...');
  process.exit(2);
}
const outdir = argv[0];
const args = argv.slice(sep1 + 1, sep2);
const inputs = argv.slice(sep2 + 1);

const tree = {};
for (const f of inputs) {
  const rel = path.normalize(f);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    console.error(`yosys.mjs: input ${f} must be a relative path below the working directory`);
    process.exit(2);
  }
  let node = tree;
  const parts = rel.split(path.sep);
  for (const p of parts.slice(0, -1)) node = (node[p] ??= {});
  node[parts[parts.length - 1]] = fs.readFileSync(f, 'utf8');
}
const snapshot = JSON.stringify(tree);

let out;
try {
  out = await runYosys(args, tree);
} catch (e) {
  console.error(`yosys.mjs: yosys failed: ${e.message ?? e}`);
  process.exit(1);
}
const before = JSON.parse(snapshot);
function writeBack(node, orig, dir) {
  for (const [name, val] of Object.entries(node ?? {})) {
    const p = path.join(dir, name);
    if (typeof val === 'object' && !(val instanceof Uint8Array)) {
      writeBack(val, orig?.[name], p);
    } else if (orig?.[name] !== val) {
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, val);
    }
  }
}
writeBack(out, before, outdir);
