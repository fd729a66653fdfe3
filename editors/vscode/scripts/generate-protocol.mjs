// Compiles the server's protocol schema (`python -m orchestra_lsp.lsp.schema`, read
// from stdin) into src/generated/protocol.ts with json-schema-to-typescript.
// `--check` compares instead of writing and exits 1 when the checked-in file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';

const out = fileURLToPath(new URL('../src/generated/protocol.ts', import.meta.url));
const check = process.argv.includes('--check');
const schema = JSON.parse(readFileSync(0, 'utf8'));
const ts = await compile(schema, 'OrchestraProtocol', {
  bannerComment:
    '/* Generated from the server\'s pydantic models (server/orchestra_lsp/lsp/schema.py)\n' +
    ' * by json-schema-to-typescript. Do not edit: run `npm run generate` (see package.json). */',
  unreachableDefinitions: true,
  additionalProperties: false,
  style: { singleQuote: true, printWidth: 120 },
});
if (check) {
  let current = '';
  try {
    current = readFileSync(out, 'utf8');
  } catch {
    // missing: stale
  }
  if (current !== ts) {
    console.error(`${out} is out of date: run \`npm run generate\` in editors/vscode`);
    process.exit(1);
  }
} else {
  writeFileSync(out, ts);
}
