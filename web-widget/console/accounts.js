// Admin pages: users (用户) and the audit log (审计日志). User names and
// audit details are shown as text only.
import { api, downloadUrl, h, toast } from "./lib.js";

const ROLES = [["agent", "客服"], ["editor", "编辑"], ["admin", "管理员"]];
const roleSelect = (value, label) =>
  h("select", { "aria-label": label }, ROLES.map(([v, t]) => h("option", { value: v, selected: v === value }, t)));
const when = (iso) => new Date(iso).toLocaleString("zh-CN");

export const pages = [
  { id: "users", title: "用户", role: "admin", render: renderUsers },
  { id: "audit", title: "审计日志", role: "admin", render: renderAudit },
];

function renderUsers(root, ctx) {
  const error = h("p", { class: "error", role: "alert" });
  const name = h("input", { name: "name", required: true, autocomplete: "off" });
  const password = h("input", { name: "password", type: "password", required: true, minlength: "8", autocomplete: "new-password" });
  const role = roleSelect("agent", "新用户角色");
  const form = h("form", { "aria-label": "新增用户" },
    h("label", null, "用户名", name), h("label", null, "初始密码（至少 8 位）", password), h("label", null, "角色", role),
    h("button", { type: "submit" }, "新增用户"));
  const body = h("tbody");
  const table = h("table", null,
    h("thead", null, h("tr", null, ["用户名", "角色", "同时接待", "状态", "创建时间", "操作"].map((t) => h("th", null, t)))), body);
  root.append(h("div", { class: "panel" }, h("h2", null, "新增用户"), form, error), h("div", { class: "panel" }, h("h2", null, "全部用户"), table));

  async function change(user, patch, done) {
    error.textContent = "";
    try {
      await api("PUT", `/api/admin/users/${user.id}`, patch);
      toast(done);
      await load();
    } catch (e) { error.textContent = e.message; await load(); }
  }
  async function load() {
    let data;
    try { data = await api("GET", "/api/admin/users"); } catch (e) { error.textContent = e.message; return; }
    body.replaceChildren(...data.users.map((u) => {
      const sel = roleSelect(u.role, `${u.name} 的角色`);
      sel.onchange = () => change(u, { role: sel.value }, `已修改 ${u.name} 的角色`);
      const cap = h("input", { type: "number", min: "1", max: "50", value: String(u.max_concurrent), "aria-label": `${u.name} 的同时接待数`, style: "width:5em" });
      cap.onchange = () => change(u, { max_concurrent: Number(cap.value) }, `已修改 ${u.name} 的同时接待数`);
      const reset = h("button", { type: "button", class: "ghost", onclick: () => {
        const pw = prompt(`为 ${u.name} 设置新密码（至少 8 位）：`);
        if (pw) change(u, { password: pw }, `已重置 ${u.name} 的密码`);
      } }, "重置密码");
      const toggle = h("button", { type: "button", class: "ghost", onclick: () =>
        change(u, { disabled: !u.disabled }, u.disabled ? `已启用 ${u.name}` : `已停用 ${u.name}`) }, u.disabled ? "启用" : "停用");
      return h("tr", { "data-user": u.name },
        h("td", { class: "user-name" }, u.name), h("td", null, sel), h("td", null, cap),
        h("td", null, u.disabled ? "已停用" : "正常"), h("td", null, when(u.created_at)), h("td", null, reset, " ", toggle));
    }));
  }
  form.onsubmit = async (e) => {
    e.preventDefault();
    error.textContent = "";
    try {
      await api("POST", "/api/admin/users", { name: name.value.trim(), role: role.value, password: password.value });
      toast(`已创建用户 ${name.value.trim()}`);
      form.reset();
      await load();
    } catch (err) { error.textContent = err.message; }
  };
  load();
}

function renderAudit(root, ctx) {
  const p = ctx.params || {};
  const actor = h("input", { name: "actor", value: p.actor || "", placeholder: "用户名" });
  const action = h("input", { name: "action", value: p.action || "", placeholder: "如 login 或 user." });
  const from = h("input", { name: "from", type: "date", value: p.from || "" });
  const until = h("input", { name: "until", type: "date", value: p.until || "" });
  const error = h("p", { class: "error", role: "alert" });
  const query = () => new URLSearchParams(Object.entries({ actor: actor.value.trim(), action: action.value.trim(), from: from.value, until: until.value }).filter(([, v]) => v)).toString();
  const csv = h("a", { class: "button-link", href: "#", download: "audit.csv" }, "导出 CSV");
  const form = h("form", { "aria-label": "筛选审计日志" },
    h("label", null, "操作人", actor), h("label", null, "操作", action), h("label", null, "起始日期", from), h("label", null, "截止日期", until),
    h("button", { type: "submit" }, "筛选"), csv);
  const body = h("tbody");
  const table = h("table", { "aria-label": "审计日志" },
    h("thead", null, h("tr", null, ["时间", "操作人", "操作", "对象", "来源地址", "详情"].map((t) => h("th", null, t)))), body);
  root.append(h("div", { class: "panel" }, form, error), h("div", { class: "panel" }, table));

  async function load() {
    error.textContent = "";
    const q = query();
    csv.href = downloadUrl(`/api/admin/audit.csv${q ? "?" + q : ""}`);
    try {
      const data = await api("GET", `/api/admin/audit${q ? "?" + q : ""}`);
      body.replaceChildren(...data.entries.map((e) => h("tr", { "data-action": e.action },
        h("td", null, when(e.at)), h("td", null, e.actor), h("td", null, e.action), h("td", null, e.target),
        h("td", null, e.ip || ""), h("td", null, JSON.stringify(e.detail) === "{}" ? "" : JSON.stringify(e.detail)))));
      if (!data.entries.length) body.append(h("tr", null, h("td", { colspan: "6", class: "empty" }, "没有符合条件的记录")));
    } catch (err) { error.textContent = err.message; }
  }
  form.onsubmit = (e) => { e.preventDefault(); load(); };
  load();
}
