// The knowledge editor (editor+): one entry's form with a live preview of the
// Markdown answer, draft → publish (or review and publish), discard, the
// version history with view and rollback, and the "试一试" box that asks a
// question against the published base with every draft applied.
// Not in the navigation: opened from the entry list (`entry`, params {id}) or
// from an analytics cluster (`entry-new`, params {question, similar}).
import { h, toast } from "./lib.js";
import { markdown } from "./render.js";

const STATES = { draft: "草稿", published: "已发布", superseded: "已被取代", discarded: "已放弃" };
const DECISIONS = { answer: "直接回答", clarify: "反问确认（“您是不是想问…”）", no_match: "无法匹配（转人工）", out_of_scope: "非涉税问题（告知咨询渠道）" };
const enc = encodeURIComponent;
const lines = (text) => text.split("\n").map((l) => l.trim()).filter(Boolean);
const today = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10); // 中国日期

/** "试一试": a question → the decision and the ranked candidates with their confidences. */
export function tryBox(ctx, question = "") {
  const input = h("input", { type: "search", value: question, placeholder: "输入纳税人可能的问法", "aria-label": "试问的问题" });
  const out = h("div", { class: "try-result", "aria-live": "polite" });
  const ask = async (e) => {
    e.preventDefault();
    out.replaceChildren(h("p", { class: "muted" }, "查询中…"));
    try {
      const r = await ctx.api("POST", "/api/admin/try", { question: input.value });
      out.replaceChildren(
        h("p", { class: "decision", "data-decision": r.decision }, "结果：", h("strong", null, DECISIONS[r.decision] || r.decision)),
        r.candidates.length ? h("ol", { class: "candidates" }, r.candidates.map((c) => {
          const bar = h("span", { class: "conf-fill" });
          bar.style.width = `${Math.round(Math.max(0, Math.min(1, c.confidence)) * 100)}%`;
          return h("li", { "data-id": c.id },
            h("a", { href: `#/entry?id=${enc(c.id)}` }, c.id), " ", c.question,
            c.draft ? h("span", { class: "tag draft" }, "草稿") : null,
            h("span", { class: "conf", title: "置信度" }, bar), h("span", { class: "conf-num" }, c.confidence.toFixed(2)));
        })) : h("p", { class: "empty" }, "没有候选条目"));
    } catch (err) {
      out.replaceChildren(h("p", { class: "error", role: "alert" }, err.message));
    }
  };
  return h("div", { class: "try-box" },
    h("form", { class: "try-form", onsubmit: ask }, input, h("button", { type: "submit" }, "试一试")), out);
}

