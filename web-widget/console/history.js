// 历史会话: closed conversations, closed last first, searched by message text
// or by the visitor name the desk shows (访客 NNNN), each opened read-only
// with its whole transcript (notes included). Server: GET /api/admin/history.
import { api, h, toast } from "./lib.js";
import { clock, line, visitorLabel } from "./agent.js";

/** Rows per page (the server allows at most 50). */
const PAGE = 20;

export const pages = [{ id: "history", title: "历史会话", role: "agent", render: mount }];

function mount(root) {
  const q = h("input", { type: "search", "aria-label": "搜索历史会话", placeholder: "消息内容、访客名称（如 访客 0042）或已验证的姓名", maxlength: "50" });
  const form = h("form", { class: "history-search" }, q, h("button", { type: "submit" }, "搜索"));
  const status = h("p", { class: "empty", role: "status" });
  const list = h("ul", { class: "history-list", "aria-label": "已结束的会话" });
  const prev = h("button", { type: "button", class: "ghost" }, "上一页");
  const next = h("button", { type: "button", class: "ghost" }, "下一页");
  const viewer = h("section", { class: "history-view", "aria-label": "会话记录（只读）", hidden: true });
  root.append(h("div", { class: "panel history" },
    h("h2", null, "历史会话"), form, status, list, h("div", { class: "pager" }, prev, next)), viewer);

  let offset = 0, asked = "", latest = 0;
  async function load() {
    const mine = ++latest; // an older search answered late must not replace a newer one
    status.textContent = "加载中…";
    const params = new URLSearchParams({ offset: String(offset), limit: String(PAGE) });
    if (asked) params.set("q", asked);
    let page;
    try {
      page = await api("GET", `/api/admin/history?${params}`);
    } catch (err) { if (mine === latest) status.textContent = err.message; return; }
    if (mine !== latest) return;
    status.textContent = page.conversations.length ? "" : (asked ? `没有找到包含“${asked}”的已结束会话` : "暂无已结束的会话");
    list.replaceChildren(...page.conversations.map((c) => h("li", { class: "item", "data-session": c.session_id },
      h("div", { class: "meta" },
        h("span", { class: "visitor-name", title: `会话 ${c.session_id}` }, visitorLabel(c)),
        c.visitor ? h("span", { class: "tag" }, c.visitor.verified ? "已验证" : "未验证") : null,
        h("time", { datetime: c.closed_at }, `结束于 ${clock(c.closed_at)}`),
        c.served_by ? h("span", null, `客服 ${c.served_by}`) : null,
        c.resolution ? h("span", { class: "tag" }, c.resolution) : null),
      h("div", { class: "first" }, c.first_question || "（未提问）"),
      h("button", { type: "button", class: "ghost", onclick: () => open(c.session_id) }, "查看记录"))));
    prev.disabled = offset === 0;
    next.disabled = !page.more;
  }
  async function open(id) {
    let c;
    try {
      c = await api("GET", `/api/admin/history/${encodeURIComponent(id)}`);
    } catch (err) { toast(err.message); return; }
    viewer.hidden = false;
    viewer.replaceChildren(
      h("header", null, h("h3", { title: `会话 ${c.session_id}` }, `${visitorLabel(c)} 的会话记录`),
        h("span", { class: "empty" }, [c.served_by ? `客服 ${c.served_by}` : "", c.resolution || ""].filter(Boolean).join(" · ")),
        h("button", { type: "button", class: "ghost", onclick: () => { viewer.hidden = true; } }, "关闭")),
      h("div", { class: "transcript", role: "log", "aria-label": `${visitorLabel(c)} 的会话记录` }, c.transcript.map(line)));
    viewer.scrollIntoView({ block: "nearest" });
  }
  form.onsubmit = (e) => { e.preventDefault(); asked = q.value.trim(); offset = 0; load(); };
  prev.onclick = () => { offset = Math.max(0, offset - PAGE); load(); };
  next.onclick = () => { offset += PAGE; load(); };
  load();
}
