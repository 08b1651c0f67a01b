// A real OpenID Connect provider for the portal's tests, built on panva's certified oidc-provider.
// NOT FOR PRODUCTION: plain http, users and passwords from a JSON file, no consent page, and
// unauthenticated test-control endpoints under /_test/.
//
//   node server.mjs --port PORT --config CONFIG.json [--exit-with-stdin]
//
// CONFIG.json: {
//   "clients": [{client_id, client_secret, redirect_uris, post_logout_redirect_uris,
//                redirect_uri_prefixes?, post_logout_redirect_uri_prefixes?}],
//   "users": [{sub, username, password, email, name, groups, disabled, mfa}],
//   "id_token_ttl": 300   // optional, seconds
// }
// A client's *_prefixes (optional) also allow any URI that starts with one of them, so a test
// server on a random port needs no registration. Logs go to stderr, never a secret or a token.

import * as crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import Provider, { interactionPolicy } from 'oidc-provider';

// The provider's clock, which PUT /_test/clock moves forward so that a test needs no sleep to
// see a later auth_time or an expired token. oidc-provider reads the time through Date.now.
const realNow = Date.now;
let clockOffsetMs = 0;
Date.now = () => realNow() + clockOffsetMs;

// oidc-provider prints its notices with console.info (stdout): everything goes to stderr, and
// stdout carries one line, "ready", once the server listens.
console.info = console.error;
console.log = console.error;
const log = (message) => console.error(`[oidc-provider-test] ${message}`);

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    config: { type: 'string' },
    // Exit when standard input closes: the test process that started us is gone.
    'exit-with-stdin': { type: 'boolean', default: false },
  },
});
const port = Number.parseInt(args.port ?? '', 10);
if (!Number.isInteger(port) || port <= 0 || port > 65535 || !args.config) {
  log('usage: node server.mjs --port PORT --config CONFIG.json');
  process.exit(2);
}
const config = JSON.parse(readFileSync(args.config, 'utf8'));
const issuer = `http://127.0.0.1:${port}`;
const ALL_SCOPES = 'openid email profile groups';
const USER_FIELDS = {
  sub: 'string', password: 'string', email: 'string', name: 'string',
  groups: 'array', disabled: 'boolean', mfa: 'boolean',
};

// ---------------------------------------------------------------------------------------------
// Users: the config's, changed by PUT /_test/users/:username, restored by POST /_test/reset.

let users = new Map();
function resetUsers() {
  users = new Map(config.users.map((user) => [user.username, {
    groups: [], disabled: false, mfa: false, ...structuredClone(user),
  }]));
}
resetUsers();
const userBySub = (sub) => [...users.values()].find((user) => user.sub === sub);

function sameSecret(given, expected) {
  const digest = (value) => crypto.createHash('sha256').update(String(value)).digest();
  return crypto.timingSafeEqual(digest(given), digest(expected));
}

