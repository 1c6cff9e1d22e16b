#!/usr/bin/env node
// Differential check of survey-console's LivePerson calls against LivePerson's own client,
// `liveperson-functions-client` 2.2. One capture server on 127.0.0.1 plays the platform
// (CSDS, the sentinel's token endpoint, the V1 and V2 gateways, their error bodies) and
// records every request; the official client and `survey-console invoke` run the same
// scenarios against it, and the requests and the reported errors are compared one by one.
//
//   node scripts/lp-client-differential.mjs CLIENT_DIR SURVEY_CONSOLE_BINARY
//
// CLIENT_DIR holds node_modules/liveperson-functions-client (installed with
// `npm install liveperson-functions-client@2.2` into a temp dir, never into the repository).
// The official client's hosts (CSDS at adminlogin.liveperson.net, the gateway and sentinel it
// lists) are sent to the capture server by wrapping Node's http/https request functions; the console is given the capture
// server as its `csds_url`. Exits 1 on any difference that is not a documented choice.

import { createRequire } from 'node:module';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import http from 'node:http';
import https from 'node:https';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [clientDir, binary] = process.argv.slice(2);
if (!clientDir || !binary) {
  console.error('usage: lp-client-differential.mjs CLIENT_DIR SURVEY_CONSOLE_BINARY');
  process.exit(2);
}
const run = promisify(execFile);
const require = createRequire(path.join(path.resolve(clientDir), 'index.js'));

const ACCOUNT = '12345678';
const CLIENT_ID = 'differential-client';
const SECRET = 'differential-secret';
const SOURCE = 'survey-console';
const PAYLOAD = { conversationId: 'c-1', csatRank: 2, skillName: 'CustomerCare' };

// ---- the capture server ----------------------------------------------------------------

let log = [];
let plan = []; // answers for the invoke route, in order; the last one repeats
let v2 = false;
let tokens = 0;
const started = Date.now();

function jwt(n) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ exp: Math.floor(Date.now() / 1000) + 3600, n })}.sig${n}`;
}

function answer(res, status, body, type = 'application/json') {
  res.writeHead(status, { 'Content-Type': type });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

const server = http.createServer((req, res) => {
  let raw = '';
  req.on('data', (c) => (raw += c));
  req.on('end', () => {
    const url = new URL(req.url, 'http://capture');
    const entry = {
      at: Date.now() - started,
      method: req.method,
      path: url.pathname,
      query: [...url.searchParams.entries()],
      headers: req.headers,
      body: raw,
    };
    log.push(entry);
    const p = url.pathname;
    if (p === `/api/account/${ACCOUNT}/service/baseURI.json`) {
      // The console is told the capture server; the official client, real-looking hosts
      // (rewritten to the capture server by the hook below).
      const official = !String(req.headers['user-agent'] || '').startsWith('survey-console');
      const host = `127.0.0.1:${server.address().port}`;
      const gw = official ? (v2 ? 'va.fninvocations.liveperson.net' : 'va.faasgw.liveperson.net') : host;
      const sentinel = official ? 'va.sentinel.liveperson.net' : host;
      return answer(res, 200, {
        baseURIs: [
          { service: 'faasGW', account: ACCOUNT, baseURI: gw },
          { service: 'sentinel', account: ACCOUNT, baseURI: sentinel },
          { service: 'faasUI', account: ACCOUNT, baseURI: gw },
        ],
      });
    }
    if (p === `/sentinel/api/account/${ACCOUNT}/app/token`) {
      tokens += 1;
      entry.issued = jwt(tokens);
      return answer(res, 200, { access_token: entry.issued, token_type: 'Bearer', expires_in: 3600 });
    }
    if (p.endsWith('/isImplemented')) {
      return answer(res, 200, { implemented: true });
    }
    if (p.endsWith('/invoke')) {
      const next = plan.length > 1 ? plan.shift() : plan[0];
      if (next.reset) {
        req.socket.destroy();
        return undefined;
      }
      return answer(res, next.status, next.body, next.type);
    }
    return answer(res, 404, 'no route', 'text/plain');
  });
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const capture = `http://127.0.0.1:${server.address().port}`;

// ---- the official client, its hosts sent to the capture server --------------------------