/** The form's fields, built empty; `fill` and `read` convert to and from EntryJson. */
function entryForm(isNew, categories) {
  const f = {
    id: h("input", { name: "id", required: true, readonly: !isNew, placeholder: "如 VAT-101", pattern: "[A-Za-z0-9_-]{1,64}" }),
    category: h("input", { name: "category", required: true, list: "kb-categories" }),
    question: h("input", { name: "question", required: true }),
    similar: h("textarea", { name: "similar", rows: "5" }),
    keywords: h("input", { name: "keywords", placeholder: "以空格或顿号分隔" }),
    answer: h("textarea", { name: "answer", rows: "12", class: "answer-src" }),
    sources: h("textarea", { name: "sources", rows: "3", placeholder: "《中华人民共和国增值税法》 | 主席令第十九号" }),
    effective_from: h("input", { name: "effective_from", type: "date", required: true }),
    effective_until: h("input", { name: "effective_until", type: "date" }),
    reviewed: h("input", { name: "reviewed", type: "date", required: true }),
    review_note: h("textarea", { name: "review_note", rows: "2" }),
  };
  const label = (text, field, hint) => h("label", { class: "field" }, h("span", null, text, hint ? h("small", null, hint) : null), field);
  const preview = h("div", { class: "md-preview", "aria-label": "答案预览" });
  f.answer.addEventListener("input", () => preview.replaceChildren(markdown(f.answer.value)));
  const form = h("form", { class: "entry-form", novalidate: true },
    h("datalist", { id: "kb-categories" }, categories.map((c) => h("option", { value: c }))),
    h("div", { class: "row" }, label("编号", f.id), label("分类", f.category)),
    label("标准问题", f.question),
    label("相似问法", f.similar, "（每行一个）"),
    label("关键词", f.keywords),
    h("div", { class: "md" }, label("答案（Markdown）", f.answer), h("div", { class: "field" }, h("span", null, "预览"), preview)),
    label("政策依据", f.sources, "（每行一条：标题 | 文号）"),
    h("div", { class: "row" }, label("生效日期", f.effective_from), label("失效日期", f.effective_until, "（可空）"), label("复核日期", f.reviewed)),
    label("复核备注", f.review_note, "（有疑问时填写，列表中显示为待复核）"));
  const fill = (e) => {
    f.id.value = e.id || ""; f.category.value = e.category || ""; f.question.value = e.question || "";
    f.similar.value = (e.similar || []).join("\n"); f.keywords.value = (e.keywords || []).join(" ");
    f.answer.value = e.answer || "";
    f.sources.value = (e.sources || []).map((s) => `${s.title} | ${s.wenhao}`).join("\n");
    f.effective_from.value = e.effective_from || ""; f.effective_until.value = e.effective_until || "";
    f.reviewed.value = e.reviewed || ""; f.review_note.value = e.review_note || "";
    preview.replaceChildren(markdown(f.answer.value));
  };
  const read = () => ({
    id: f.id.value.trim(), category: f.category.value.trim(), question: f.question.value.trim(),
    similar: lines(f.similar.value), keywords: f.keywords.value.split(/[\s,，、;；]+/).filter(Boolean),
    answer: f.answer.value.trim(),
    sources: lines(f.sources.value).map((l) => {
      const [title, ...rest] = l.split(/[|｜]/);
      return { title: title.trim(), wenhao: rest.join("|").trim() };
    }),
    effective_from: f.effective_from.value, effective_until: f.effective_until.value || null,
    reviewed: f.reviewed.value, review_note: f.review_note.value.trim() || null,
  });
  return { form, fill, read };
}

async function categories(ctx) {
  try { return (await ctx.api("GET", "/api/admin/entries")).categories; } catch { return []; }
}

async function renderNew(root, ctx) {
  const p = ctx.params || {};
  const error = h("p", { class: "error", role: "alert" });
  const { form, fill, read } = entryForm(true, await categories(ctx));
  fill({ question: p.question || "", similar: lines(p.similar || ""), effective_from: today(), reviewed: today(), answer: "" });
  const save = async () => {
    error.textContent = "";
    try {
      const entry = read();
      const r = await ctx.api("POST", "/api/admin/entries", entry);
      toast(`已创建草稿（版本 ${r.version}）`);
      ctx.navigate("entry", { id: entry.id });
    } catch (err) { error.textContent = err.message; }
  };
  root.replaceChildren(h("div", { class: "panel" }, h("h1", null, "新建条目"),
    h("p", { class: "muted" }, "新条目先保存为草稿，在条目页发布后才会回答纳税人。"), form,
    h("div", { class: "actions" }, h("button", { type: "button", onclick: save }, "保存草稿"),
      h("button", { type: "button", class: "ghost", onclick: () => ctx.navigate("entries") }, "返回列表")), error),
  h("div", { class: "panel" }, h("h2", null, "试一试"), tryBox(ctx, p.question || "")));
}

