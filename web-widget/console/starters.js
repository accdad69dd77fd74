// 推荐问题 (editor+): the starter questions a new visitor is offered as chips
// in the widget's welcome, until enough visitors asked something (热门问题).
// Picked from the knowledge base, ordered, at most `max`; saved on the server
// (PUT /api/admin/starters), live in new widgets within seconds on every node.
// With none chosen, the configured `chat.starter_questions` apply.
import { api, h, toast } from "./lib.js";

function renderStarters(root) {
  let picked = []; // [{id, question, unavailable}]
  let max = 10;
  const status = h("p", { class: "muted", role: "status" });
  const list = h("ol", { class: "starters", "aria-label": "推荐问题（按顺序）" });
  const search = h("input", { type: "search", "aria-label": "查找条目", placeholder: "编号或问题中的词，如 VAT-007 或 发票" });
  const found = h("ul", { class: "qr-found" });
  const error = h("p", { class: "error", role: "alert" });
  const form = h("form", { "aria-label": "添加条目" }, h("label", null, "查找条目", search), h("button", { type: "submit" }, "查找"));
  const saveButton = h("button", { type: "button", onclick: () => store(picked.map((p) => p.id)) }, "保存并生效");
  const reset = h("button", { type: "button", class: "ghost", onclick: () => store([]) }, "恢复默认列表");
  root.append(h("div", { class: "panel" }, h("h1", null, "推荐问题"),
    h("p", { class: "muted" }, "访客打开咨询窗口时看到的问题按钮（热门问题尚未形成时显示）。按顺序展示前几条；已失效的条目会被跳过。保存后几秒内对所有新打开的窗口生效。"),
    status, list, h("div", { class: "actions" }, saveButton, reset), error, form, found));

  const move = (i, d) => { const j = i + d; if (j < 0 || j >= picked.length) return; [picked[i], picked[j]] = [picked[j], picked[i]]; draw(); };
  function draw() {
    list.replaceChildren(...picked.map((p, i) => h("li", { "data-entry": p.id },
      h("span", { class: "tag" }, p.id), " ", p.question || "（条目不存在）",
      p.unavailable ? h("span", { class: "tag expired" }, "已失效") : null, " ",
      h("button", { type: "button", class: "ghost", "aria-label": `上移 ${p.id}`, disabled: i === 0, onclick: () => move(i, -1) }, "上移"),
      h("button", { type: "button", class: "ghost", "aria-label": `下移 ${p.id}`, disabled: i === picked.length - 1, onclick: () => move(i, 1) }, "下移"),
      h("button", { type: "button", class: "ghost", "aria-label": `移出 ${p.id}`, onclick: () => { picked.splice(i, 1); draw(); } }, "移出"))));
    if (!picked.length) list.replaceChildren(h("li", { class: "empty" }, "未选择：查找条目并点“加入”。"));
  }
  function show(data, note) {
    picked = data.entries.map((e) => ({ ...e }));
    max = data.max;
    status.textContent = `${data.from_config ? "当前使用配置文件中的默认列表" : "当前使用编辑设置的列表"}（最多 ${max} 条）${note ? "。" + note : ""}`;
    draw();
  }
  async function store(ids) {
    error.textContent = "";
    try { show(await api("PUT", "/api/admin/starters", { entry_ids: ids }), "已保存"); toast("推荐问题已保存"); } catch (err) { error.textContent = err.message; }
  }
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    try {
      const data = await api("GET", `/api/admin/entries?q=${encodeURIComponent(search.value.trim())}`);
      found.replaceChildren(...data.entries.filter((e) => e.published).slice(0, 20).map((e) => h("li", null,
        h("span", { class: "tag" }, e.id), e.question, e.expired ? h("span", { class: "tag expired" }, "已失效") : null, " ",
        h("button", { type: "button", class: "ghost", disabled: e.expired, onclick: () => {
          if (picked.some((p) => p.id === e.id)) return toast(`${e.id} 已在列表中`);
          if (picked.length >= max) return toast(`最多 ${max} 条`);
          picked.push({ id: e.id, question: e.question, unavailable: false });
          draw();
        } }, "加入"))));
      if (!data.entries.length) found.replaceChildren(h("li", { class: "empty" }, "没有符合的条目"));
    } catch (err) { error.textContent = err.message; }
  };
  api("GET", "/api/admin/starters").then((d) => show(d), (err) => { error.textContent = err.message; });
}

export const pages = [{ id: "starters", title: "推荐问题", role: "editor", render: renderStarters }];
