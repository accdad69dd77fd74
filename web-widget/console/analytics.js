// Analytics pages of the console (editor+): the dashboard (service figures
// per day and channel with inline SVG charts), the 热搜榜 and the clusters of
// unanswered questions with one-step actions into the knowledge editor.
// Every taxpayer text is put in the page as text (h() makes text nodes).
import { h, downloadUrl, toast } from "./lib.js";

const BASE = "/api/admin/analytics";
const PERIODS = [["day", "今日"], ["week", "本周"], ["month", "本月"]];
const PERIOD_WORD = { day: "今日", week: "本周", month: "本月" };
const CHANNEL_NAMES = { all: "全部渠道", web: "网页", http: "接口", wechat: "微信" };

// Styles of these pages only, added once (the shell's console.css stays untouched).
const STYLE = `
.tiles{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.tile{border:1px solid #d0d7de;border-radius:8px;padding:10px 14px;min-width:120px}
.tile-value{font-size:1.4em;font-weight:600}.tile-title{color:#57606a;font-size:.9em}
.chart-box{margin:12px 0;max-width:680px}.chart{width:100%;height:auto}
.chart .bar{fill:#7aa7d9}.chart .line{stroke:#d9480f;stroke-width:2}.chart .dot{fill:#d9480f}
.chart .axis{stroke:#8c959f}.chart .tick{font-size:10px;fill:#57606a}
.legend .key{display:inline-block;width:12px;height:8px;padding:0;border-radius:0;margin:0 4px 0 10px}.legend .key-bar{background:#7aa7d9}.legend .key-line{background:#d9480f}
table.grid{border-collapse:collapse;margin:8px 0}table.grid th,table.grid td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
.tabs button[aria-selected=true]{font-weight:600;text-decoration:underline}
.cluster{border:1px solid #d0d7de;border-radius:8px;padding:10px 14px;margin:10px 0}
.cluster .actions button,.add-to-entry button{margin-right:8px}
.wordings{border:1px solid #d0d7de;border-radius:6px;margin:8px 0;padding:6px 10px}.wording{display:block;margin:2px 0}
.tried{padding-left:1.2em}.tried .hit{color:#1e5b26}.tried .miss{color:#b8262b}
.csv{font-size:.85em;font-weight:normal;margin-left:8px}.muted{color:#57606a}.reasons{margin:0;padding-left:1.2em}
section.page[data-page=dashboard],section.page[data-page=hot],section.page[data-page=unanswered]{padding:14px 18px}
.tabs button[aria-selected=true]{background:#b8262b;color:#fff;text-decoration:none}
details.terms{margin:6px 0 10px;max-width:900px}details.terms dt{font-weight:600;margin-top:4px}details.terms dd{margin:0 0 0 1.5em}
`;
function ensureStyle() {
  if (document.getElementById("analytics-style")) return;
  document.head.append(h("style", { id: "analytics-style" }, STYLE));
}

const pct = (x) => (x == null ? "—" : `${(x * 100).toFixed(1)}%`);
const secs = (x) => (x == null ? "—" : x < 60 ? `${Math.round(x)} 秒` : `${(x / 60).toFixed(1)} 分`);
const num = (x) => (x == null ? "—" : String(x));

/** An entry id that opens the entry in the editor. */
const entryLink = (id) => (id ? h("a", { href: `#/entry?id=${encodeURIComponent(id)}` }, id) : "—");

/** What the dashboard's figures mean (the full definitions are in docs/analytics.md). */
const TERMS = [
  ["咨询问题", "机器人作答的纳税人问题（直接回答、反问或未找到答案），不含寒暄和转人工指令。"],
  ["机器人解决率", "直接回答、未被点 👎、之后也没有转人工的问题占咨询问题的比例。"],
  ["人工接通率", "转人工请求中被客服接入的比例；排队 P50/P90 是从请求到接入的等待时间。"],
  ["满意率", "人工服务结束后纳税人给 4–5 星的比例。"],
  ["扫码查看", "纳税人扫描告知书或提示牌上的条目二维码打开答复的次数。"],
  ["统计周期", `按北京时间自然日统计；数据每分钟更新一次。`],
];
const terms = () => h("details", { class: "terms" }, h("summary", {}, "统计口径"),
  h("dl", {}, TERMS.flatMap(([t, d]) => [h("dt", {}, t), h("dd", {}, d)])));

function csvLink(path, label = "下载 CSV") {
  return h("a", { class: "csv", href: downloadUrl(path), download: "" }, label);
}

function table(columns, rows, empty = "暂无数据") {
  if (!rows.length) return h("p", { class: "empty" }, empty);
  return h("table", { class: "grid" },
    h("thead", {}, h("tr", {}, columns.map(([title]) => h("th", { scope: "col" }, title)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, columns.map(([, cell]) => h("td", {}, cell(r)))))));
}

