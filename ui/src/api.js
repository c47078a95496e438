// The public REST API (README.md, "API"): every call resolves to parsed JSON or throws an
// ApiError carrying the server's message.
import { askForToken, closePrompt, currentToken, forgetToken, tokenAccepted } from './token.js';

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

// The token goes only in the Authorization header, only to this origin (every path here
// is relative), and never into a URL or a log.
async function send(method, path, body, token) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  try {
    return await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError('Cannot reach the Reactor server. Check your connection and try again.', 0);
  }
}

async function readJson(response) {
  try {
    return await response.json();
  } catch {
    return null; // a proxy's HTML error page, an empty body: the status text says it
  }
}

// The server's answer when a call needs its API token (README.md, "Access control").
function asksForToken(response) {
  return response.status === 401 && /^Bearer\b/i.test(response.headers.get('www-authenticate') ?? '');
}

// A call refused for want of the token asks the person for it, retries with it, and asks
// again (with the server's reason) until the server takes one or the person declines.
async function sendWithToken(method, path, body) {
  let token = currentToken();
  let response = await send(method, path, body, token);
  while (asksForToken(response)) {
    const refused = token ? (await readJson(response))?.error ?? 'The server did not accept that token.' : null;
    if (token && token === currentToken()) forgetToken(); // the server's token changed
    token = await askForToken(refused);
    if (token === null) {
      throw new ApiError('This server needs its API token for that. Try again and enter the token when asked.', 401);
    }
    try {
      response = await send(method, path, body, token);
    } catch (error) {
      closePrompt();
      throw error;
    }
    if (!asksForToken(response)) tokenAccepted(token);
  }
  return response;
}

async function call(method, path, body) {
  const response = await sendWithToken(method, path, body);
  const json = await readJson(response);
  if (!response.ok) {
    const message = json?.error ?? `The server answered ${response.status} ${response.statusText}`.trim();
    throw new ApiError(message, response.status);
  }
  return json;
}

// {repoUrl, ref?, rootDir?, …build settings} → {id, message, url}; empty fields are left out.
export async function createDeployment(request) {
  const body = {};
  for (const [key, value] of Object.entries(request)) {
    if (value !== undefined && value !== null && value !== '') body[key] = value;
  }
  const created = await call('POST', '/deploy', body);
  window.dispatchEvent(new Event(DEPLOYED_EVENT));
  return created;
}

// Fired after every deployment this page starts (the list reloads on it).
export const DEPLOYED_EVENT = 'reactor:deployed';

export function getDeployment(id) {
  return call('GET', `/deployments/${encodeURIComponent(id)}`);
}

export async function listDeployments(limit = 20) {
  const json = await call('GET', `/deployments?limit=${limit}`);
  return json.deployments ?? [];
}

export function cancelDeployment(id) {
  return call('POST', `/deployments/${encodeURIComponent(id)}/cancel`);
}

// Projects (README.md, "Projects").
const projectPath = (name) => `/projects/${encodeURIComponent(name)}`;

export async function listProjects() {
  const json = await call('GET', '/projects');
  return json.projects ?? [];
}

export function getProject(name) {
  return call('GET', projectPath(name));
}

// {name, repoUrl, productionBranch?}; empty fields are left out.
export function createProject(project) {
  const body = {};
  for (const [key, value] of Object.entries(project)) {
    if (value !== undefined && value !== null && value !== '') body[key] = value;
  }
  return call('POST', '/projects', body);
}

export function updateProject(name, changes) {
  return call('PATCH', projectPath(name), changes);
}

export async function listProjectDeployments(name) {
  const json = await call('GET', `${projectPath(name)}/deployments`);
  return json.deployments ?? [];
}

// Builds `ref` (a branch, tag or commit), or the production branch without one.
export async function deployProject(name, ref) {
  const created = await call('POST', `${projectPath(name)}/deployments`, ref ? { ref } : {});
  window.dispatchEvent(new Event(DEPLOYED_EVENT));
  return created;
}

export function promoteDeployment(name, deploymentId) {
  return call('POST', `${projectPath(name)}/promote`, { deploymentId });
}

export function rollbackProject(name, deploymentId) {
  return call('POST', `${projectPath(name)}/rollback`, deploymentId ? { deploymentId } : {});
}

const variablePath = (name, variable) => `${projectPath(name)}/env/${encodeURIComponent(variable)}`;

// Saves a build variable; the answer ({name, scopes, updatedAt}) never holds its value.
export function setProjectVariable(name, variable, value, scopes) {
  return call('PUT', variablePath(name, variable), { value, scopes });
}

export function deleteProjectVariable(name, variable) {
  return call('DELETE', variablePath(name, variable));
}

// {name, branch?} → {name, branch, createdAt, token, path}: the token is shown this once.
export function createDeployHook(name, hook) {
  return call('POST', `${projectPath(name)}/deploy-hooks`, hook);
}

export async function listDeployHooks(name) {
  const json = await call('GET', `${projectPath(name)}/deploy-hooks`);
  return json.deployHooks ?? [];
}

export function deleteDeployHook(name, hook) {
  return call('DELETE', `${projectPath(name)}/deploy-hooks/${encodeURIComponent(hook)}`);
}

// {domain, state: 'pending_dns'|'active', error, dns: {cname, addresses?}, checkedAt, createdAt}
export function addCustomDomain(name, domain) {
  return call('POST', `${projectPath(name)}/domains`, { domain });
}

export async function listCustomDomains(name) {
  const json = await call('GET', `${projectPath(name)}/domains`);
  return json.domains ?? [];
}

export function removeCustomDomain(name, domain) {
  return call('DELETE', `${projectPath(name)}/domains/${encodeURIComponent(domain)}`);
}

// {paths: {github, gitlab, gitea}, secretSet, contentType}: never the secret itself.
export function getWebhook(name) {
  return call('GET', `${projectPath(name)}/webhook`);
}

// A new webhook secret, {paths, secret}: shown this once; the old one stops working.
export function rotateWebhookSecret(name) {
  return call('POST', `${projectPath(name)}/webhook/secret`, {});
}

// {endpoints: [{id, url, events, createdAt}], deliveries: [{id, endpointId, type, state,
// attempts, lastStatus, lastError, lastAttemptAt, nextAttemptAt, createdAt}]}.
export function listNotifications(name) {
  return call('GET', `${projectPath(name)}/notifications`);
}

// {url, events?} → the endpoint with its signing secret, shown this once.
export function addNotificationEndpoint(name, endpoint) {
  return call('POST', `${projectPath(name)}/notifications`, endpoint);
}

export function deleteNotificationEndpoint(name, id) {
  return call('DELETE', `${projectPath(name)}/notifications/${encodeURIComponent(id)}`);
}
