// Requests to the daemon: the session's CSRF token on every change, errors as the daemon's message.
let csrf = '';

export async function session() {
  const r = await fetch('/api/session', { credentials: 'same-origin' });
  if (r.status === 401) throw Object.assign(new Error('signed out'), { status: 401 });
  const s = await r.json();
  csrf = s.csrf;
  return s;
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code;
    this.issues = body?.error?.issues ?? [];
    this.body = body;
  }
}

export async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') headers['x-holdfast-csrf'] = csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let data;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { error: { message: text.slice(0, 300) } };
  }
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}
