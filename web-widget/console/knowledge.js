// Knowledge-base pages of the console (editor+): the entry list with search,
// filters and Excel export/import, "试一试", synonyms and the jieba dictionary.
// The entry editor itself is in editor.js. Questions and words are text only.
import { downloadUrl, h, toast } from "./lib.js";
import { pages as editorPages, tryBox } from "./editor.js";

const FILTERS = [["", "全部"], ["expiring", "即将失效"], ["review", "待复核"], ["downvoted", "👎 最多"], ["draft", "草稿"]];
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

function statusOf(e) {
  const tags = [];
  tags.push(e.published ? ["published", "已发布"] : ["unpublished", "未发布"]);
  if (e.has_draft) tags.push(["draft", "有草稿"]);
  if (e.expired) tags.push(["expired", "已失效"]);
  else if (e.expiring) tags.push(["expiring", "即将失效"]);
  if (e.needs_review) tags.push(["review", "待复核"]);
  return tags.map(([cls, text]) => h("span", { class: `tag ${cls}` }, text));
}

/**
 * 导出 Excel (a download link) and 导入 Excel: the chosen file is first
 * previewed (nothing changes: every entry marked 新增 / 修改 with the fields /
 * 无变化), then imported as drafts to review one by one, or published at once.
 */
function excelTools(ctx, out, reload) {
  const file = h("input", { type: "file", accept: `.xlsx,${XLSX}`, class: "visually-hidden", "aria-label": "选择要导入的 Excel 文件" });
  const STATUS = { added: "新增", changed: "修改", unchanged: "无变化" };
  const LISTS = { synonyms: "同义词", dictionary: "词典", stopwords: "停用词" };
  const failed = (err) => out.replaceChildren(h("div", { class: "import-bad", role: "alert" }, h("p", { class: "error" }, "导入失败，未做任何修改："),
    h("ul", null, err.message.split("；").map((row) => h("li", null, row)))));
  const run = async (chosen, mode) => {
    out.replaceChildren(h("p", { class: "muted" }, `正在导入 ${chosen.name}…`));
    try {
      const r = await ctx.api("POST", `/api/admin/kb/import?mode=${mode}`, chosen);
      out.replaceChildren(h("p", { class: "import-ok", role: "status" },
        `${mode === "drafts" ? "已导入为草稿" : "导入完成"}：新增 ${r.added} 条，修改 ${r.changed} 条，未变 ${r.unchanged} 条。`,
        mode === "drafts" ? "请在列表中筛选“有草稿”逐条审核后发布。" : ""));
      toast(mode === "drafts" ? "已导入为草稿，尚未发布" : "Excel 已导入并发布");
      reload();
    } catch (err) { failed(err); }
  };
  file.addEventListener("change", async () => {
    const chosen = file.files[0];
    file.value = "";
    if (!chosen) return;
    out.replaceChildren(h("p", { class: "muted" }, `正在检查 ${chosen.name}…`));
    let p;
    try { p = await ctx.api("POST", "/api/admin/kb/import?mode=preview", chosen); } catch (err) { return failed(err); }
    const { added, changed, unchanged } = p.counts;
    const differing = p.entries.filter((e) => e.status !== "unchanged");
    out.replaceChildren(h("div", { class: "import-preview", role: "region", "aria-label": "导入预览" },
      h("p", { class: "import-summary" }, `预览 ${chosen.name}（尚未修改任何内容）：新增 ${added} 条，修改 ${changed} 条，无变化 ${unchanged} 条。`,
        p.lists.length ? ` 词表有变化：${p.lists.map((l) => LISTS[l] || l).join("、")}（只在“全部导入并发布”时更新）。` : ""),
      differing.length ? h("table", { class: "import-diff", "aria-label": "有变化的条目" },
        h("thead", null, h("tr", null, ["编号", "问题", "变化"].map((t) => h("th", null, t)))),
        h("tbody", null, differing.map((e) => h("tr", { "data-id": e.id, "data-status": e.status },
          h("td", null, e.id), h("td", null, e.question), h("td", null, `${STATUS[e.status]}${e.status === "changed" ? `（${e.summary.replace(/^修改：/, "")}）` : ""}`))))) : null,
      h("div", { class: "actions" },
        h("button", { type: "button", disabled: !differing.length, onclick: () => run(chosen, "drafts") }, "导入为草稿（逐条审核后发布）"),
        h("button", { type: "button", class: "ghost", disabled: !differing.length && !p.lists.length, onclick: () => run(chosen, "publish") }, "全部导入并发布"),
        h("button", { type: "button", class: "ghost", onclick: () => out.replaceChildren() }, "取消"))));
  });
  return [
    h("a", { class: "button-link", href: downloadUrl("/api/admin/kb/export.xlsx"), download: "taxbot-knowledge.xlsx" }, "导出 Excel"),
    h("button", { type: "button", class: "ghost", onclick: () => file.click() }, "导入 Excel"), file,
  ];
}

