// 二维码一次性告知 (editor+): a hand-picked list of entries, each with the QR
// code of its deep link (`<host page>?q=ID&via=qr`) and its question under it,
// ready to print on a notice or a counter sign, or to download as PNG/SVG.
// The list and the host page address stay in this browser (localStorage).
import { api, downloadUrl, h, toast } from "./lib.js";

const LIST_KEY = "taxbot:qr-list";
const BASE_KEY = "taxbot:qr-base";
const load = (k, d) => { try { return JSON.parse(localStorage.getItem(k)) ?? d; } catch { return d; } };
const save = (k, v) => { try { localStorage.setItem(k, JSON.stringify(v)); } catch { /* private mode */ } };

/** The link a printed code opens: the host page with the widget, plus the entry id. */
export function deepLink(base, id) {
  const url = new URL(base || `${location.origin}/`, location.origin);
  url.searchParams.set("q", id);
  url.searchParams.set("via", "qr");
  return url.href;
}

const qrUrl = (kind, text) => downloadUrl(`/api/admin/qr.${kind}?text=${encodeURIComponent(text)}`);

function renderQr(root, ctx) {
  let picked = load(LIST_KEY, []); // [{id, question}]
  const add = ctx.params && ctx.params.add;
  const base = h("input", { type: "url", value: load(BASE_KEY, `${location.origin}/`), "aria-label": "嵌入了咨询窗口的网页地址", style: "min-width:28em" });
  base.onchange = () => { save(BASE_KEY, base.value.trim()); draw(); };
  const search = h("input", { type: "search", "aria-label": "查找条目", placeholder: "编号或问题中的词，如 VAT-007 或 发票" });
  const found = h("ul", { class: "qr-found" });
  const error = h("p", { class: "error", role: "alert" });
  const sheet = h("div", { class: "qr-sheet", "aria-label": "二维码清单" });
  const form = h("form", { class: "no-print", "aria-label": "添加条目" }, h("label", null, "查找条目", search), h("button", { type: "submit" }, "查找"));
  root.append(
    h("div", { class: "panel no-print" }, h("h1", null, "二维码一次性告知"),
      h("p", { class: "muted" }, "为告知书、窗口提示牌生成条目的二维码：纳税人扫码即打开该问题的完整答复和政策依据，扫码次数计入数据看板。已失效的条目扫码后会说明失效并提供转人工。"),
      h("label", null, "嵌入了咨询窗口的网页地址（二维码打开的页面）", base), form, found, error,
      h("div", { class: "actions" }, h("button", { type: "button", onclick: () => window.print() }, "打印清单"),
        h("button", { type: "button", class: "ghost", onclick: () => { picked = []; save(LIST_KEY, picked); draw(); } }, "清空清单"))),
    h("div", { class: "panel" }, sheet));

  function pick(e) {
    if (!picked.some((p) => p.id === e.id)) picked.push({ id: e.id, question: e.question });
    save(LIST_KEY, picked);
    draw();
  }
  function draw() {
    if (!picked.length) { sheet.replaceChildren(h("p", { class: "empty" }, "清单为空：查找条目并点“加入清单”。")); return; }
    sheet.replaceChildren(...picked.map((p) => {
      const link = deepLink(base.value.trim(), p.id);
      return h("figure", { class: "qr-card", "data-entry": p.id },
        h("img", { src: qrUrl("svg", link), alt: `${p.id} 的二维码`, width: "200", height: "200" }),
        h("figcaption", null, h("strong", null, p.question), h("div", { class: "qr-id" }, p.id)),
        h("div", { class: "qr-tools no-print" },
          h("a", { href: qrUrl("png", link), download: `${p.id}.png` }, "下载 PNG"), " ",
          h("a", { href: qrUrl("svg", link), download: `${p.id}.svg` }, "下载 SVG"), " ",
          h("a", { href: link, target: "_blank", rel: "noopener", class: "qr-link" }, "打开链接"), " ",
          h("button", { type: "button", class: "ghost", onclick: () => { picked = picked.filter((x) => x.id !== p.id); save(LIST_KEY, picked); draw(); } }, "移出")));
    }));
  }
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    try {
      const data = await api("GET", `/api/admin/entries?q=${encodeURIComponent(search.value.trim())}`);
      found.replaceChildren(...data.entries.slice(0, 20).map((e) => h("li", null,
        h("span", { class: "tag" }, e.id), e.question, e.expired ? h("span", { class: "tag expired" }, "已失效") : null, " ",
        h("button", { type: "button", class: "ghost", onclick: () => pick(e) }, "加入清单"))));
      if (!data.entries.length) found.replaceChildren(h("li", { class: "empty" }, "没有符合的条目"));
    } catch (err) { error.textContent = err.message; }
  };
  if (add) {
    api("GET", `/api/admin/entries/${encodeURIComponent(add)}`).then((e) => pick({ id: add, question: (e.published || e.draft || {}).question || add }),
      (err) => toast(err.message));
  }
  draw();
}

export const pages = [{ id: "qr", title: "二维码", role: "editor", render: renderQr }];
