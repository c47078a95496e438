// The public REST API (README.md, "API"): every call resolves to parsed JSON or throws an
// ApiError carrying the server's message.

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

async function call(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch {
    throw new ApiError('Cannot reach the Reactor server. Check your connection and try again.', 0);
  }
  let json = null;
  try {
    json = await response.json();
  } catch {
    // A proxy's HTML error page, an empty body: fall through to the status text.
  }
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
