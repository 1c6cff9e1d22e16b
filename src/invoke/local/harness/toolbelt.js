// The toolbelt stand-in: `lp-faas-toolbelt` (V1) and `core-functions-toolbelt` (V2) as their
// published typings describe them. SecretClient reads the function's secrets (resolved by the
// console from env:NAME references or session secrets), HTTPClient and fetch make real requests
// but only to the function's allowlist, and the clients that talk to LivePerson's own services
// answer from the fixtures file beside the function. Part of the one platform layer; runs inside
// the harness's function scope.

// The domains the platform allows without an allowlist entry (as LivePerson's CLI lists them).
const DEFAULT_ALLOWED = ["adminlogin.liveperson.net", "ams-a.liveperson.net", "api.liveperson.net",
  "*.ac.liveperson.net", "*.acr.liveperson.net", "*.agentvep.liveperson.net",
  "*.data-mng.liveperson.net", "*.enghist.liveperson.net", "*.lp-msgewt.liveperson.net",
  "*.msghist.liveperson.net", "*.push.liveperson.net", "*.v.liveperson.net",
  "*.msg.liveperson.net", "*.objectstorage.liveperson.net"];

// What the platform's proxy answers for a domain that is not on the allowlist.
const PROXY_REFUSAL = "You do not have access to the page or resource you are trying to reach\n";

const ERROR_CODES = {
  Platform: { Secret: { NoToken: "com.liveperson.faas.handler.no-sa-token" } },
  Secret: {
    Invalid: "com.liveperson.faas.secret.invalid-format",
    Failure: "com.liveperson.faas.secret.op-failed",
    NotFound: "com.liveperson.faas.secret.not-found",
    AuthFailure: "com.liveperson.faas.secret.auth-failed",
  },
  Csds: { NotFound: "com.liveperson.faas.csds.domain.not-found", Failure: "com.liveperson.faas.csds.op-failed" },
};
const LP_SERVICES = { MSG_HIST: "msgHist", AGENT_VEP: "agentVep", ACCOUNT_CONFIG_READ_ONLY: "accountConfigReadOnly",
  ACCOUNT_CONFIG_READ_WRITE: "accountConfigReadWrite", ASYNC_MESSAGING: "asyncMessaging",
  ASYNC_MESSAGING_EN: "asyncMessagingEnt", ENG_HIST_DOMAIN: "engHistDomain", RTBF: "rtbf", AUDITLOG: "auditlog",
  SMT: "smt", PUSHER: "pusher", LE_DATA_REPORTING: "leDataReporting", MSG_EWT_API: "msgEwtAPI", MSDKGW: "msdkgw" };
const CONVERSATION_CONTENT_TYPES = { INFO: "info", SDES: "sdes", UNAUTH_SDES: "unAuthSdes", CAMPAIGN: "campaign",
  MESSAGE_RECORDS: "messageRecords", AGENT_PARTICIPANTS: "agentParticipants",
  AGENT_PARTICIPANTS_ACTIVE: "agentParticipantsActive", CONSUMER_PARTICIPANTS: "consumerParticipants",
  TRANSFERS: "transfers", INTERACTIONS: "interactions", MESSAGE_SCORES: "messageScores",
  MESSAGE_STATUSES: "messageStatuses", SKILL_CHANGES: "skillChanges", CONVERSATION_SURVEYS: "conversationSurveys",
  AGENT_PARTICIPANTS_LEAVE: "agentParticipantsLeave", COBROWSE_SESSIONS: "coBrowseSessions", SUMMARY: "summary",
  MONITORING: "monitoring", DIALOGS: "dialogs", RESPONSE_TIME: "responseTime", INTENTS: "intents",
  UNIQUE_INTENTS: "uniqueIntents", LATEST_AGENT_SURVEY: "latestAgentSurvey",
  PREVIOUSLY_SUBMITTED_AGENT_SURVEYS: "previouslySubmittedAgentSurveys" };
const SDE_TYPES = { CART: "cart", TRANSACTION: "purchase", VIEWED_PRODUCT: "prodView", CUSTOMER_INFO: "ctmrinfo",
  MARKETING_SOURCE: "mrktInfo", PERSONAL_INFO: "personal", LEAD: "lead", SERVICE_ACTIVITY: "service",
  VISITOR_ERROR: "error", SEARCHED_CONTENT: "searchInfo" };

// Whether a URL's host may be called: the allowlist (exact names, or `*.example.com`) and the
// platform's defaults, matched as LivePerson's CLI matches them.
function isAllowed(allowlist, url) {
  let hostname;
  try {
    hostname = new g.URL(String(url)).hostname;
  } catch (err) {
    return false;
  }
  if (!hostname) return false;
  const list = allowlist.concat(DEFAULT_ALLOWED).map((d) => String(d).toLowerCase());
  if (list.includes(hostname)) return true;
  const labels = hostname.split(".");
  const base = labels.slice(Math.max(labels.length - 2, 0));
  return list.includes("*." + base[0] + "." + base[1]);
}

