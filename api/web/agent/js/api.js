// The agents' JSON API (handoff/API.md): one fetch wrapper with the session cookie,
// the CSRF header on every state-changing request, and the API's error bodies.

let csrfToken = null;
let onSessionLost = () => {};

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || `http_${status}`;
    this.messageZh = error.message_zh || "操作失败，请稍后重试";
  }
}

export function setCsrf(token) { csrfToken = token; }
export function whenSessionLost(callback) { onSessionLost = callback; }

function csrfFromCookie() {
  const match = document.cookie.match(/(?:^|;\s*)powerdesk_csrf=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : null;
}

export async function call(method, path, body) {
  const headers = {"Accept": "application/json"};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") {
    const token = csrfToken || csrfFromCookie();
    if (token) headers["X-CSRF-Token"] = token;
  }
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, {error: {code: "network", message: "network error", message_zh: "网络连接失败，请检查网络后重试"}});
  }
  if (response.status === 204) return null;
  let data = null;
  try { data = await response.json(); } catch { data = null; }
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    if (response.status === 401 && !path.endsWith("/login")) onSessionLost();
    throw error;
  }
  return data;
}

export const api = {
  login: (username, password) => call("POST", "/agents/login", {username, password}),
  logout: () => call("POST", "/agents/logout"),
  me: () => call("GET", "/agents/me"),
  setOnline: (online) => call("PUT", "/agents/me/status", {online}),
  handoffs: (status = "open") => call("GET", `/handoffs?status=${encodeURIComponent(status)}&limit=200`),
  handoff: (id) => call("GET", `/handoffs/${id}`),
  claim: (id) => call("POST", `/handoffs/${id}/claim`),
  reply: (id, text) => call("POST", `/handoffs/${id}/reply`, {text}),
  note: (id, text) => call("POST", `/handoffs/${id}/notes`, {text}),
  resolve: (id, csat) => call("POST", `/handoffs/${id}/resolve`, {csat}),
  transferToAgent: (id, agentId) => call("POST", `/handoffs/${id}/transfer`, {to: "agent", agent_id: agentId}),
  transferToBot: (id) => call("POST", `/handoffs/${id}/transfer`, {to: "bot"}),
  unmask: (id, field, reason) => call("POST", `/handoffs/${id}/unmask`, {field, reason}),
  audit: () => call("GET", "/handoffs/audit?limit=200"),
  canned: () => call("GET", "/handoffs/canned"),
  addCanned: (title, text) => call("POST", "/handoffs/canned", {title, text}),
  deleteCanned: (id) => call("DELETE", `/handoffs/canned/${id}`),
  complaints: (status = "all") => call("GET", `/handoffs/complaints?status=${status}`),
  setComplaint: (id, status) => call("POST", `/handoffs/complaints/${id}/status`, {status}),
  callbacks: (status = "all") => call("GET", `/handoffs/callbacks?status=${status}`),
  setCallback: (id, status) => call("POST", `/handoffs/callbacks/${id}/status`, {status}),
  agents: () => call("GET", "/agents"),
  colleagues: () => call("GET", "/agents/directory"),
  createAgent: (agent) => call("POST", "/agents", agent),
  updateAgent: (id, changes) => call("PATCH", `/agents/${id}`, changes),
};