// Every request of this process to a liveperson.net host (got's for CSDS and the gateway,
// simple-oauth2's for the sentinel) goes to the capture server, over plain http.
const plainRequest = http.request;
for (const module of [http, https]) {
  const original = module.request;
  module.request = function request(...args) {
    const callback = args.find((a) => typeof a === 'function');
    const first = args[0];
    const url = typeof first === 'string' || first instanceof URL ? new URL(first) : null;
    const options = (url ? args[1] : first) || {};
    const options2 = typeof options === 'object' && !(options instanceof URL) ? options : {};
    const host = url ? url.hostname : String(options2.hostname || options2.host || '').replace(/:\d+$/, '');
    if (!host.endsWith('liveperson.net')) return original.apply(this, args);
    return plainRequest(
      {
        method: options2.method || 'GET',
        headers: options2.headers,
        hostname: '127.0.0.1',
        port: server.address().port,
        path: url ? url.pathname + url.search : options2.path,
      },
      callback,
    );
  };
}
const { Client } = require('liveperson-functions-client');

async function official(scenario) {
  const client = new Client({
    accountId: ACCOUNT,
    authStrategy: { clientId: CLIENT_ID, clientSecret: SECRET },
    failOnErrorStatusCode: true,
  });
  const data = {
    lpEventSource: SOURCE,
    body: { headers: [], payload: PAYLOAD },
    ...(scenario.skill !== undefined && { skillId: scenario.skill }),
    ...(scenario.lambda ? { lambdaUuid: scenario.lambda } : { eventId: scenario.eventId }),
  };
  try {
    if (scenario.isImplemented) {
      const implemented = await client.isImplemented({ eventId: scenario.eventId, externalSystem: SOURCE });
      // A second ask comes from the client's cache.
      await client.isImplemented({ eventId: scenario.eventId, externalSystem: SOURCE });
      return { ok: true, implemented };
    }
    const resp = await client.invoke(data);
    return { ok: true, status: resp.status };
  } catch (error) {
    const response = error?.jse_cause?.jse_cause?.jse_info?.response ?? error?.jse_cause?.jse_info?.response;
    const body = response?.body;
    return {
      ok: false,
      status: response?.status,
      code: body?.errorCode ?? body?.code,
      name: error.name,
      ...(process.env.LP_DIFF_DEBUG && { error: String(error.stack) }),
    };
  }
}

// ---- the console --------------------------------------------------------------------------

const EVENTS = {
  surveybot_messaging_survey_ended: 'messaging-survey-ended',
  surveybot_messaging_survey_started: 'messaging-survey-started',
  denver_post_survey_email_transcript: 'chat-post-survey-email-transcript',
};

