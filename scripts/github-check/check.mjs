// Holds fake-github to GitHub's published API descriptions. Reads the directory
// `fake-github --dump DIR` wrote and checks
//   - every REST body against its operation's response schema (or the named component)
//     in @octokit/openapi's generated/api.github.com.json, with ajv (+ ajv-formats),
//     $refs resolved inside the description; and again with every object closed
//     (`additionalProperties: false` outside allOf/anyOf/oneOf), so a field the
//     description does not declare — a misspelt name — fails too;
//   - every request body deep-review sends (requests/, recorded by the publish tests
//     against the fake) against its operation's requestBody schema, open and closed;
//   - every GraphQL query text against @octokit/graphql-schema's schema.graphql
//     (graphql-js `validate`), and the fake's answer to it: executing the query over the
//     answer must give back exactly the answer (types, nullability, no extra fields).
// Usage: node check.mjs DUMP_DIR   (run from a directory with the packages installed)
// Exit 0: all conform; 1: something does not (each failure printed).
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(path.join(process.cwd(), "package.json"));
const Ajv = require("ajv").default;
const addFormats = require("ajv-formats").default;
const graphql = require("graphql");

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node check.mjs DUMP_DIR");
  process.exit(2);
}
const read = (p) => JSON.parse(fs.readFileSync(p, "utf8"));
// Read from node_modules directly: the packages' `exports` do not list these files.
const pkgDir = (name) => path.join(process.cwd(), "node_modules", name);
const openapiFile = path.join(pkgDir("@octokit/openapi"), "generated", "api.github.com.json");
const spec = read(openapiFile);
// OpenAPI 3.0's `nullable` beside `allOf`/`anyOf`/`$ref` (no `type`) is not JSON Schema:
// ajv refuses it. Rewrite it as `anyOf: [schema, {type: "null"}]`, which means the same.
// `closed`: also forbid undeclared properties (not inside a combination, where each
// branch declares only part of the object).
const rewrite = (node, closed, inCombination = false) => {
  if (Array.isArray(node)) return node.map((n) => rewrite(n, closed, inCombination));
  if (!node || typeof node !== "object") return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] = rewrite(v, closed, inCombination || ["allOf", "anyOf", "oneOf"].includes(k));
  }
  if (closed && out.properties && out.additionalProperties === undefined && !inCombination) {
    out.additionalProperties = false;
  }
  if (out.nullable === true && out.type === undefined) {
    delete out.nullable;
    return { anyOf: [out, { type: "null" }] };
  }
  return out;
};
const described = (closed) => ({
  ...spec,
  $id: closed ? "github-closed" : "github",
  components: rewrite(spec.components, closed),
  paths: rewrite(spec.paths, closed),
});
const schemaFile = path.join(pkgDir("@octokit/graphql-schema"), "schema.graphql");

let failures = 0;
let checked = 0;
const fail = (what, detail) => {
  failures += 1;
  console.log(`FAIL ${what}\n  ${detail.split("\n").join("\n  ")}`);
};
const pass = (what) => {
  checked += 1;
  console.log(`ok   ${what}`);
};

// ---- REST bodies against the OpenAPI description
const ajv = new Ajv({ strict: false, allErrors: true, verbose: false });
addFormats(ajv);
ajv.addSchema(described(false));
ajv.addSchema(described(true));

