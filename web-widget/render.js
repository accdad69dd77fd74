// The one copy of the DOM builder `h()` and the allow-list Markdown renderer of
// answers, shared by the widget and the console:
// - the console imports it as an ES module, served at /console/render.js;
// - the widget stays one classic script: when the server serves widget.js it
//   puts this file's text in place of the widget's `//@inline render.js` line,
//   inside the widget's own function scope, with each line's leading `export `
//   dropped (src/server/assets.rs).
// So keep it to plain declarations: `export` only at the start of a line, no
// `import`, nothing run at load time, no name the widget also declares.

/**
 * `h("button", { class: "x", onclick: f }, "text", child)`: an element whose
 * string children become text nodes, so user data can never become markup.
 * Attributes and children that are null, undefined or false are skipped;
 * arrays of children are flattened to any depth.
 */
export function h(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids.flat(Infinity)) if (kid != null && kid !== false) e.append(kid);
  return e;
}

/** `**bold**` and `[links](https://…)` of one line; anything else stays text (other link schemes too). */
function markdownInline(text) {
  const out = [];
  const re = /\*\*([^*]+)\*\*|\[([^\]]+)\]\(([^)\s]+)\)/g;
  let last = 0, m;
  while ((m = re.exec(text))) {
    if (m.index > last) out.push(text.slice(last, m.index));
    if (m[1] != null) out.push(h("strong", null, m[1]));
    else if (/^https?:\/\//i.test(m[3])) out.push(h("a", { href: m[3], target: "_blank", rel: "noopener noreferrer nofollow" }, m[2]));
    else out.push(m[0]);
    last = re.lastIndex;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/**
 * Renders the Markdown of an answer into a DocumentFragment: paragraphs (a
 * single newline is a `<br>`), `-`/`*`/`+` and numbered lists (an `<ol>` keeps
 * its first number as `start`), headings as bold paragraphs, `**bold**` and
 * https links. The source only ever becomes text nodes and these few
 * elements, never HTML, so a `<script>` in an answer shows as text.
 * `null`/`undefined` render as nothing.
 */
export function markdown(src) {
  const frag = document.createDocumentFragment();
  let list = null, para = null;
  for (const raw of (src == null ? "" : String(src)).split("\n")) {
    const line = raw.trim();
    if (!line) { list = para = null; continue; }
    const li = /^([-*+]|\d+[.、)])\s+(.*)$/.exec(line);
    if (li) {
      const tag = /\d/.test(li[1]) ? "ol" : "ul";
      if (!list || list.tagName.toLowerCase() !== tag) {
        list = h(tag, tag === "ol" ? { start: String(parseInt(li[1], 10) || 1) } : null);
        frag.append(list);
      }
      list.append(h("li", null, markdownInline(li[2])));
      para = null;
      continue;
    }
    list = null;
    const head = /^#{1,6}\s+(.*)$/.exec(line);
    if (head) { frag.append(h("p", null, h("strong", null, markdownInline(head[1])))); para = null; continue; }
    if (para) para.append(h("br"), ...markdownInline(line));
    else { para = h("p", null, markdownInline(line)); frag.append(para); }
  }
  return frag;
}
