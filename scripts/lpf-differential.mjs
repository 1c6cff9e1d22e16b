#!/usr/bin/env node
// Runs every case in tests/differential/cases on LivePerson's own emulator (the FaasDebugger
// behind `lpf invoke NAME --local`, from an installed liveperson-functions-cli) and on the
// console's local runs (`survey-console invoke --code`, each engine), compares the result, the
// error code and the error message, and prints the agreement.
//
//   node scripts/lpf-differential.mjs --lpf DIR --console BIN [--engines quickjs,node] [--json FILE]
//
// DIR is a directory where `npm install liveperson-functions-cli@1.31.13` was run. The script
// makes an lpf project in a temporary directory (`lpf init`), and installs the platform's
// modules for the console into another (`survey-console modules install`); it writes nothing
// into the repository. A case is a .js file whose leading `// key: value` comments say:
//   input:     the envelope (JSON; default {"timestamp":1,"headers":[],"payload":{}})
//   env:       the function's environment variables (JSON object)
//   secrets:   the account's secrets (JSON object; lpf reads settings.json, the console env vars)
//   allow:     the allowlist (JSON array)
//   stricter:  the platform's documented rule is stricter than lpf here (why); not counted
//   needs:     node (the case needs Intl or Node built-ins: not counted for QuickJS)
// Exit status: 1 when an engine disagrees with lpf on a counted case.

import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 && at + 1 < args.length ? args[at + 1] : fallback;
};
const lpfRoot = option("--lpf");
const consoleBin = option("--console");
const engines = option("--engines", "quickjs,node").split(",");
const casesDir = option("--cases", path.join(here, "..", "tests", "differential", "cases"));
const jsonOut = option("--json");
if (!lpfRoot || !consoleBin) {
  console.error("usage: lpf-differential.mjs --lpf DIR --console BIN [--engines quickjs,node] [--json FILE]");
  process.exit(2);
}
const cli = path.join(lpfRoot, "node_modules", "liveperson-functions-cli");

// An lpf project, made the way an operator makes one.
const work = fs.mkdtempSync(path.join(os.tmpdir(), "lpf-diff-"));
const project = path.join(work, "project");
fs.mkdirSync(project);
execFileSync(process.execPath, [path.join(cli, "bin", "run"), "init", "difftest"], { cwd: project, stdio: "inherit" });
const modulesDir = path.join(work, "modules");
execFileSync(consoleBin, ["modules", "install", "--runtime", "v1"], {
  env: { ...process.env, SURVEY_CONSOLE_MODULES: modulesDir },
  stdio: "inherit",
});

function readCase(file) {
  const code = fs.readFileSync(file, "utf8");
  const meta = { input: { timestamp: 1, headers: [], payload: {} }, env: {}, secrets: {}, allow: [] };
  for (const line of code.split("\n")) {
    const m = /^\/\/\s*(\w+):\s*(.*)$/.exec(line);
    if (!m) break;
    const [, key, value] = m;
    meta[key] = ["input", "env", "secrets", "allow"].includes(key) ? JSON.parse(value) : value.trim();
  }
  return { name: path.basename(file, ".js"), code, meta };
}

// What lpf answers: {result} or {errorCode, errorMsg}, or null when it prints nothing.
function runLpf(c) {
  const dir = path.join(project, "functions", c.name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "index.js"), c.code);
  const environmentVariables = Object.entries(c.meta.env).map(([key, value]) => ({ key, value }));
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({
    name: c.name, event: null, description: "", input: c.meta.input,
    environmentVariables: environmentVariables.length ? environmentVariables : [{ key: "", value: "" }],
  }));
  fs.writeFileSync(path.join(project, "functions", "settings.json"), JSON.stringify({
    secrets: Object.entries(c.meta.secrets).map(([key, value]) => ({ key, value })),
    whitelist: c.meta.allow,
  }));
  const script = `const { FaasDebugger } = require(${JSON.stringify(path.join(cli, "lib", "shared", "faas-debugger"))});
new FaasDebugger({ indexPath: ${JSON.stringify(path.join(dir, "index.js"))}, configPath: ${JSON.stringify(path.join(dir, "config.json"))}, lambdaToInvoke: ${JSON.stringify(c.name)} }).runLocalInvocation();`;
  const out = spawnSync(process.execPath, ["-e", script], {
    cwd: project, env: { ...process.env, DEBUG_FUNCTION: c.name }, encoding: "utf8", timeout: 90000,
  });
  const text = out.stdout || "";
  const start = text.lastIndexOf("\n{\n") >= 0 ? text.lastIndexOf("\n{\n") + 1 : text.startsWith("{\n") ? 0 : -1;
  if (start < 0) return null;
  try {
    const answer = JSON.parse(text.slice(start));
    if (answer.errorCode !== undefined || answer.errorMsg !== undefined) {
      return { errorCode: answer.errorCode, errorMsg: answer.errorMsg };
    }
    return { result: answer.result === undefined ? null : answer.result };
  } catch (err) {
    return null;
  }
}

