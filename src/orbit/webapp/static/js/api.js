// The JSON API client: credentials live in sessionStorage (this tab only) and travel in a header,
// never in a URL, a cookie or the page. Errors come back as ApiError with the envelope's fields.

const KEY = "orbit.credential";

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** `[{field, message}]` of a validation error, or []. */
  get problems() {
    return Array.isArray(this.details) ? this.details.filter((d) => d && typeof d.field === "string") : [];
  }
}

export function credential() {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

export function setCredential(kind, secret) {
  sessionStorage.setItem(KEY, JSON.stringify({ kind, secret }));
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}

function authHeaders() {
  const c = credential();
  if (!c) return {};
  return c.kind === "bearer" ? { Authorization: `Bearer ${c.secret}` } : { "X-API-Key": c.secret };
}

function url(path, query) {
  const u = new URL(path, window.location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v === undefined || v === null || v === "") continue;
    u.searchParams.set(k, String(v));
  }
  return u.pathname + u.search;
}

async function send(path, { method = "GET", body, raw, query, signal, headers = {} } = {}) {
  const init = { method, signal, headers: { Accept: "application/json", ...authHeaders(), ...headers } };
  if (raw !== undefined) {
    init.body = raw; // a file as it is (a CSV upload); `headers` names its Content-Type
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  let resp;
  try {
    resp = await fetch(url(path, query), init);
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, "NETWORK", "The Orbit server could not be reached. Check your connection and try again.");
  }
  return resp;
}

async function failure(resp) {
  let payload = null;
  try {
    payload = await resp.json();
  } catch {
    /* not JSON: fall through */
  }
  const e = payload && payload.error;
  if (e) {
    const err = new ApiError(resp.status, e.code, e.message, e.details);
    err.retryAfter = resp.headers.get("Retry-After");
    return err;
  }
  return new ApiError(resp.status, "HTTP_" + resp.status, `The server answered ${resp.status}.`);
}

/** Calls the API; resolves to `{data, meta, status}`; rejects with ApiError (or AbortError). */
export async function api(path, options = {}) {
  const resp = await send(path, options);
  if (!resp.ok) throw await failure(resp);
  const payload = await resp.json();
  return { data: payload.data, meta: payload.meta || {}, status: resp.status };
}

/** Fetches a file with the credential header and hands it to the browser as a download. */
export async function download(path, fallbackName, { signal } = {}) {
  const resp = await send(path, { signal, headers: { Accept: "text/csv" } });
  if (!resp.ok) throw await failure(resp);
  const blob = await resp.blob();
  const disposition = resp.headers.get("Content-Disposition") || "";
  const match = /filename="?([^";]+)"?/i.exec(disposition);
  const name = match ? match[1] : fallbackName;
  const href = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = href;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
  return { name, bytes: blob.size, truncated: resp.headers.get("X-Export-Truncated") === "true" };
}
