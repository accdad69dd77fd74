// 快捷回复: admins keep the canned replies agents insert into their reply box,
// one list per team (a free-text team name; empty = every agent). Server:
// /api/admin/canned (GET for agents, POST/PUT/DELETE for admins).
import { api, h, toast } from "./lib.js";

export const pages = [{ id: "canned", title: "快捷回复", role: "admin", render: mount }];

function mount(root) {
  const list = h("ul", { class: "canned-list", "aria-label": "快捷回复列表" });
  const status = h("p", { class: "empty", role: "status" });
  const team = h("input", { "aria-label": "小组", placeholder: "小组（留空 = 所有客服）", maxlength: "32" });
  const title = h("input", { "aria-label": "标题", placeholder: "标题，如：问候", maxlength: "40", required: true });
  const text = h("textarea", { "aria-label": "回复内容", placeholder: "插入到回复框的内容", maxlength: "2000", required: true });
  const submit = h("button", { type: "submit" }, "添加");
  const cancel = h("button", { type: "button", class: "ghost", hidden: true }, "取消修改");
  const form = h("form", { class: "entry-form canned-form", "aria-label": "添加或修改快捷回复" }, team, title, text, h("div", null, submit, cancel));
  root.append(h("div", { class: "panel" }, h("h2", null, "快捷回复"),
    h("p", { class: "empty" }, "客服在工作台的“快捷回复”中选用；按小组分列，小组留空的回复所有客服都能看到。"), form, status, list));

  let editing = null;
  const reset = () => { editing = null; form.reset(); submit.textContent = "添加"; cancel.hidden = true; };
  cancel.onclick = reset;
  async function load() {
    let replies;
    try {
      replies = (await api("GET", "/api/admin/canned")).replies;
    } catch (err) { status.textContent = err.message; return; }
    status.textContent = replies.length ? "" : "还没有快捷回复";
    list.replaceChildren(...replies.map((r) => h("li", { class: "item", "data-canned": r.id },
      h("div", { class: "meta" }, h("span", { class: "tag" }, r.team || "通用"), h("strong", null, r.title),
        h("span", { class: "empty" }, `${r.updated_by} 更新于 ${new Date(r.updated_at).toLocaleString("zh-CN")}`)),
      h("div", { class: "first" }, r.text),
      h("button", { type: "button", class: "ghost", onclick: () => {
        editing = r.id;
        team.value = r.team; title.value = r.title; text.value = r.text;
        submit.textContent = "保存修改"; cancel.hidden = false;
        title.focus();
      } }, "修改"),
      h("button", { type: "button", class: "ghost", onclick: async () => {
        if (!confirm(`删除快捷回复“${r.title}”？`)) return;
        try { await api("DELETE", `/api/admin/canned/${r.id}`); } catch (err) { toast(err.message); return; }
        if (editing === r.id) reset();
        load();
      } }, "删除"))));
  }
  form.onsubmit = async (e) => {
    e.preventDefault();
    const body = { team: team.value.trim(), title: title.value.trim(), text: text.value.trim() };
    try {
      if (editing == null) await api("POST", "/api/admin/canned", body);
      else await api("PUT", `/api/admin/canned/${editing}`, body);
    } catch (err) { toast(err.message); return; }
    toast(editing == null ? "已添加" : "已保存");
    reset();
    load();
  };
  load();
}
