// Shared helpers of the console pages: DOM building (text only, never HTML),
// JSON calls to /api/admin with the CSRF header, download links.

let csrf = "";

/** Remembers the session's CSRF token (from login or /api/admin/me). */
export function setCsrf(token) { csrf = token || ""; }

/** The DOM builder (text only, never HTML), shared with the widget. */
export { h } from "./render.js";

/** An error from the API: `message` is the server's Chinese message, `status` and `code` as sent. */
export class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

/** Hook called when the session has ended (401); app.js shows the sign-in form. */
let onSignedOut = () => {};
export function whenSignedOut(f) { onSignedOut = f; }

/**
 * `api("POST", "/api/admin/x", body)` → parsed JSON; throws `ApiError` with the server's message.
 * A `Blob` body (e.g. a chosen file) is sent as it is, anything else as JSON.
 */
export async function api(method, path, body) {
  const headers = { accept: "application/json" };
  if (method !== "GET") headers["x-csrf-token"] = csrf;
  const raw = body instanceof Blob;
  if (body !== undefined) headers["content-type"] = raw ? body.type || "application/octet-stream" : "application/json";
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined || raw ? body : JSON.stringify(body), credentials: "same-origin" });
  } catch {
    throw new ApiError(0, "network", "无法连接服务器，请检查网络后重试");
  }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (!res.ok) {
    const err = data && data.error ? data.error : { code: "http_" + res.status, message: `请求失败（${res.status}）` };
    if (res.status === 401 && path !== "/api/admin/login") onSignedOut(err.message);
    throw new ApiError(res.status, err.code, err.message);
  }
  return data;
}

/** A URL the browser can download from (same origin: the session cookie goes along). */
export function downloadUrl(path) { return new URL(path, location.origin).href; }

/** Shows a short message at the bottom of the page. */
let toastTimer = 0;
export function toast(text) {
  const t = document.getElementById("toast");
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, 5000);
}
