// taxbot console shell: sign-in form, role-aware navigation and hash routing
// over page modules. A page module exports
//   pages = [{ id, title, role, render(root, ctx) }]
// where `role` is the lowest role allowed ("agent" < "editor" < "admin") and
// `ctx` = { me, api, navigate(id, params) }; `render` may return a cleanup
// function, called when the user leaves the page. A page with `hidden: true`
// is reached by navigate() only, not from the navigation bar.
import { api, h, setCsrf, whenSignedOut } from "./lib.js";
import * as agent from "./agent.js";
import * as knowledge from "./knowledge.js";
import * as analytics from "./analytics.js";
import * as accounts from "./accounts.js";
import * as qr from "./qr.js";
import * as history from "./history.js";
import * as canned from "./canned.js";
import * as starters from "./starters.js";

const RANK = { agent: 1, editor: 2, admin: 3 };
const ROLE_NAMES = { agent: "客服", editor: "编辑", admin: "管理员" };
const ALL = [
  ...agent.pages,
  ...history.pages,
  ...canned.pages,
  ...knowledge.pages,
  ...starters.pages,
  ...qr.pages,
  ...analytics.pages,
  ...accounts.pages,
];
const $ = (id) => document.getElementById(id);

let me = null;
let leave = null;

const allowed = () => ALL.filter((p) => me && RANK[me.role] >= RANK[p.role]);

function parseHash() {
  const [id, query] = location.hash.replace(/^#\/?/, "").split("?");
  return { id, params: Object.fromEntries(new URLSearchParams(query || "")) };
}

function navigate(id, params = {}) {
  const q = new URLSearchParams(params).toString();
  const hash = `#/${id}${q ? "?" + q : ""}`;
  if (location.hash === hash) route(); else location.hash = hash;
}

function route() {
  if (!me) return;
  const pages = allowed();
  if (!pages.length) {
    $("view").replaceChildren(h("p", { class: "empty" }, "您的角色暂无可用页面。"));
    return;
  }
  const { id, params } = parseHash();
  const page = pages.find((p) => p.id === id) || pages[0];
  for (const a of $("nav").querySelectorAll("a")) a.toggleAttribute("aria-current", a.dataset.page === page.id);
  if (leave) { try { leave(); } catch { /* page cleanup must not block navigation */ } leave = null; }
  const root = h("section", { class: "page", "data-page": page.id, "aria-label": page.title });
  $("view").replaceChildren(root);
  document.title = `${page.title} · taxbot`;
  const done = page.render(root, { me, api, navigate, params });
  if (typeof done === "function") leave = done;
}

function showSignedIn(user) {
  me = user;
  setCsrf(user.csrf);
  $("login").hidden = true;
  $("view").hidden = false;
  $("who").hidden = false;
  $("nav").hidden = false;
  $("user-name").textContent = `${user.name}（${ROLE_NAMES[user.role] || user.role}）`;
  $("nav").replaceChildren(...allowed().filter((p) => !p.hidden).map((p) => h("a", { href: `#/${p.id}`, "data-page": p.id }, p.title)));
  route();
}

function showSignIn(message) {
  if (leave) { try { leave(); } catch { /* ignore */ } leave = null; }
  me = null;
  setCsrf("");
  $("view").replaceChildren();
  $("view").hidden = true;
  $("who").hidden = true;
  $("nav").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message || "";
  document.title = "登录 · taxbot 控制台";
  $("login-name").focus();
}

$("login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("login-error").textContent = "";
  const button = e.target.querySelector("button");
  button.disabled = true;
  try {
    const user = await api("POST", "/api/admin/login", { name: $("login-name").value.trim(), password: $("login-password").value });
    $("login-password").value = "";
    showSignedIn(user);
  } catch (err) {
    $("login-error").textContent = err.message;
  } finally {
    button.disabled = false;
  }
});

$("signout").addEventListener("click", async () => {
  try { await api("POST", "/api/admin/logout"); } catch { /* signed out either way */ }
  showSignIn("");
});

whenSignedOut((message) => { if (me) showSignIn(message || "登录已过期，请重新登录"); });
window.addEventListener("hashchange", route);

try {
  showSignedIn(await api("GET", "/api/admin/me"));
} catch (err) {
  showSignIn(err.status === 401 ? "" : err.message);
}
