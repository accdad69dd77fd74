// The allow-list Markdown of answers, as the widget renders it (keep the two in
// step: web-widget/widget.js "Allow-list Markdown"): paragraphs, lists,
// headings as bold, **bold** and [links](https://…). The source only ever
// becomes text nodes and these few elements, never HTML, so a `<script>` typed
// into an answer shows as text in the live preview.
import { h } from "./lib.js";

function inline(text) {
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

/** Renders Markdown `src` into a DocumentFragment of allow-listed elements and text nodes. */
export function markdown(src) {
  const frag = document.createDocumentFragment();
  let list = null, para = null;
  for (const raw of String(src || "").split("\n")) {
    const line = raw.trim();
    if (!line) { list = para = null; continue; }
    const li = /^([-*+]|\d+[.、)])\s+(.*)$/.exec(line);
    if (li) {
      const tag = /\d/.test(li[1]) ? "ol" : "ul";
      if (!list || list.tagName.toLowerCase() !== tag) {
        list = h(tag, tag === "ol" ? { start: String(parseInt(li[1], 10) || 1) } : null);
        frag.append(list);
      }
      list.append(h("li", null, inline(li[2])));
      para = null;
      continue;
    }
    list = null;
    const head = /^#{1,6}\s+(.*)$/.exec(line);
    if (head) { frag.append(h("p", null, h("strong", null, inline(head[1])))); para = null; continue; }
    if (para) para.append(h("br"), ...inline(line));
    else { para = h("p", null, inline(line)); frag.append(para); }
  }
  return frag;
}
