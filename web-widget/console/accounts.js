// Admin pages: users (用户), API keys of integrations (API 密钥) and the audit
// log (审计日志). User names, key names and audit details are shown as text only.
import { api, downloadUrl, h, toast } from "./lib.js";

const ROLES = [["agent", "客服"], ["editor", "编辑"], ["admin", "管理员"]];
const roleSelect = (value, label) =>
  h("select", { "aria-label": label }, ROLES.map(([v, t]) => h("option", { value: v, selected: v === value }, t)));
const when = (iso) => new Date(iso).toLocaleString("zh-CN");

/** What each audited action code means (the code stays in the CSV and the API). */
const ACTIONS = {
  "login": "登录", "login.failed": "登录失败", "logout": "退出登录",
  "user.add": "新增用户", "user.role": "修改角色", "user.disable": "停用用户", "user.enable": "启用用户",
  "user.capacity": "修改同时接待数", "user.password": "重置密码",
  "apikey.add": "新建 API 密钥", "apikey.revoke": "吊销 API 密钥",
  "entry.save": "保存条目", "entry.publish": "发布条目", "starters.save": "修改推荐问题", "entry.rollback": "回滚条目", "entry.discard": "放弃草稿",
  "synonyms.save": "保存同义词", "dictionary.save": "保存词典", "kb.import": "导入知识库", "cluster.dismiss": "移出未解决问题",
  "handoff.accept": "接入会话", "handoff.transfer": "转接会话", "handoff.close": "结束会话", "ticket.answer": "答复留言",
  "canned.add": "添加快捷回复", "canned.update": "修改快捷回复", "canned.delete": "删除快捷回复",
};
const actionLabel = (code) => ACTIONS[code] || code;

export const pages = [
  { id: "users", title: "用户", role: "admin", render: renderUsers },
  { id: "apikeys", title: "API 密钥", role: "admin", render: renderApiKeys },
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

// API keys of integrations (/api/v1/ask and its SSE twin): a new key is shown
// once, with a copy button; only its name and dates are kept for the list.
function renderApiKeys(root) {
  const error = h("p", { class: "error", role: "alert" });
  const name = h("input", { name: "name", required: true, maxlength: "64", autocomplete: "off", placeholder: "如 微信机器人桥接" });
  const form = h("form", { "aria-label": "新建 API 密钥" },
    h("label", null, "接入方名称", name), h("button", { type: "submit" }, "生成密钥"));
  const fresh = h("div", { class: "fresh-key", role: "status", hidden: true });
  const body = h("tbody");
  const table = h("table", { "aria-label": "API 密钥" },
    h("thead", null, h("tr", null, ["编号", "接入方", "创建时间", "状态", "操作"].map((t) => h("th", null, t)))), body);
  root.append(
    h("div", { class: "panel" }, h("h2", null, "新建 API 密钥"),
      h("p", null, "第三方机器人调用 /api/v1/ask 时在请求头带上 Authorization: Bearer <密钥>。密钥只显示一次，服务器只保存其摘要。"),
      form, fresh, error),
    h("div", { class: "panel" }, h("h2", null, "全部密钥"), table));

  function showFresh(record) {
    const code = h("code", { class: "key" }, record.key);
    const copy = h("button", { type: "button", class: "ghost", onclick: async () => {
      try { await navigator.clipboard.writeText(record.key); toast("已复制密钥"); } catch { toast("无法访问剪贴板，请手动选中复制"); }
    } }, "复制");
    fresh.replaceChildren(h("p", null, `「${record.name}」的密钥（只显示这一次，请立即保存）：`), code, " ", copy);
    fresh.hidden = false;
  }
  async function load() {
    let data;
    try { data = await api("GET", "/api/admin/apikeys"); } catch (e) { error.textContent = e.message; return; }
    body.replaceChildren(...data.keys.map((k) => {
      const revoke = k.revoked_at ? null : h("button", { type: "button", class: "ghost", onclick: async () => {
        if (!confirm(`吊销「${k.name}」的密钥？使用它的接入方将立即无法调用。`)) return;
        error.textContent = "";
        try { await api("DELETE", `/api/admin/apikeys/${k.id}`); toast(`已吊销「${k.name}」的密钥`); } catch (e) { error.textContent = e.message; }
        await load();
      } }, "吊销");
      return h("tr", { "data-key": String(k.id) },
        h("td", null, `#${k.id}`), h("td", { class: "key-name" }, k.name), h("td", null, when(k.created_at)),
        h("td", { class: "key-state" }, k.revoked_at ? `已吊销（${when(k.revoked_at)}）` : "有效"), h("td", null, revoke));
    }));
    if (!data.keys.length) body.append(h("tr", null, h("td", { colspan: "5", class: "empty" }, "还没有 API 密钥")));
  }
  form.onsubmit = async (e) => {
    e.preventDefault();
    error.textContent = "";
    try {
      const record = await api("POST", "/api/admin/apikeys", { name: name.value.trim() });
      showFresh(record);
      form.reset();
      await load();
    } catch (err) { error.textContent = err.message; }
  };
  load();
}

function renderAudit(root, ctx) {
  const p = ctx.params || {};
  const actor = h("input", { name: "actor", value: p.actor || "", placeholder: "用户名" });
  const action = h("select", { name: "action", "aria-label": "操作" }, h("option", { value: "" }, "全部操作"),
    Object.entries(ACTIONS).map(([code, label]) => h("option", { value: code, selected: code === p.action }, label)));
  const from = h("input", { name: "from", type: "date", value: p.from || "" });
  const until = h("input", { name: "until", type: "date", value: p.until || "" });
  const error = h("p", { class: "error", role: "alert" });
  const query = () => new URLSearchParams(Object.entries({ actor: actor.value.trim(), action: action.value, from: from.value, until: until.value }).filter(([, v]) => v)).toString();
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
        h("td", null, when(e.at)), h("td", null, e.actor), h("td", { title: e.action }, actionLabel(e.action)), h("td", null, e.target),
        h("td", null, e.ip || ""), h("td", null, JSON.stringify(e.detail) === "{}" ? "" : JSON.stringify(e.detail)))));
      if (!data.entries.length) body.append(h("tr", null, h("td", { colspan: "6", class: "empty" }, "没有符合条件的记录")));
    } catch (err) { error.textContent = err.message; }
  }
  form.onsubmit = (e) => { e.preventDefault(); load(); };
  load();
}