const pointer = (segments) =>
  "#/" + segments.map((s) => String(s).replace(/~/g, "~0").replace(/\//g, "~1")).join("/");
const at = (ref) =>
  ref
    .replace(/^#\//, "")
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((node, key) => (node == null ? undefined : node[key]), spec);

for (const entry of read(path.join(dir, "manifest.json"))) {
  const body = read(path.join(dir, entry.file));
  let ref;
  let what;
  if (entry.schema) {
    ref = entry.schema;
    what = `${entry.file} as ${entry.schema}`;
  } else {
    what = `${entry.file} as ${entry.method.toUpperCase()} ${entry.path} ${entry.status}`;
    const op = spec.paths?.[entry.path]?.[entry.method];
    if (!op) {
      fail(what, "no such operation in the description");
      continue;
    }
    let responsePath = ["paths", entry.path, entry.method, "responses", entry.status];
    let response = op.responses?.[entry.status];
    if (response?.$ref) {
      responsePath = response.$ref.replace(/^#\//, "").split("/");
      response = at(response.$ref);
    }
    if (!response?.content?.["application/json"]?.schema) {
      fail(what, `the operation has no application/json ${entry.status} response`);
      continue;
    }
    ref = pointer([...responsePath, "content", "application/json", "schema"]);
  }
  for (const [id, label] of [
    ["github", what],
    ["github-closed", `${what}, no undeclared fields`],
  ]) {
    let validate;
    try {
      validate = ajv.compile({ $ref: `${id}${ref}` });
    } catch (e) {
      fail(label, `cannot compile the schema: ${e.message}`);
      continue;
    }
    if (validate(body)) {
      pass(label);
    } else {
      const errors = validate.errors
        .slice(0, 25)
        .map((e) => `${e.instancePath || "/"} ${e.message}${e.params?.missingProperty ? "" : " " + JSON.stringify(e.params)}`);
      fail(label, [...new Set(errors)].join("\n"));
    }
  }
}

// The check must be able to fail: a pull request with a string number and a misspelt
// field is refused by both validations, or nothing above meant anything.
{
  const pulls = "/repos/{owner}/{repo}/pulls/{pull_number}";
  const ref = pointer(["paths", pulls, "get", "responses", "200", "content", "application/json", "schema"]);
  const good = read(path.join(dir, "rest", "pulls-get.json"));
  const broken = { ...good, number: String(good.number) };
  const misspelt = { ...good, titel: good.title };
  const open = ajv.compile({ $ref: `github${ref}` });
  const closed = ajv.compile({ $ref: `github-closed${ref}` });
  if (open(broken) || closed(misspelt) || !closed(good)) {
    fail("self-test", "the validators accept a broken pull request (or refuse the fake's): the check checks nothing");
  } else {
    pass("self-test: a string `number` and a misspelt `titel` are refused");
  }
}

// ---- Request bodies deep-review sends (the publish tests record them against the fake,
// `requests/*.json`: method, concrete path, body) against their operation's requestBody
// schema, open and closed like the responses.
const templateOf = (method, concrete) => {
  const parts = concrete.split("/");
  let best;
  for (const [template, item] of Object.entries(spec.paths)) {
    if (!item[method]) continue;
    const t = template.split("/");
    if (t.length !== parts.length) continue;
    if (!t.every((seg, i) => seg === parts[i] || /^\{[^}]+\}$/.test(seg))) continue;
    const literal = t.filter((seg) => !seg.startsWith("{")).length;
    if (!best || literal > best.literal) best = { template, literal };
  }
  return best?.template;
};
const requestSchema = (method, template) => {
  let segments = ["paths", template, method, "requestBody"];
  let body = spec.paths[template][method].requestBody;
  if (body?.$ref) {
    segments = body.$ref.replace(/^#\//, "").split("/");
    body = at(body.$ref);
  }
  return body?.content?.["application/json"]?.schema
    ? pointer([...segments, "content", "application/json", "schema"])
    : undefined;
};
const requestsDir = path.join(dir, "requests");
const requestFiles = fs.existsSync(requestsDir)
  ? fs.readdirSync(requestsDir).filter((f) => f.endsWith(".json")).sort()
  : [];
if (!requestFiles.length) {
  fail("requests/", "no request bodies were recorded (check.sh runs the publish tests with DEEP_REVIEW_GITHUB_REQUESTS set)");
}
for (const file of requestFiles) {
  const { method, path: concrete, body } = read(path.join(requestsDir, file));
  const m = String(method).toLowerCase();
  const template = templateOf(m, concrete);
  const what = `requests/${file}: ${method} ${template ?? concrete} request body`;
  if (!template) {
    fail(what, "no such operation in the description");
    continue;
  }
  const ref = requestSchema(m, template);
  if (!ref) {
    fail(what, "the operation takes no application/json body");
    continue;
  }
  for (const [id, label] of [
    ["github", what],
    ["github-closed", `${what}, no undeclared fields`],
  ]) {
    const validate = ajv.compile({ $ref: `${id}${ref}` });
    if (validate(body)) {
      pass(label);
    } else {
      fail(label, [...new Set(validate.errors.slice(0, 25).map((e) => `${e.instancePath || "/"} ${e.message}`))].join("\n"));
    }
  }
}
// And this check can fail too: a comment with a string line and a misspelt field.
{
  const template = "/repos/{owner}/{repo}/pulls/{pull_number}/reviews";
  const ref = requestSchema("post", template);
  const good = { commit_id: "a".repeat(40), body: "b", event: "COMMENT", comments: [{ path: "p", line: 3, side: "RIGHT", body: "c" }] };
  const open = ajv.compile({ $ref: `github${ref}` });
  const closed = ajv.compile({ $ref: `github-closed${ref}` });
  const stringLine = { ...good, comments: [{ ...good.comments[0], line: "3" }] };
  const misspelt = { ...good, comments: [{ ...good.comments[0], lines: 3 }] };
  if (open(stringLine) || closed(misspelt) || !closed(good)) {
    fail("self-test (requests)", "the request validators accept a broken review (or refuse a good one)");
  } else {
    pass("self-test: a review comment with a string `line` and a misspelt `lines` is refused");
  }
}

// JSON with object keys sorted (the dump's order is not the query's).
const canonical = (value) =>
  JSON.stringify(value, (_, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
      : v,
  );

// ---- GraphQL queries against the schema, and the answers against the queries
const schema = graphql.buildSchema(fs.readFileSync(schemaFile, "utf8"), { assumeValidSDL: true });
// An answer names no __typename unless asked: an interface or union value resolves to
// its __typename when present, else to the first possible type that has all its fields.
for (const type of Object.values(schema.getTypeMap())) {
  if (graphql.isAbstractType(type)) {
    type.resolveType = (value) =>
      value?.__typename ??
      schema.getPossibleTypes(type).find((t) => Object.keys(value ?? {}).every((k) => k in t.getFields()))?.name;
  }
}
const gqlDir = path.join(dir, "graphql");
for (const file of fs.readdirSync(gqlDir).filter((f) => f.endsWith(".graphql")).sort()) {
  const text = fs.readFileSync(path.join(gqlDir, file), "utf8");
  let document;
  try {
    document = graphql.parse(text);
  } catch (e) {
    fail(`graphql/${file}`, `does not parse: ${e.message}`);
    continue;
  }
  const errors = graphql.validate(schema, document);
  if (errors.length) {
    fail(`graphql/${file} against schema.graphql`, errors.map((e) => e.message).join("\n"));
    continue;
  }
  pass(`graphql/${file} against schema.graphql`);

  const sample = path.join(gqlDir, file.replace(/\.graphql$/, ".json"));
  if (!fs.existsSync(sample)) {
    fail(`graphql/${file}`, "no answer sample in the dump");
    continue;
  }
  const { variables, answer } = read(sample);
  // Interfaces (node(id:)) resolve by __typename, which the query does not ask for:
  // name the one type the query's inline fragment selects.
  const typed = JSON.parse(JSON.stringify(answer.data ?? null));
  graphql.visit(document, {
    InlineFragment(node) {
      if (typed?.node && node.typeCondition) typed.node.__typename = node.typeCondition.name.value;
    },
  });
  const result = await graphql.execute({ schema, document, rootValue: typed, variableValues: variables });
  const what = `graphql/${file.replace(/\.graphql$/, ".json")} (the fake's answer) against the query`;
  if (result.errors?.length) {
    fail(what, result.errors.map((e) => `${e.path?.join(".") ?? ""}: ${e.message}`).join("\n"));
  } else if (canonical(result.data) !== canonical(answer.data)) {
    fail(what, `the answer holds fields the query does not select, or misses some:\n  fake:     ${JSON.stringify(answer.data).slice(0, 400)}\n  executed: ${JSON.stringify(result.data).slice(0, 400)}`);
  } else {
    pass(what);
  }
}

const versions = ["@octokit/openapi", "@octokit/graphql-schema"]
  .map((p) => `${p}@${read(path.join(pkgDir(p), "package.json")).version}`)
  .join(", ");
console.log(`\n${checked} conform, ${failures} do not (${versions})`);
process.exit(failures ? 1 : 0);