async function consoleRun(scenario) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-lp-diff-'));
  const env = {
    ...process.env,
    XDG_DATA_HOME: path.join(home, 'data'),
    XDG_CONFIG_HOME: path.join(home, 'config'),
    LP_DIFF_SECRET: SECRET,
  };
  for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy']) {
    delete env[k];
  }
  const config = path.join(home, 'functions.json');
  const event = EVENTS[scenario.eventId];
  const set = ['functions', 'set', event, '--config', config, '--account-id', ACCOUNT, '--csds-url', capture];
  set.push('--platform', v2 ? 'v2' : 'v1', '--external-system', SOURCE, '--retries', '3');
  set.push('--client-id', CLIENT_ID, '--client-secret', 'env:LP_DIFF_SECRET');
  if (scenario.lambda) set.push('--invoke', 'lambda', '--lambda-uuid', scenario.lambda);
  else set.push('--invoke', 'event');
  if (scenario.skill !== undefined) set.push('--skill-id', scenario.skill);
  await run(binary, set, { env });
  try {
    if (scenario.isImplemented) {
      const { stdout } = await run(binary, ['functions', 'deployed', '--json', '--config', config], { env });
      const json = JSON.parse(stdout);
      const entry = json.events.find((e) => e.event === event);
      return { ok: true, implemented: entry?.implemented };
    }
    const file = path.join(home, 'payload.json');
    fs.writeFileSync(file, JSON.stringify(PAYLOAD));
    let out;
    try {
      ({ stdout: out } = await run(binary, ['invoke', '--event', event, '--payload', file, '--config', config, '--no-history', '--json'], { env }));
    } catch (e) {
      out = e.stdout; // exit 1: a failed invocation, still JSON
    }
    const json = JSON.parse(out);
    return json.error
      ? { ok: false, status: json.status ?? undefined, code: json.error.code, kind: json.error.kind }
      : { ok: true, status: json.status };
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

// ---- comparing ---------------------------------------------------------------------------

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
let differences = 0;
const documentedSeen = new Set();
function differ(scenario, what, a, b) {
  differences += 1;
  console.log(`  DIFFERENT ${what}\n    official: ${JSON.stringify(a)}\n    console:  ${JSON.stringify(b)}`);
}

// Differences that are deliberate and documented in the README: reported, not counted.
const DOCUMENTED = {
  userAgent: 'the console names itself: User-Agent survey-console/VERSION (README, LivePerson endpoints)',
  accept: 'the console accepts text and other types too, to explain HTML error pages and proxies',
};

function shape(entry, issued) {
  const h = entry.headers;
  const gateway = entry.path.includes('/events/') || entry.path.includes('/lambdas/');
  let body = entry.body;
  if (entry.path.endsWith('/app/token')) {
    body = Object.fromEntries([...new URLSearchParams(entry.body).entries()].filter(([, v]) => v !== ''));
  } else if (body) {
    try {
      const parsed = JSON.parse(body);
      body = { ...parsed, timestamp: typeof parsed.timestamp };
    } catch {
      body = `<not JSON: ${body.slice(0, 40)}>`;
    }
  }
  return {
    request: `${entry.method} ${entry.path}`,
    query: Object.fromEntries(entry.query),
    contentType: entry.path.endsWith('/invoke') ? h['content-type'] : undefined,
    // Which of the tokens the sentinel issued in this run (1 = the first).
    authorization: h.authorization
      ? h.authorization.replace(/^Bearer (.*)$/, (_, t) => `Bearer <token ${issued.indexOf(t) + 1}>`)
      : undefined,
    userAgent: gateway ? h['user-agent'] : undefined,
    accept: gateway ? h.accept : undefined,
    requestId: h['x-request-id'] ? UUID.test(h['x-request-id']) : undefined,
    eventSource: h['lp-eventsource'],
    body,
  };
}

function compareRequests(scenario, a, b) {
  // The official client asks CSDS afresh for the token's sentinel and for the gateway within
  // one process only when its cache is cold; both start cold here, so both lists line up.
  const issued = (entries) => entries.filter((e) => e.issued).map((e) => e.issued);
  const ra = a.map((e) => shape(e, issued(a)));
  const rb = b.map((e) => shape(e, issued(b)));
  if (scenario.consoleExtra) {
    console.log(`  documented: ${scenario.consoleExtra.why}`);
    rb.splice(rb.length - scenario.consoleExtra.requests);
  }
  const lines = (r) => r.map((x) => x.request);
  if (JSON.stringify(lines(ra)) !== JSON.stringify(lines(rb))) {
    differ(scenario, 'request sequence', lines(ra), lines(rb));
    return;
  }
  ra.forEach((x, i) => {
    for (const key of Object.keys(x)) {
      if (JSON.stringify(x[key]) === JSON.stringify(rb[i][key])) continue;
      if (DOCUMENTED[key]) {
        if (!documentedSeen.has(key)) {
          console.log(`  documented: ${key} ${JSON.stringify(x[key])} / ${JSON.stringify(rb[i][key])}: ${DOCUMENTED[key]}`);
          documentedSeen.add(key);
        }
        continue;
      }
      differ(scenario, `${x.request}: ${key}`, x[key], rb[i][key]);
    }
  });
  // Retries carry the first attempt's request id, in both.
  for (const [who, entries] of [['official', a], ['console', b]]) {
    const ids = entries.filter((e) => e.path.endsWith('/invoke')).map((e) => e.headers['x-request-id']);
    if (new Set(ids).size > 1) differ(scenario, `${who}: request ids across retries`, 'one id', ids);
  }
  const gaps = (entries) => {
    const at = entries.filter((e) => e.path.endsWith('/invoke')).map((e) => e.at);
    return at.slice(1).map((t, i) => t - at[i]);
  };
  const ga = gaps(a);
  const gb = gaps(b);
  if (ga.length) {
    console.log(`  retry spacing (ms): official ${ga.join(', ')}; console ${gb.join(', ')}`);
    // 350 ms × the attempt's number in both; allow for process and scheduling noise.
    ga.forEach((g, i) => {
      if (gb[i] === undefined || Math.abs(g - gb[i]) > 250) differ(scenario, 'retry spacing', ga, gb);
    });
  }
}

function compareOutcome(scenario, a, b) {
  const expected = scenario.expect;
  if (a.ok !== b.ok || (a.implemented ?? null) !== (b.implemented ?? null)) {
    differ(scenario, 'outcome', a, b);
    return;
  }
  if (!a.ok && a.code !== undefined && a.code !== b.code) differ(scenario, 'error code', a, b);
  if (!a.ok && a.status !== undefined && b.status !== undefined && a.status !== b.status) {
    differ(scenario, 'status', a, b);
  }
  if (expected && !a.ok) {
    if (b.kind !== expected.kind || (expected.code && b.code !== expected.code)) {
      differ(scenario, 'console error kind', expected, b);
    }
  }
  console.log(`  official: ${JSON.stringify(a)}\n  console:  ${JSON.stringify(b)}`);
}

const v1Error = (status, code) => ({ status, body: { errorCode: code, errorMsg: 'from the capture server' } });
const v2Error = (status, code) => ({ status, body: { code, message: 'from the capture server' } });
const ok = { status: 200, body: [] };
const html = { status: 502, type: 'text/html', body: '<html><body><h1>502 Bad Gateway</h1></body></html>' };

const scenarios = [
  { name: 'V1 event invocation', v2: false, eventId: 'denver_post_survey_email_transcript', plan: [ok] },
  { name: 'V1 event invocation with a skill', v2: false, eventId: 'surveybot_messaging_survey_ended', skill: '1234', plan: [ok] },
  { name: 'V1 lambda invocation', v2: false, eventId: 'surveybot_messaging_survey_started', lambda: '5e7a8a7b-0000-4000-8000-000000000001', plan: [ok] },
  { name: 'V2 event invocation', v2: true, eventId: 'denver_post_survey_email_transcript', skill: '1234', plan: [ok] },
  { name: 'V1 isImplemented', v2: false, eventId: 'surveybot_messaging_survey_ended', isImplemented: true, plan: [ok] },
  { name: 'V2 isImplemented', v2: true, eventId: 'surveybot_messaging_survey_ended', isImplemented: true, plan: [ok] },
  { name: 'V1 retries after 503, 503', v2: false, eventId: 'denver_post_survey_email_transcript', plan: [{ status: 503, body: {} }, { status: 503, body: {} }, ok] },
  { name: 'V1 retries after a reset', v2: false, eventId: 'denver_post_survey_email_transcript', plan: [{ reset: true }, ok] },
  { name: 'V1 es.badinput', v2: false, eventId: 'denver_post_survey_email_transcript', plan: [v1Error(400, 'com.liveperson.faas.es.badinput')], expect: { kind: 'platform', code: 'com.liveperson.faas.es.badinput' } },
  { name: 'V1 handler.custom-failure', v2: false, eventId: 'denver_post_survey_email_transcript', plan: [v1Error(500, 'com.liveperson.faas.handler.custom-failure')], expect: { kind: 'function' } },
  { name: 'V2 function.threw-error', v2: true, eventId: 'denver_post_survey_email_transcript', plan: [v2Error(500, 'com.customer.faas.function.threw-error')], expect: { kind: 'function' } },
  { name: 'V2 function.not-found', v2: true, eventId: 'denver_post_survey_email_transcript', plan: [v2Error(404, 'com.liveperson.faas.function.not-found')], expect: { kind: 'platform' } },
  { name: 'V1 401', v2: false, eventId: 'denver_post_survey_email_transcript', plan: [v1Error(401, 'com.liveperson.faas.es.general')], expect: { kind: 'auth' }, consoleExtra: { requests: 2, why: 'after a 401 the console takes a new token and tries once more (README, LivePerson endpoints)' } },
  { name: 'V2 403', v2: true, eventId: 'denver_post_survey_email_transcript', plan: [v2Error(403, 'com.liveperson.faas.evg.general')], expect: { kind: 'auth' } },
  { name: 'HTML 502 page, retried', v2: false, eventId: 'denver_post_survey_email_transcript', plan: [html], expect: { kind: 'platform' } },
];

for (const scenario of scenarios) {
  console.log(`\n${scenario.name}`);
  v2 = scenario.v2;
  plan = [...scenario.plan];
  log = [];
  const a = await official(scenario);
  const fromOfficial = log;
  plan = [...scenario.plan];
  log = [];
  const b = await consoleRun(scenario);
  const fromConsole = log;
  compareRequests(scenario, fromOfficial, fromConsole);
  compareOutcome(scenario, a, b);
}

server.close();
console.log(`\n${differences === 0 ? 'agreement' : `${differences} difference(s)`} over ${scenarios.length} scenarios`);
process.exit(differences === 0 ? 0 : 1);