// What the console answers for the same case on an engine.
function runConsole(c, engine) {
  const dir = path.join(work, "console", c.name);
  fs.mkdirSync(dir, { recursive: true });
  const codeFile = path.join(dir, "index.js");
  const payloadFile = path.join(dir, "envelope.json");
  fs.writeFileSync(codeFile, c.code);
  fs.writeFileSync(payloadFile, JSON.stringify(c.meta.input));
  const flags = ["invoke", "--event", "messaging-survey-ended", "--payload", payloadFile, "--code", codeFile,
    "--engine", engine, "--json", "--no-history"];
  const env = { ...process.env, SURVEY_CONSOLE_MODULES: modulesDir };
  for (const [k, v] of Object.entries(c.meta.env)) flags.push("--env", `${k}=${v}`);
  Object.entries(c.meta.secrets).forEach(([k, v], i) => {
    env[`DIFF_SECRET_${i}`] = v;
    flags.push("--secret", `${k}=env:DIFF_SECRET_${i}`);
  });
  for (const d of c.meta.allow) flags.push("--allow", d);
  const out = spawnSync(consoleBin, flags, { env, encoding: "utf8", timeout: 90000 });
  let json;
  try {
    json = JSON.parse(out.stdout);
  } catch (err) {
    return { broken: (out.stderr || "").trim() };
  }
  const local = json.local || {};
  if (local.error) return { errorCode: local.error.code, errorMsg: local.error.value ?? local.error.message };
  if (!local.engine) return { broken: json.error ? json.error.message : "no local run" };
  return { result: local.result === undefined ? null : local.result };
}

// lpf's "Cannot find module" names its own file system after the message.
const normalize = (msg) => (typeof msg === "string" ? msg.split("\nRequire stack:")[0] : msg);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function agrees(lpf, mine) {
  if (mine.broken !== undefined) return false;
  if (lpf === null) return mine.errorCode !== undefined;
  if ("result" in lpf) return "result" in mine && same(lpf.result, mine.result);
  return mine.errorCode === lpf.errorCode && same(normalize(lpf.errorMsg), normalize(mine.errorMsg));
}

const cases = fs.readdirSync(casesDir).filter((f) => f.endsWith(".js")).sort().map((f) => readCase(path.join(casesDir, f)));
const rows = [];
const tally = Object.fromEntries(engines.map((e) => [e, { counted: 0, agreed: 0, excluded: 0 }]));
for (const c of cases) {
  const lpf = runLpf(c);
  const row = { case: c.name, lpf, stricter: c.meta.stricter || null, needs: c.meta.needs || null };
  for (const engine of engines) {
    const mine = runConsole(c, engine);
    const ok = agrees(lpf, mine);
    const excluded = !!c.meta.stricter || (engine === "quickjs" && c.meta.needs === "node");
    row[engine] = { answer: mine, agrees: ok, excluded };
    if (excluded) tally[engine].excluded++;
    else {
      tally[engine].counted++;
      if (ok) tally[engine].agreed++;
    }
  }
  rows.push(row);
  const marks = engines.map((e) => `${e} ${row[e].agrees ? "agrees" : row[e].excluded ? "differs (by design)" : "DIFFERS"}`);
  console.log(`${c.name.padEnd(40)} ${marks.join("  ")}`);
  for (const e of engines) {
    if (!row[e].agrees && !row[e].excluded) {
      console.log(`    lpf:  ${JSON.stringify(lpf)}\n    ${e}: ${JSON.stringify(row[e].answer)}`);
    }
  }
}
console.log("");
let failed = false;
for (const e of engines) {
  const t = tally[e];
  console.log(`${e}: agrees with lpf on ${t.agreed} of ${t.counted} counted cases (${t.excluded} excluded by design)`);
  if (t.agreed < t.counted) failed = true;
}
if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ tally, rows }, null, 2));
fs.rmSync(work, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