function account(user) {
  return {
    accountId: user.sub,
    async claims() {
      return {
        sub: user.sub,
        email: user.email,
        email_verified: Boolean(user.email),
        name: user.name,
        preferred_username: user.username,
        groups: [...user.groups],
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Storage: an in-memory adapter whose store POST /_test/reset empties (every session, grant,
// code and token goes).

const store = new Map();
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode',
  'BackchannelAuthenticationRequest', 'PreAuthorizedCode']);
class MemoryAdapter {
  constructor(model) { this.model = model; }

  key(id) { return `${this.model}:${id}`; }

  async upsert(id, payload, expiresIn) {
    const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : Infinity;
    store.set(this.key(id), { payload, expiresAt });
  }

  async find(id) {
    const entry = store.get(this.key(id));
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      store.delete(this.key(id));
      return undefined;
    }
    return entry.payload;
  }

  async findByUid(uid) {
    for (const [key, { payload }] of store) {
      if (key.startsWith(`${this.model}:`) && payload.uid === uid) return this.find(key.slice(this.model.length + 1));
    }
    return undefined;
  }

  async findByUserCode() { return undefined; }

  async consume(id) {
    const entry = store.get(this.key(id));
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) { store.delete(this.key(id)); }

  async revokeByGrantId(grantId) {
    // Tokens and codes only: an Interaction also names its grant and must survive.
    for (const [key, { payload }] of store) {
      if (payload.grantId === grantId && GRANTABLE.has(key.split(':')[0])) store.delete(key);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Clients, keys, interaction policy.

const prefixes = new Map(config.clients.map((client) => [client.client_id, {
  redirect: client.redirect_uri_prefixes ?? [],
  postLogout: client.post_logout_redirect_uri_prefixes ?? [],
}]));

function prefixAllowed(clientId, kind, uri) {
  const url = URL.parse(uri ?? '');
  if (!url || url.username || url.password || url.hash) return false;
  return (prefixes.get(clientId)?.[kind] ?? []).some((prefix) => uri.startsWith(prefix));
}

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), alg: 'RS256', use: 'sig',
};

const policy = interactionPolicy.base();
policy.get('login').checks.add(new interactionPolicy.Check(
  'account_disabled',
  'the account is disabled',
  'access_denied',
  (ctx) => Boolean(userBySub(ctx.oidc.session.accountId)?.disabled),
));

const acrFor = (user) => (user.mfa ? 'urn:test:mfa' : 'urn:test:pwd');

const provider = new Provider(issuer, {
  adapter: MemoryAdapter,
  clients: config.clients.map((client) => ({
    client_id: client.client_id,
    client_secret: client.client_secret,
    redirect_uris: client.redirect_uris,
    post_logout_redirect_uris: client.post_logout_redirect_uris ?? [],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    // client_secret_post is accepted too: oidc-provider treats the two as one.
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  })),
  jwks: { keys: [signingKey] },
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  scopes: ['openid'],
  claims: {
    // acr, amr and auth_time ride on `openid`: every ID token carries them.
    openid: ['sub', 'acr', 'amr', 'auth_time'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
    groups: ['groups'],
    sid: null,
    iss: null,
  },
  acrValues: ['urn:test:pwd', 'urn:test:mfa'],
  conformIdTokenClaims: false,
  responseTypes: ['code'],
  clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
  pkce: { required: () => true },
  clientBasedCORS: () => false,
  findAccount: async (ctx, sub) => {
    const user = userBySub(sub);
    if (!user) return undefined;
    // A disabled account gets no tokens and no userinfo; the authorization endpoint answers
    // access_denied through the `account_disabled` check above.
    if (user.disabled && ['token', 'userinfo'].includes(ctx?.oidc?.route)) return undefined;
    return account(user);
  },
  // Consent is automatic: every configured client gets every scope (and claim) it asks for.
  loadExistingGrant: async (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    const found = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
    const grant = found ?? new ctx.oidc.provider.Grant({
      accountId: ctx.oidc.session.accountId, clientId: ctx.oidc.client.clientId,
    });
    grant.addOIDCScope(ALL_SCOPES);
    grant.addOIDCClaims([...ctx.oidc.requestParamClaims]);
    await grant.save();
    return grant;
  },
  interactions: { policy, url: async (ctx, interaction) => `/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false },
    dPoP: { enabled: false },
    pushedAuthorizationRequests: { enabled: false },
    userinfo: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        // oidc-provider asks for a confirmation; this page confirms by itself (and the form
        // can be posted by any HTTP client: action + hidden xsrf + logout=yes).
        const autoForm = form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>');
        ctx.body = page('Signing out', `${autoForm}
          <noscript><button type="submit" form="op.logoutForm">Sign out</button></noscript>
          <script>document.getElementById('op.logoutForm').submit()</script>`);
      },
      postLogoutSuccessSource: async (ctx) => {
        ctx.body = page('Signed out', '<h1>You are signed out</h1>');
      },
    },
  },
  ttl: {
    AccessToken: 300,
    AuthorizationCode: 60,
    IdToken: config.id_token_ttl ?? 300,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = page('Error', `<h1>Error</h1><p id="error">${escape(out.error)}</p>
      <p id="error_description">${escape(out.error_description ?? '')}</p>`);
  },
});
provider.proxy = false;

provider.Client.prototype.redirectUriAllowed = (function wrap(original) {
  return function redirectUriAllowed(uri) {
    return original.call(this, uri) || prefixAllowed(this.clientId, 'redirect', uri);
  };
}(provider.Client.prototype.redirectUriAllowed));
provider.Client.prototype.postLogoutRedirectUriAllowed = (function wrap(original) {
  return function postLogoutRedirectUriAllowed(uri) {
    return original.call(this, uri) || prefixAllowed(this.clientId, 'postLogout', uri);
  };
}(provider.Client.prototype.postLogoutRedirectUriAllowed));

for (const event of ['authorization.error', 'grant.error', 'userinfo.error', 'end_session.error',
  'discovery.error', 'jwks.error']) {
  provider.on(event, (ctx, err) => log(`${event}: ${err.error ?? err.name}: ${err.error_description ?? err.message}`));
}
provider.on('server_error', (ctx, err) => log(`server_error: ${err.stack}`));
provider.on('end_session.success', () => log('session ended (RP-initiated logout)'));
provider.on('authorization_code.saved', (code) => log(`code issued to ${code.clientId} for ${code.accountId}`));

// ---------------------------------------------------------------------------------------------
// HTML.

function escape(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:sans-serif;max-width:22rem;margin:3rem auto}label{display:block;margin:.6rem 0}
input{display:block;width:100%;padding:.3rem}.error{color:#b00020}</style></head>
<body>${body}</body></html>`;
}

function loginPage(uid, clientId, { error, username = '', mfa = false } = {}) {
  return page('Sign in - Test identity provider', `
<h1>Sign in</h1>
<p>Test identity provider, for <strong>${escape(clientId)}</strong></p>
${error ? `<p class="error" role="alert" id="error">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login" autocomplete="off">
  <label>Username <input name="username" id="username" value="${escape(username)}" autofocus required></label>
  <label>Password <input name="password" id="password" type="password" required></label>
  <label>One-time code${mfa ? '' : ' (if your account has MFA)'}
    <input name="otp" id="otp" inputmode="numeric" autocomplete="one-time-code"></label>
  <button type="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${escape(uid)}/abort">
  <button type="submit" id="cancel">Cancel</button>
</form>`);
}

// ---------------------------------------------------------------------------------------------
// Routes of our own, before oidc-provider's: the login page and the test-control endpoints.

async function readBody(req, limit = 64 * 1024) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function json(ctx, status, body) {
  ctx.status = status;
  ctx.body = body;
}

async function finish(ctx, result) {
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, {
    mergeWithLastSubmission: false,
  });
  ctx.status = 303;
  ctx.redirect(returnTo);
}

async function showInteraction(ctx) {
  const { uid, prompt, params } = await provider.interactionDetails(ctx.req, ctx.res);
  if (prompt.name === 'login') {
    const mustSignIn = ['no_session', 'login_prompt', 'max_age'].some((r) => prompt.reasons.includes(r));
    if (prompt.reasons.includes('account_disabled') && !mustSignIn) {
      log('authorization denied: the signed-in account is disabled');
      await finish(ctx, { error: 'access_denied', error_description: 'the account is disabled' });
      return;
    }
    ctx.type = 'html';
    ctx.body = loginPage(uid, params.client_id, { username: params.login_hint ?? '' });
    return;
  }
  // Any other prompt (consent after a claims request, say) is granted at once.
  await finish(ctx, {});
}

async function submitLogin(ctx) {
  const { uid, prompt, params } = await provider.interactionDetails(ctx.req, ctx.res);
  if (prompt.name !== 'login') {
    json(ctx, 400, { error: 'no login is pending for this interaction' });
    return;
  }
  const form = new URLSearchParams(await readBody(ctx.req));
  const username = form.get('username') ?? '';
  const user = users.get(username);
  const again = (error, mfa = false) => {
    ctx.type = 'html';
    ctx.body = loginPage(uid, params.client_id, { error, username, mfa });
  };
  if (!user || !sameSecret(form.get('password') ?? '', user.password)) {
    log(`login refused for ${JSON.stringify(username)}: unknown user or wrong password`);
    again('Invalid username or password.');
    return;
  }
  const otp = form.get('otp') ?? '';
  if (user.mfa && !/^[0-9]{6}$/.test(otp)) {
    log(`login refused for ${username}: a 6-digit one-time code is required`);
    again('Enter the 6-digit one-time code from your authenticator.', true);
    return;
  }
  if (user.disabled) {
    log(`login refused for ${username}: account disabled (access_denied)`);
    await finish(ctx, { error: 'access_denied', error_description: 'the account is disabled' });
    return;
  }
  const amr = user.mfa ? ['pwd', 'otp'] : ['pwd'];
  log(`login ok for ${username} amr=${amr.join(',')}`);
  await finish(ctx, {
    login: { accountId: user.sub, amr, acr: acrFor(user), remember: true },
  });
}

// Cancel: the person stops at the provider's page. Providers answer the client with
// access_denied, as oidc-provider's own development pages do.
async function abortLogin(ctx) {
  await provider.interactionDetails(ctx.req, ctx.res);
  log('login cancelled by the user (access_denied)');
  await finish(ctx, { error: 'access_denied', error_description: 'End-User aborted interaction' });
}

function checkUserFields(fields, creating) {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return 'body must be a JSON object';
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'username') continue;
    const type = USER_FIELDS[key];
    if (!type) return `unknown field ${key}`;
    const ok = type === 'array'
      ? Array.isArray(value) && value.every((v) => typeof v === 'string')
      : typeof value === type;
    if (!ok) return `${key} must be ${type === 'array' ? 'a list of strings' : `a ${type}`}`;
  }
  if (creating && (!fields.sub || !fields.password)) return 'a new user needs sub and password';
  return undefined;
}

function publicUser({ password, ...rest }) {
  return rest;
}

async function testControl(ctx) {
  const { remoteAddress } = ctx.req.socket;
  if (!['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(remoteAddress)) {
    json(ctx, 403, { error: 'test control is for 127.0.0.1 only' });
    return;
  }
  ctx.set('Cache-Control', 'no-store');
  if (ctx.method === 'GET' && ctx.path === '/_test/health') {
    json(ctx, 200, { status: 'ok', issuer });
    return;
  }
  if (ctx.method === 'PUT' && ctx.path === '/_test/clock') {
    let offset;
    try {
      offset = JSON.parse(await readBody(ctx.req)).offset;
    } catch {
      offset = undefined;
    }
    if (!Number.isFinite(offset)) {
      json(ctx, 400, { error: 'body must be {"offset": seconds}' });
      return;
    }
    clockOffsetMs = offset * 1000;
    log(`clock moved to ${offset} s from now`);
    json(ctx, 200, { offset });
    return;
  }
  if (ctx.method === 'POST' && ctx.path === '/_test/reset') {
    clockOffsetMs = 0;
    resetUsers();
    store.clear();
    log('reset: users restored, every session, grant, code and token dropped');
    json(ctx, 200, { status: 'reset' });
    return;
  }
  const match = /^\/_test\/users\/([^/]+)$/.exec(ctx.path);
  if (ctx.method === 'PUT' && match) {
    const username = decodeURIComponent(match[1]);
    let fields;
    try {
      fields = JSON.parse(await readBody(ctx.req));
    } catch {
      json(ctx, 400, { error: 'body must be JSON' });
      return;
    }
    const current = users.get(username);
    const problem = checkUserFields(fields, !current)
      ?? (fields.username !== undefined && fields.username !== username ? 'username cannot change' : undefined);
    if (problem) {
      json(ctx, 400, { error: problem });
      return;
    }
    const user = { groups: [], disabled: false, mfa: false, ...current, ...fields, username };
    users.set(username, user);
    log(`user ${username} ${current ? 'updated' : 'created'}: ${Object.keys(fields).join(', ')}`);
    json(ctx, 200, publicUser(user));
    return;
  }
  json(ctx, 404, { error: 'no such test-control endpoint' });
}

provider.use(async (ctx, next) => {
  const started = Date.now();
  try {
    if (ctx.path.startsWith('/_test/')) {
      await testControl(ctx);
    } else if (/^\/interaction\/[^/]+$/.test(ctx.path) && ctx.method === 'GET') {
      ctx.set('Cache-Control', 'no-store');
      await showInteraction(ctx);
    } else if (/^\/interaction\/[^/]+\/login$/.test(ctx.path) && ctx.method === 'POST') {
      ctx.set('Cache-Control', 'no-store');
      await submitLogin(ctx);
    } else if (/^\/interaction\/[^/]+\/abort$/.test(ctx.path) && ctx.method === 'POST') {
      ctx.set('Cache-Control', 'no-store');
      await abortLogin(ctx);
    } else {
      await next();
    }
  } catch (err) {
    // An expired or unknown interaction (no cookie, say) ends here rather than in a 500.
    log(`${ctx.method} ${ctx.path} failed: ${err.name}: ${err.error_description ?? err.message}`);
    ctx.status = err.statusCode ?? 500;
    ctx.type = 'html';
    ctx.body = page('Error', `<h1>Error</h1><p id="error">${escape(err.error ?? 'server_error')}</p>
      <p id="error_description">${escape(err.error_description ?? '')}</p>`);
  } finally {
    // The path only: query strings carry codes, states and id_token_hints.
    log(`${ctx.method} ${ctx.path} ${ctx.status} ${Date.now() - started}ms`);
  }
});

// ---------------------------------------------------------------------------------------------

const server = provider.listen(port, '127.0.0.1', () => {
  log(`listening, issuer ${issuer}`);
  process.stdout.write('ready\n');
});
server.on('error', (err) => {
  log(`cannot listen on 127.0.0.1:${port}: ${err.message}`);
  process.exit(1);
});

function shutdown(signal) {
  log(`${signal}: shutting down`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
if (args['exit-with-stdin']) {
  process.stdin.on('end', () => shutdown('standard input closed')).resume();
}