function renderEntries(root, ctx) {
  const p = ctx.params || {};
  const q = h("input", { type: "search", value: p.q || "", placeholder: "问题、相似问法或编号", "aria-label": "搜索条目" });
  const category = h("select", { "aria-label": "分类" }, h("option", { value: "" }, "全部分类"));
  const filter = h("select", { "aria-label": "筛选" }, FILTERS.map(([v, t]) => h("option", { value: v, selected: v === (p.filter || "") }, t)));
  const count = h("span", { class: "muted" });
  const outcome = h("div", { class: "import-outcome" });
  const body = h("tbody");
  const load = async () => {
    const query = new URLSearchParams(Object.entries({ q: q.value.trim(), category: category.value, filter: filter.value }).filter(([, v]) => v));
    try {
      const data = await ctx.api("GET", `/api/admin/entries?${query}`);
      const chosen = category.value || p.category || "";
      category.replaceChildren(h("option", { value: "" }, "全部分类"),
        ...data.categories.map((c) => h("option", { value: c, selected: c === chosen }, c)));
      const rows = filter.value === "downvoted" ? data.entries.slice().sort((a, b) => b.downvotes - a.downvotes) : data.entries;
      count.textContent = `共 ${rows.length} 条`;
      body.replaceChildren(...rows.map((e) => h("tr", { "data-id": e.id, class: "clickable", onclick: (ev) => { if (ev.target.tagName !== "A") ctx.navigate("entry", { id: e.id }); } },
        h("td", null, h("a", { href: `#/entry?id=${encodeURIComponent(e.id)}` }, e.id)), h("td", null, e.question),
        h("td", null, statusOf(e)), h("td", null, e.effective_until || "—"), h("td", null, String(e.downvotes)))));
      if (!rows.length) body.append(h("tr", null, h("td", { colspan: "5", class: "empty" }, "没有符合条件的条目")));
    } catch (err) { body.replaceChildren(h("tr", null, h("td", { colspan: "5", class: "error", role: "alert" }, err.message))); }
  };
  category.onchange = load;
  filter.onchange = load;
  root.append(
    h("div", { class: "panel" },
      h("form", { "aria-label": "筛选条目", onsubmit: (e) => { e.preventDefault(); load(); } },
        h("label", null, "搜索", q), h("label", null, "分类", category), h("label", null, "筛选", filter),
        h("button", { type: "submit" }, "搜索"),
        h("button", { type: "button", class: "ghost", onclick: () => ctx.navigate("entry-new") }, "新建条目"),
        ...excelTools(ctx, outcome, load)),
      outcome),
    h("div", { class: "panel" }, count, h("table", { "aria-label": "知识条目", class: "entries" },
      h("thead", null, h("tr", null, ["编号", "标准问题", "状态", "失效日期", "👎"].map((t) => h("th", null, t)))), body)));
  if (p.category) category.append(h("option", { value: p.category, selected: true }, p.category));
  load();
}

function renderTry(root, ctx) {
  root.append(h("div", { class: "panel" }, h("h1", null, "试一试"),
    h("p", { class: "muted" }, "按已发布的知识库并叠加所有未发布的草稿计算，可在发布前检验改动。"),
    tryBox(ctx, (ctx.params || {}).q || "")));
}

/** A word-list page: loads with `get`, shows `editor`, saves what `collect` returns. */
function listPage(root, ctx, { title, path, hint, editor, fill, collect }) {
  const error = h("p", { class: "error", role: "alert" });
  const version = h("span", { class: "muted" });
  const load = async () => {
    try {
      const data = await ctx.api("GET", path);
      version.textContent = `当前版本 ${data.version}`;
      fill(data);
    } catch (err) { error.textContent = err.message; }
  };
  const save = async () => {
    error.textContent = "";
    try {
      const r = await ctx.api("PUT", path, collect());
      toast(`已保存并发布（版本 ${r.version}），索引已重建`);
      await load();
    } catch (err) { error.textContent = err.message; }
  };
  root.append(h("div", { class: "panel" }, h("h1", null, title, " ", version), h("p", { class: "muted" }, hint), editor,
    h("div", { class: "actions" }, h("button", { type: "button", onclick: save }, "保存并发布")), error));
  load();
}

/**
 * Synonym groups as rows: the standard word (标准词, what the others are
 * searched as) and its synonyms; a filter, 添加同义词组, and 试一试 under it
 * to see how a question is matched once the groups are published.
 */
