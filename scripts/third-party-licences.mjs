// Writes THIRD-PARTY-LICENSES.txt: every crate the app is built from (on the systems it ships
// on, build-time crates included, test-only crates not), with its licence and the licence
// texts it ships. The installers carry the file (tauri.conf.json, bundle > resources).
//
//   node scripts/third-party-licences.mjs          rewrites the file
//   node scripts/third-party-licences.mjs --check  fails when the file is not up to date
//                                                  (scripts/test.sh runs this)
//
// Reads `cargo metadata` and the crates' sources (`cargo fetch` downloads those of every
// system first).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const OUT = 'THIRD-PARTY-LICENSES.txt';
const cargo = (...args) => execFileSync('cargo', args, { encoding: 'utf8', maxBuffer: 1 << 28 });

cargo('fetch', '--locked', '--quiet');
const meta = JSON.parse(cargo('metadata', '--format-version', '1', '--locked'));

// The systems the installers are built for (as in deny.toml), each as the set of its `cfg`
// settings (`target_os="windows"`, `unix`), which a platform-specific dependency is tested on.
const TARGETS = ['x86_64-unknown-linux-gnu', 'x86_64-pc-windows-msvc', 'aarch64-apple-darwin', 'x86_64-apple-darwin'];
const cfgs = new Map(TARGETS.map((t) => [t, new Set(execFileSync('rustc', ['--print', 'cfg', '--target', t], { encoding: 'utf8' }).split('\n'))]));

/** Whether `platform` (a target triple or `cfg(...)`, as cargo writes it) holds on `target`. */
function holds(platform, target) {
  if (!platform.startsWith('cfg(')) return platform === target;
  const set = cfgs.get(target);
  const tokens = platform.slice(4, -1).match(/[A-Za-z_][A-Za-z0-9_]*|"[^"]*"|[(),=]/g);
  let at = 0;
  const next = () => tokens[at++];
  const expr = () => {
    const name = next();
    if (['all', 'any', 'not'].includes(name)) {
      next(); // (
      const values = [];
      while (tokens[at] !== ')') {
        values.push(expr());
        if (tokens[at] === ',') next();
      }
      next(); // )
      if (name === 'not') return !values[0];
      return name === 'all' ? values.every(Boolean) : values.some(Boolean);
    }
    if (tokens[at] === '=') {
      next();
      return set.has(`${name}=${next()}`);
    }
    return set.has(name);
  };
  return expr();
}
const builtOnSomeTarget = (kind) => kind.target === null || TARGETS.some((t) => holds(kind.target, t));
const byId = new Map(meta.packages.map((p) => [p.id, p]));
const nodes = new Map(meta.resolve.nodes.map((n) => [n.id, n]));
const ours = new Set(meta.workspace_members);

// What the app is built from: its dependencies, followed through every kind but "dev".
const app = meta.packages.find((p) => p.name === 'incentise-payouts' && ours.has(p.id));
const shipped = new Set();
const todo = [app.id];
while (todo.length) {
  const id = todo.pop();
  for (const dep of nodes.get(id).deps) {
    const used = dep.dep_kinds.some((k) => k.kind !== 'dev' && builtOnSomeTarget(k));
    if (used && !shipped.has(dep.pkg)) {
      shipped.add(dep.pkg);
      todo.push(dep.pkg);
    }
  }
}

const LICENCE_FILE = /^(licen[cs]e|copying|notice|copyright)([-._].*)?$/i;
const texts = new Map(); // text -> the crates that ship it
const crates = [...shipped]
  .filter((id) => !ours.has(id))
  .map((id) => byId.get(id))
  .sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
for (const p of crates) {
  const dir = dirname(p.manifest_path);
  const files = readdirSync(dir).filter((f) => LICENCE_FILE.test(f)).sort();
  if (p.license_file && !files.includes(p.license_file)) files.push(p.license_file);
  for (const f of files) {
    let text;
    try {
      text = readFileSync(join(dir, f), 'utf8').replace(/\r\n/g, '\n').trim();
    } catch {
      continue; // a folder named LICENSES, say
    }
    if (!texts.has(text)) texts.set(text, []);
    texts.get(text).push(`${p.name} ${p.version}`);
  }
}

const lines = [
  'Incentise Payouts is built from these third-party crates (Rust packages). Each is listed',
  'with the licence it declares; the licence texts the crates ship follow, each once, with the',
  'crates that ship it. Written by scripts/third-party-licences.mjs from Cargo.lock.',
  '',
  `${crates.length} crates`,
  '',
  ...crates.map((p) => `${p.name} ${p.version}: ${p.license ?? `see ${p.license_file}`}${p.repository ? ` (${p.repository})` : ''}`),
];
for (const [text, owners] of texts) {
  lines.push('', '='.repeat(78), `Shipped by: ${owners.join(', ')}`, '-'.repeat(78), text);
}
const written = `${lines.join('\n')}\n`;

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(OUT, 'utf8');
  } catch {}
  if (current !== written) {
    console.error(`${OUT} is not up to date with Cargo.lock: run node scripts/third-party-licences.mjs`);
    process.exit(1);
  }
  console.log(`${OUT}: up to date (${crates.length} crates, ${texts.size} licence texts)`);
} else {
  writeFileSync(OUT, written);
  console.log(`${OUT}: ${crates.length} crates, ${texts.size} licence texts`);
}