function makeToolbelt(run, runtime) {
  const config = run.config;
  const fixtures = config.fixtures || {};
  const used = new Map();
  const fixtureFile = config.fixturesFile || "the fixtures file beside the function";

  // The fixture answer of `Client.method`: a value, {"$error": {...}}, or {"$sequence": [...]}.
  const answer = (key) => {
    if (!Object.prototype.hasOwnProperty.call(fixtures, key)) {
      return Promise.reject(
        moduleError("not available locally: add a fixture for " + key + " to " + fixtureFile, "NO_FIXTURE")
      );
    }
    let value = fixtures[key];
    if (value && typeof value === "object" && Array.isArray(value.$sequence)) {
      const n = used.get(key) || 0;
      used.set(key, n + 1);
      value = value.$sequence[Math.min(n, value.$sequence.length - 1)];
    }
    if (value && typeof value === "object" && value.$error !== undefined) {
      const e = value.$error || {};
      const err = new Error(typeof e === "string" ? e : String(e.message || "fixture error"));
      if (e && typeof e === "object" && e.code !== undefined) err.code = e.code;
      return Promise.reject(err);
    }
    run.note("Answered " + key + " from the fixtures.");
    return Promise.resolve(value === undefined ? undefined : JSON.parse(JSON.stringify(value)));
  };
  const fixtureClient = (name, methods) => {
    const client = {};
    for (const m of methods) client[m] = (...args) => answer(name + "." + m, args);
    return client;
  };

  class SecretError extends Error {
    constructor(code, message) {
      super(message);
      this.code = code;
    }
  }
  const secrets = Object.assign({}, config.secrets || {});
  const secretClient = {
    readSecret(key) {
      return new Promise((resolve, reject) => {
        if (Object.prototype.hasOwnProperty.call(secrets, key)) {
          resolve({ key, value: secrets[key] });
        } else {
          reject(new SecretError(ERROR_CODES.Secret.NotFound, "There is no Secret " + key + " for this account"));
        }
      });
    },
    updateSecret(updated) {
      return new Promise((resolve, reject) => {
        if (updated.value.length > 10000) {
          throw new SecretError(ERROR_CODES.Secret.Invalid, "Provided Secret Value exceeds allowed length of 10000");
        }
        if (!Object.prototype.hasOwnProperty.call(secrets, updated.key)) {
          reject(new SecretError(ERROR_CODES.Secret.Failure, "Updating Secret " + updated.key + " failed"));
          return;
        }
        secrets[updated.key] = updated.value;
        run.note("Secret " + updated.key + " was updated for this run only; the stored reference is unchanged.");
        resolve(updated);
      });
    },
  };

  // HTTPClient: the request-style client of LivePerson's CLI (over fetch), refused domains
  // answered as the platform's proxy answers them.
  const httpClient = async (param1, param2) => {
    const opts = Object.assign({}, typeof param1 === "object" && param1 !== null ? param1 : { url: param1 },
      typeof param2 === "object" && param2 !== null ? param2 : {});
    let url = opts.url || opts.uri;
    if (!isAllowed(config.allowlist || [], url)) {
      run.note("HTTPClient refused " + String(url) + ": its domain is not on the function's allowlist.");
      return { statusCode: 403, body: PROXY_REFUSAL };
    }
    const init = { method: (opts.method || "GET").toUpperCase(), headers: Object.assign({}, opts.headers || {}) };
    if (opts.auth) {
      init.headers.Authorization = "Basic " + g.Buffer.from(opts.auth.user + ":" + opts.auth.pass).toString("base64");
    }
    if (opts.json && opts.body !== undefined) {
      init.body = JSON.stringify(opts.body);
      init.headers["Content-Type"] = "application/json";
      if (!init.headers.Accept) init.headers.Accept = "application/json";
    } else if (opts.form) {
      init.body = new g.URLSearchParams(opts.form).toString();
      init.headers["Content-Type"] = "application/x-www-form-urlencoded";
    } else if (opts.body) {
      init.body = opts.body;
    }
    if (opts.qs) {
      const u = new g.URL(url);
      for (const k of Object.keys(opts.qs)) u.searchParams.append(k, opts.qs[k]);
      url = u.toString();
    }
    const res = await run.fetch(url, init);
    const consume = async () => {
      if (opts.encoding === null) return g.Buffer.from(await res.arrayBuffer());
      const text = await res.text();
      if (!opts.json) return text;
      try {
        return JSON.parse(text);
      } catch (err) {
        return text;
      }
    };
    if (!res.ok) {
      const body = await consume();
      const err = new Error("HTTP Error: " + res.status + " " + res.statusText);
      err.statusCode = res.status;
      err.error = body;
      err.options = opts;
      throw err;
    }
    return consume();
  };

  const conversationUtil = {
    getConversationById(conversationId, contentToRetrieve) {
      if (!conversationId) return Promise.reject(new Error("Please provide a conversation ID."));
      return answer("ConversationUtil.getConversationById", [conversationId, contentToRetrieve]);
    },
    scanConversationForKeywords(conversation, keywords) {
      if (!conversation) throw new Error("Please provide conversation object.");
      if (!keywords || keywords.length === 0) throw new Error("Please provide array containing keywords.");
      const transcript = conversation.conversationHistoryRecords[0].messageRecords;
      return keywords
        .map((keyword) =>
          transcript
            .filter((m) => ["HOSTED_FILE", "TEXT_PLAIN"].includes(m.type))
            .map((m) => ({
              message: m.type === "TEXT_PLAIN" ? m.messageData.msg.text : m.messageData.file.caption,
              sentTimestamp: m.timeL,
              sentBy: m.sentBy,
            }))
            .filter(({ message }) => message.match(new RegExp(keyword, "gmi")))
            .map((m) => Object.assign({}, m, { tag: "keywordRef:" + keyword }))
        )
        .reduce((acc, list) => acc.concat(list));
    },
  };
  const sdeUtil = {
    addSDEs(sdes, visitorId, sessionId) {
      if (!sdes || sdes.length === 0) return Promise.reject(new Error("Please provide one or more SDEs"));
      return answer("SDEUtil.addSDEs", [sdes, visitorId, sessionId]);
    },
    getSDEsFromConv(conversation) {
      try {
        if (!conversation || !Object.prototype.hasOwnProperty.call(conversation, "conversationHistoryRecords")) {
          throw new Error("Please provide a valid conversation.");
        }
        const record = conversation.conversationHistoryRecords[0];
        const sort = (s) => ({
          events: s.events.sort((a, b) => (a.serverTimeStamp < b.serverTimeStamp ? -1 : 1)),
        });
        return { sdes: sort(record.sdes || { events: [] }), unAuthSdes: sort(record.unAuthSdes || { events: [] }) };
      } catch (error) {
        throw new Error("Error while getting SDEs from conversation: " + error.message);
      }
    },
  };
  const salesforceConnection = () => {
    const call = (key, args) => {
      const cb = typeof args[args.length - 1] === "function" ? args[args.length - 1] : null;
      const p = answer(key, args);
      if (cb) p.then((r) => cb(null, r), (e) => cb(e));
      return p;
    };
    const sobject = () => {
      const o = {};
      for (const m of ["create", "retrieve", "update", "upsert", "destroy", "del", "find", "findOne", "describe"]) {
        o[m] = (...args) => call("SFClient.sobject." + m, args);
      }
      return o;
    };
    return {
      query: (...args) => call("SFClient.query", args),
      search: (...args) => call("SFClient.search", args),
      sobject,
    };
  };
  const CONTEXT_METHODS = ["createNamespace", "deleteNamespace", "getListOfNamespaces", "setPropertiesInNamespace",
    "updatePropertiesInNamespace", "getAllPropertiesInSession", "getSelectedPropertiesInSession",
    "getPropertyInSession", "deletePropertyInSession", "deleteSession", "getListOfSessions"];

  class Toolbelt {
    static SFClient() {
      return { connectToSalesforce: () => salesforceConnection() };
    }
    static HTTPClient() {
      return httpClient;
    }
    static SecretClient() {
      return secretClient;
    }
    static ConversationUtil() {
      return conversationUtil;
    }
    static SDEUtil() {
      return sdeUtil;
    }
    static GDPRUtil() {
      return fixtureClient("GDPRUtil", ["replaceConversationFiles"]);
    }
    static LpClient() {
      return (service, path, options) => answer("LpClient." + service, [path, options]);
    }
    static MTLSClient() {
      return fixtureClient("MTLSClient", ["get", "post", "put", "patch", "delete", "request"]);
    }
    static ContextServiceClient(cfg) {
      if (!cfg) throw new Error("No valid configuration was provided");
      if (!cfg.apiKey) throw new Error("No valid API-key was provided");
      if (!cfg.accountId) throw new Error("No valid accountId was provided");
      return fixtureClient("ContextServiceClient", CONTEXT_METHODS);
    }
  }
  const exports = {
    Toolbelt,
    ErrorCodes: ERROR_CODES,
    SecretError,
    LpServices: LP_SERVICES,
    ConversationContentTypes: CONVERSATION_CONTENT_TYPES,
    SDETypes: SDE_TYPES,
  };
  Object.defineProperty(exports, "__esModule", { value: true });
  return exports;
}
