// The portal's only way to the platform: the same /api/... endpoints, a bearer token kept in sessionStorage
// (gone when the tab closes) and renewed once with the refresh token when the API answers 401.
const KEY = "edu.session";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `Lỗi ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

export function session() {
  try { return JSON.parse(sessionStorage.getItem(KEY)) || null; } catch { return null; }
}

export function saveSession(tokens, me) {
  const prev = session() || {};
  const next = { ...prev, access: tokens.access_token, refresh: tokens.refresh_token };
  if (me) next.me = me;
  sessionStorage.setItem(KEY, JSON.stringify(next));
  return next;
}

export function clearSession() { sessionStorage.removeItem(KEY); }

let refreshing = null;

async function refresh() {
  const s = session();
  if (!s?.refresh) return false;
  // One refresh at a time: a rotated refresh token presented twice would end the whole session.
  refreshing ??= fetch("/api/identity/auth/refresh", {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ refresh_token: s.refresh }),
  }).then(async (r) => {
    if (!r.ok) return false;
    saveSession(await r.json());
    return true;
  }).finally(() => { refreshing = null; });
  return refreshing;
}

export async function api(path, { method = "GET", body, auth = true, retry = true } = {}) {
  const headers = { accept: "application/json, application/problem+json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  const s = session();
  if (auth && s?.access) headers.authorization = `Bearer ${s.access}`;
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.status === 401 && auth && retry && (await refresh())) return api(path, { method, body, auth, retry: false });
  const type = r.headers.get("content-type") || "";
  const data = type.includes("json") ? await r.json() : null;
  if (!r.ok) {
    if (r.status === 401 && auth) {
      clearSession();
      location.hash = "#/dang-nhap";
    }
    throw new ApiError(r.status, data);
  }
  return data;
}

export const id = (path) => `/api/identity${path}`;
export const gb = (path) => `/api/gradebook${path}`;

// Grants of the signed-in account, by role: [{role, scope_type, scope_id}].
export function grants(role) {
  return (session()?.me?.grants || []).filter((g) => !role || g.role === role);
}

// Raw-body upload (evidence files) and authenticated download as a Blob (files behind the bearer token).
export async function upload(path, file, { retry = true } = {}) {
  const r = await fetch(path, { method: "POST", body: file, headers: {
    authorization: `Bearer ${session()?.access}`, "content-type": file.type || "application/octet-stream" } });
  if (r.status === 401 && retry && (await refresh())) return upload(path, file, { retry: false });
  const data = await r.json().catch(() => null);
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}

export async function download(path, { retry = true } = {}) {
  const r = await fetch(path, { headers: { authorization: `Bearer ${session()?.access}` } });
  if (r.status === 401 && retry && (await refresh())) return download(path, { retry: false });
  if (!r.ok) throw new ApiError(r.status, await r.json().catch(() => null));
  return r.blob();
}