function periodPicker(current, onPick) {
  return h("div", { class: "tabs", role: "tablist" }, PERIODS.map(([id, title]) =>
    h("button", { type: "button", role: "tab", "aria-selected": String(id === current), onclick: () => onPick(id) }, title)));
}

function failed(root, err) {
  root.replaceChildren(h("p", { class: "error", role: "alert" }, err.message || "加载失败"));
}

// ---- inline SVG charts (no library) ----

const SVG = "http://www.w3.org/2000/svg";
function s(tag, attrs, ...kids) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const kid of kids) e.append(kid);
  return e;
}

/** Bars (counts, left axis) with an optional line (a 0–1 rate, right axis), oldest day first. */
function chart(title, days, bars, line) {
  const W = 640, H = 200, L = 36, R = 40, T = 16, B = 28;
  const max = Math.max(1, ...days.map(bars.value));
  const step = (W - L - R) / Math.max(1, days.length);
  const y = (v) => T + (H - T - B) * (1 - v / max);
  const yr = (v) => T + (H - T - B) * (1 - v);
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title, class: "chart" });
  svg.append(s("title", {}, title));
  svg.append(s("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, class: "axis" }));
  svg.append(s("text", { x: 2, y: T + 4, class: "tick" }, String(max)));
  svg.append(s("text", { x: 2, y: H - B, class: "tick" }, "0"));
  days.forEach((d, i) => {
    const v = bars.value(d);
    const x = L + i * step + (step - Math.max(1, Math.min(48, step * 0.7))) / 2;
    const bar = s("rect", { x, y: y(v), width: Math.max(1, Math.min(48, step * 0.7)), height: H - B - y(v), class: "bar" });
    bar.append(s("title", {}, `${d.day} ${bars.name}：${v}`));
    svg.append(bar);
    if (days.length <= 10 || i % Math.ceil(days.length / 10) === 0) {
      svg.append(s("text", { x: L + i * step + step / 2, y: H - 8, class: "tick", "text-anchor": "middle" }, d.day.slice(5)));
    }
  });
  if (line) {
    const pts = days.map((d, i) => [L + i * step + step / 2, line.value(d)]).filter(([, v]) => v != null);
    if (pts.length) {
      svg.append(s("polyline", { points: pts.map(([x, v]) => `${x},${yr(v)}`).join(" "), class: "line", fill: "none" }));
      for (const [x, v] of pts) {
        const dot = s("circle", { cx: x, cy: yr(v), r: 3, class: "dot" });
        dot.append(s("title", {}, `${line.name}：${pct(v)}`));
        svg.append(dot);
      }
      svg.append(s("text", { x: W - R + 4, y: T + 4, class: "tick" }, "100%"));
    }
  }
  const legend = h("p", { class: "legend" }, h("span", { class: "key key-bar" }), bars.name, line ? [h("span", { class: "key key-line" }), line.name] : null);
  return h("figure", { class: "chart-box" }, h("figcaption", {}, title), svg, legend);
}

// ---- pages ----

async function renderDashboard(root, ctx) {
  root.replaceChildren(h("h1", {}, "数据看板"), h("p", { class: "muted" }, "加载中…"));
  let data;
  try { data = await ctx.api("GET", `${BASE}/figures`); } catch (err) { return failed(root, err); }
  const f = data.figures;
  const totals = f.days.filter((d) => d.channel === "all").slice().reverse();
  const sum = (k) => totals.reduce((a, d) => a + d[k], 0);
  const q = sum("questions"), req = sum("handoff_requests");
  const tiles = [
    ["咨询问题", num(q)],
    ["机器人解决率", pct(q ? sum("resolved") / q : null)],
    ["👎 答案", num(sum("downvoted"))],
    ["转人工请求", num(req)],
    ["人工接通率", pct(req ? sum("handoffs_connected") / req : null)],
    ["待处理留言", `${f.tickets.open}（超时 ${f.tickets.overdue}）`],
  ];
  const byChannel = [["日期", (d) => d.day], ["渠道", (d) => CHANNEL_NAMES[d.channel] || d.channel],
    ["问题", (d) => num(d.questions)], ["已回答", (d) => num(d.answered)], ["解决", (d) => num(d.resolved)],
    ["解决率", (d) => pct(d.resolution_rate)], ["👎", (d) => num(d.downvoted)], ["转人工", (d) => num(d.handoff_requests)],
    ["接通", (d) => num(d.handoffs_connected)], ["接通率", (d) => pct(d.connect_rate)],
    ["排队 P50", (d) => secs(d.wait_p50_secs)], ["排队 P90", (d) => secs(d.wait_p90_secs)]];
  const entryCols = [["条目", (e) => entryLink(e.entry_id)], ["问题", (e) => e.question], ["回答次数", (e) => num(e.answers)],
    ["👎", (e) => num(e.downvotes)], ["👎 率", (e) => pct(e.downvote_rate)],
    ["原因", (e) => (e.reasons.length ? h("ul", { class: "reasons" }, e.reasons.slice(0, 5).map((r) => h("li", {}, r))) : "—")]];
  const agentCols = [["客服", (a) => a.agent_id || "未知"], ["评价数", (a) => num(a.ratings)],
    ["平均星级", (a) => a.average_stars.toFixed(2)], ["满意率（4–5 星）", (a) => pct(a.csat)]];
  root.replaceChildren(
    h("h1", {}, "数据看板"),
    h("p", { class: "muted" }, `统计于 ${data.computed_at ? new Date(data.computed_at).toLocaleString("zh-CN") : "—（首次统计尚未完成）"}`),
    terms(),
    h("div", { class: "tiles" }, tiles.map(([t, v]) => h("div", { class: "tile" }, h("div", { class: "tile-value" }, v), h("div", { class: "tile-title" }, t)))),
    totals.length ? chart("每日咨询量与机器人解决率", totals, { name: "问题数", value: (d) => d.questions }, { name: "解决率", value: (d) => d.resolution_rate }) : null,
    totals.length ? chart("每日转人工与人工接通率", totals, { name: "转人工", value: (d) => d.handoff_requests }, { name: "接通率", value: (d) => d.connect_rate }) : null,
    h("h2", {}, "按日、按渠道 ", csvLink(`${BASE}/figures.csv`)),
    table(byChannel, f.days),
    h("h2", {}, "👎 最多的条目 ", csvLink(`${BASE}/entries.csv`)),
    table(entryCols, f.entries, "暂无 👎"),
    h("h2", {}, "客服满意度 ", csvLink(`${BASE}/agents.csv`)),
    table(agentCols, f.agents, "暂无评价"),
    h("h2", {}, "扫码查看（二维码一次性告知）"),
    table([["条目", (e) => entryLink(e.entry_id)], ["问题", (e) => e.question], ["扫码次数", (e) => num(e.scans)]], f.scans || [], "暂无扫码"));
}

function renderHot(root, ctx, period = ctx.params?.period || "week") {
  const body = h("div", {}, h("p", { class: "muted" }, "加载中…"));
  root.replaceChildren(h("h1", {}, "热搜榜"), periodPicker(period, (p) => renderHot(root, ctx, p)),
    h("p", {}, csvLink(`${BASE}/hot.csv?period=${period}`)), body);
  ctx.api("GET", `${BASE}/hot?period=${period}`).then((data) => {
    body.replaceChildren(table([["#", (r) => String(data.items.indexOf(r) + 1)], ["条目", (r) => entryLink(r.id)],
      ["问题", (r) => r.question], [`${PERIOD_WORD[period]}会话数`, (r) => num(r.count)]], data.items, "这段时间还没有回答过的问题"));
  }, (err) => failed(body, err));
}

/**
 * "加入已有条目": search entries, pick which of the cluster's wordings to add
 * (none preselected: a wrong paraphrase would be answered with this entry),
 * add them to the entry's draft, 试一试 each against the draft, then publish.
 */
function addToEntry(card, ctx, cluster) {
  const results = h("ul", { class: "picker" });
  const input = h("input", { type: "search", placeholder: "搜索条目（问题或编号）", value: cluster.label, "aria-label": "搜索条目" });
  const search = async () => {
    try {
      const data = await ctx.api("GET", `/api/admin/entries?q=${encodeURIComponent(input.value.trim())}`);
      const list = Array.isArray(data) ? data : data.entries || data.items || [];
      results.replaceChildren(...list.slice(0, 10).map((e) => h("li", {},
        h("button", { type: "button", onclick: () => choose(e) }, `${e.id} ${e.question || ""}`))));
      if (!list.length) results.replaceChildren(h("li", { class: "empty" }, "没有找到条目"));
    } catch (err) { toast(err.message); }
  };
  const choose = (e) => {
    const boxes = cluster.questions.map((q) => h("input", { type: "checkbox", value: q }));
    const chosen = () => boxes.filter((b) => b.checked).map((b) => b.value);
    const go = h("button", { type: "button", disabled: true }, "加入草稿并试一试");
    const group = h("fieldset", { class: "wordings" },
      h("legend", {}, `选择要加入条目 ${e.id}「${e.question || ""}」的问法（只选意思相同的）`),
      cluster.questions.map((q, i) => h("label", { class: "wording" }, boxes[i], " ", q)));
    group.onchange = () => { go.disabled = !chosen().length; };
    go.onclick = () => addAndTry(e, chosen());
    box.replaceChildren(group, go, h("button", { type: "button", class: "ghost", onclick: () => { box.remove(); addToEntry(card, ctx, cluster); } }, "换一个条目"));
  };
  const addAndTry = async (e, questions) => {
    try {
      await ctx.api("POST", `/api/admin/entries/${encodeURIComponent(e.id)}/similar`, { questions });
      const { results: tried } = await ctx.api("POST", "/api/admin/try", { questions });
      const hits = tried.filter((t) => t.result.candidates[0]?.id === e.id).length;
      box.replaceChildren(
        h("p", {}, `已把 ${questions.length} 个问法加入条目 ${e.id} 的草稿。试一试（按草稿）：${hits}/${tried.length} 个问法首选该条目。`),
        h("ul", { class: "tried" }, tried.map((t) => {
          const top = t.result.candidates[0];
          const ok = top && top.id === e.id;
          return h("li", { class: ok ? "hit" : "miss" }, ok ? "✔ " : "✘ ", t.question, " → ",
            top ? `${top.id}（${(top.confidence * 100).toFixed(0)}%，${DECISION_WORD[t.result.decision] || t.result.decision}）` : "无候选");
        })),
        h("button", { type: "button", onclick: async () => {
          try {
            await ctx.api("POST", `/api/admin/entries/${encodeURIComponent(e.id)}/publish`);
            toast("已发布；下次统计时这些问题会从未解决列表中消失");
          } catch (err) { toast(err.message); }
        } }, "发布"),
        h("button", { type: "button", class: "ghost", onclick: () => ctx.navigate("entry", { id: e.id }) }, "打开条目（可删改问法）"));
    } catch (err) { toast(err.message); }
  };
  const box = h("div", { class: "add-to-entry" },
    h("form", { onsubmit: (ev) => { ev.preventDefault(); search(); } }, input, h("button", { type: "submit" }, "搜索")), results);
  card.append(box);
  search();
}

const DECISION_WORD = { answer: "直接回答", clarify: "反问", no_match: "未找到", out_of_scope: "非涉税" };

function clusterCard(ctx, cluster, period, reload) {
  const card = h("article", { class: "cluster", "data-cluster": cluster.id },
    h("h3", {}, cluster.label),
    h("p", { class: "muted" }, `${PERIOD_WORD[period]} ${cluster.askers} 人问到，共 ${cluster.count} 次`),
    h("ul", { class: "examples" }, cluster.examples.map((q) => h("li", {}, q))),
    cluster.questions.length > cluster.examples.length ? h("p", { class: "muted" }, `另有 ${cluster.questions.length - cluster.examples.length} 种问法`) : null);
  const actions = h("div", { class: "actions" },
    h("button", { type: "button", onclick: () => ctx.navigate("entry-new", { question: cluster.label, similar: cluster.questions.join("\n") }) }, "新建条目"),
    h("button", { type: "button", onclick: () => { actions.hidden = true; addToEntry(card, ctx, cluster); } }, "加入已有条目"),
    h("button", { type: "button", class: "secondary", onclick: async () => {
      try {
        await ctx.api("POST", `${BASE}/clusters/${encodeURIComponent(cluster.id)}/dismiss`);
        toast("已忽略该问题分组");
        reload();
      } catch (err) { toast(err.message); }
    } }, "忽略"));
  card.append(actions);
  return card;
}

function renderUnanswered(root, ctx, period = ctx.params?.period || "week") {
  const body = h("div", {}, h("p", { class: "muted" }, "加载中…"));
  const reload = () => renderUnanswered(root, ctx, period);
  root.replaceChildren(h("h1", {}, "未解决问题"),
    h("p", { class: "muted" }, "机器人没答上、只能反问、把握不足或被点 👎 的问题，按问法相近程度分组。现在机器人能直接回答、且把握不低于“把握不足”界限（analytics.low_confidence）的问法会在下次统计时自动移出；仍在列表中的问法，说明答案还需补充相似问法或关键词。"),
    periodPicker(period, (p) => renderUnanswered(root, ctx, p)),
    h("p", {}, csvLink(`${BASE}/clusters.csv?period=${period}`)), body);
  ctx.api("GET", `${BASE}/clusters?period=${period}`).then((data) => {
    body.replaceChildren(...(data.clusters.length
      ? data.clusters.map((c) => clusterCard(ctx, c, period, reload))
      : [h("p", { class: "empty" }, "这段时间没有未解决的问题")]));
  }, (err) => failed(body, err));
}

const styled = (render) => (root, ctx) => { ensureStyle(); return render(root, ctx); };

export const pages = [
  { id: "dashboard", title: "数据看板", role: "editor", render: styled(renderDashboard) },
  { id: "hot", title: "热搜榜", role: "editor", render: styled((root, ctx) => renderHot(root, ctx)) },
  { id: "unanswered", title: "未解决问题", role: "editor", render: styled((root, ctx) => renderUnanswered(root, ctx)) },
];