function renderSynonyms(root, ctx) {
  const body = h("tbody");
  const row = (g = []) => h("tr", null,
    h("td", null, h("input", { name: "canonical", value: g[0] || "", "aria-label": "标准词", size: "10" })),
    h("td", null, h("input", { name: "others", value: g.slice(1).join(" "), "aria-label": "同义词（空格分隔）", style: "width:100%" })),
    h("td", null, h("button", { type: "button", class: "ghost", onclick: (e) => e.target.closest("tr").remove() }, "删除")));
  const find = h("input", { type: "search", placeholder: "查找词", "aria-label": "查找同义词" });
  find.addEventListener("input", () => {
    const t = find.value.trim();
    for (const tr of body.rows) tr.hidden = !!t && ![...tr.querySelectorAll("input")].some((i) => i.value.includes(t));
  });
  const add = h("button", { type: "button", class: "ghost", onclick: () => { const r = row(); body.prepend(r); r.querySelector("input").focus(); } }, "添加同义词组");
  const editor = h("div", null, h("div", { class: "actions" }, find, add),
    h("table", { "aria-label": "同义词组", class: "synonyms" },
      h("thead", null, h("tr", null, ["标准词", "同义词（空格分隔）", ""].map((t) => h("th", null, t)))), body));
  listPage(root, ctx, {
    title: "同义词", path: "/api/admin/synonyms", editor,
    hint: "每组一个标准词和它的同义词：纳税人用同义词提问时，检索按标准词查找（如 个税 → 个人所得税）。保存后可在下方“试一试”中验证。",
    fill: (d) => body.replaceChildren(...d.groups.map(row)),
    collect: () => ({
      groups: [...body.rows].map((tr) => {
        const words = [tr.querySelector("[name=canonical]").value.trim(), ...tr.querySelector("[name=others]").value.trim().split(/\s+/)];
        return words.filter(Boolean);
      }).filter((g) => g.length),
    }),
  });
  root.append(h("div", { class: "panel" }, h("h2", null, "试一试"), tryBox(ctx, "")));
}

/** Word kinds an editor picks from (jieba tags underneath);税务术语 is what most entries are. */
const WORD_KINDS = [["nz", "税务术语（专有名词）"], ["n", "普通名词"], ["v", "动词"], ["vn", "动名词"], ["nt", "机构名"], ["", "不指定"]];
/** A new word's weight: the shipped dictionary's usual value for a tax term. */
const DEFAULT_FREQ = 3000;

function renderDictionary(root, ctx) {
  const body = h("tbody");
  const kindSelect = (tag) => {
    const known = WORD_KINDS.some(([v]) => v === (tag || ""));
    return h("select", { name: "tag", "aria-label": "词性" },
      (known ? WORD_KINDS : [[tag, tag], ...WORD_KINDS]).map(([v, t]) => h("option", { value: v, selected: v === (tag || "") }, t)));
  };
  const row = (w = { word: "", freq: DEFAULT_FREQ, tag: "nz" }) => h("tr", null,
    h("td", null, h("input", { name: "word", value: w.word, "aria-label": "词" })),
    h("td", null, h("input", { name: "freq", type: "number", min: "1", value: w.freq == null ? "" : String(w.freq), "aria-label": "词频", placeholder: "自动" })),
    h("td", null, kindSelect(w.tag)),
    h("td", null, h("button", { type: "button", class: "ghost", onclick: (e) => e.target.closest("tr").remove() }, "删除")));
  const find = h("input", { type: "search", placeholder: "查找词", "aria-label": "查找词" });
  find.addEventListener("input", () => {
    const t = find.value.trim();
    for (const tr of body.rows) tr.hidden = !!t && !tr.querySelector("input[name=word]").value.includes(t);
  });
  const add = h("button", { type: "button", class: "ghost", onclick: () => { const r = row(); body.prepend(r); r.querySelector("input").focus(); } }, "添加词");
  const editor = h("div", null, h("div", { class: "actions" }, find, add),
    h("table", { "aria-label": "词典", class: "dictionary" }, h("thead", null, h("tr", null, ["词", "分词权重（词频）", "词的类别", ""].map((t) => h("th", null, t)))), body));
  listPage(root, ctx, {
    title: "词典", path: "/api/admin/dictionary", editor,
    hint: `分词用的税务词典：新词默认权重 ${DEFAULT_FREQ}、类别“税务术语”，一般无需改动；权重越大，这个词越不容易被切开（可留空由分词器估计）。`,
    fill: (d) => body.replaceChildren(...d.words.map(row)),
    collect: () => ({
      words: [...body.rows].map((tr) => {
        const v = (n) => tr.querySelector(`[name=${n}]`).value.trim();
        return { word: v("word"), freq: v("freq") ? Number(v("freq")) : null, tag: v("tag") || null };
      }).filter((w) => w.word || w.tag || w.freq != null),
    }),
  });
}

export const pages = [
  { id: "entries", title: "知识条目", role: "editor", render: renderEntries },
  ...editorPages,
  { id: "try", title: "试一试", role: "editor", render: renderTry },
  { id: "synonyms", title: "同义词", role: "editor", render: renderSynonyms },
  { id: "dictionary", title: "词典", role: "editor", render: renderDictionary },
];