async function renderEntry(root, ctx) {
  const id = (ctx.params || {}).id;
  if (!id) return ctx.navigate("entries");
  const error = h("p", { class: "error", role: "alert" });
  let data;
  try { data = await ctx.api("GET", `/api/admin/entries/${enc(id)}`); } catch (err) {
    root.replaceChildren(h("div", { class: "panel" }, h("h1", null, `条目 ${id}`), h("p", { class: "error", role: "alert" }, err.message)));
    return;
  }
  const { form, fill, read } = entryForm(false, await categories(ctx));
  const base = data.draft || data.published;
  fill(base);
  const loaded = JSON.stringify(read());
  const review = data.policy === "review";
  const status = data.draft
    ? `草稿 v${data.draft_version}${data.published ? "（已有发布版本）" : "（尚未发布）"}${data.awaiting_review ? "，等待他人审核" : ""}`
    : "已发布，无草稿";
  const reload = () => renderEntry(root, ctx);
  const run = async (f) => {
    error.textContent = "";
    try { await f(); } catch (err) { error.textContent = err.message; }
  };
  const saveDraft = async () => {
    const r = await ctx.api("PUT", `/api/admin/entries/${enc(id)}`, read());
    toast(`草稿已保存（版本 ${r.version}）`);
    return r;
  };
  const publish = () => run(async () => {
    if (JSON.stringify(read()) !== loaded || !data.draft) await saveDraft();
    const r = await ctx.api("POST", `/api/admin/entries/${enc(id)}/publish`);
    toast(`已发布（版本 ${r.version}），机器人即刻使用新答案`);
    await reload();
  });
  const discard = () => run(async () => {
    if (!confirm(`放弃条目 ${id} 的草稿？`)) return;
    await ctx.api("DELETE", `/api/admin/entries/${enc(id)}/draft`);
    toast("草稿已放弃");
    await reload();
  });
  const versions = h("div", { class: "versions" }, h("p", { class: "muted" }, "加载中…"));
  const viewer = h("div", { class: "version-view" });
  root.replaceChildren(
    h("div", { class: "panel" },
      h("h1", null, `条目 ${id}`), h("p", { class: "status", "data-status": data.draft ? "draft" : "published" }, status),
      form,
      h("div", { class: "actions" },
        h("button", { type: "button", onclick: () => run(async () => { await saveDraft(); await reload(); }) }, "保存草稿"),
        h("button", { type: "button", onclick: publish }, review ? "审核并发布" : "发布"),
        h("button", { type: "button", class: "ghost", disabled: !data.draft, onclick: discard }, "放弃草稿"),
        h("button", { type: "button", class: "ghost", disabled: !data.published, title: data.published ? null : "发布后才能生成二维码", onclick: () => ctx.navigate("qr", { add: id }) }, "二维码"),
        h("button", { type: "button", class: "ghost", onclick: () => ctx.navigate("entries") }, "返回列表")),
      review ? h("p", { class: "muted" }, "本系统要求审核：草稿须由另一位编辑审核并发布。") : null,
      error),
    h("div", { class: "panel" }, h("h2", null, "试一试"), tryBox(ctx, base.question)),
    h("div", { class: "panel" }, h("h2", null, "版本记录"), versions, viewer));
  try {
    const { versions: all } = await ctx.api("GET", `/api/admin/entries/${enc(id)}/versions`);
    versions.replaceChildren(h("table", { "aria-label": "版本记录" },
      h("thead", null, h("tr", null, ["版本", "状态", "作者", "时间", "变更", "操作"].map((t) => h("th", null, t)))),
      h("tbody", null, all.slice().sort((a, b) => b.version - a.version).map((v) => h("tr", { "data-version": String(v.version) },
        h("td", null, `v${v.version}`), h("td", null, STATES[v.state] || v.state), h("td", null, v.author),
        h("td", null, new Date(v.created_at).toLocaleString("zh-CN")), h("td", { class: "summary" }, v.summary || ""),
        h("td", null,
          h("button", { type: "button", class: "ghost", onclick: () => run(async () => {
            const e = await ctx.api("GET", `/api/admin/entries/${enc(id)}/versions/${v.version}`);
            viewer.replaceChildren(h("h3", null, `v${v.version}（${STATES[v.state] || v.state}）：${e.question}`),
              h("div", { class: "md-preview" }, markdown(e.answer)));
          }) }, "查看"), " ",
          h("button", { type: "button", class: "ghost", onclick: () => run(async () => {
            if (!confirm(`把条目 ${id} 回滚到 v${v.version} 并立即发布？`)) return;
            const r = await ctx.api("POST", `/api/admin/entries/${enc(id)}/rollback`, { version: v.version });
            toast(`已回滚并发布（新版本 ${r.version}）`);
            await reload();
          }) }, "回滚")))))));
  } catch (err) { versions.replaceChildren(h("p", { class: "error", role: "alert" }, err.message)); }
}

export const pages = [
  { id: "entry", title: "编辑条目", role: "editor", hidden: true, render: renderEntry },
  { id: "entry-new", title: "新建条目", role: "editor", hidden: true, render: renderNew },
];
