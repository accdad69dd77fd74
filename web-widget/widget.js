// taxbot chat widget: one <script> tag embeds it on any site.
//
//   <script src="https://HOST/widget.js" data-title="智能税务咨询" async></script>
//
// Dependency-free, no build step. Everything lives in a Shadow DOM so the host
// page's CSS cannot break it and ours cannot leak out. It speaks the /ws/chat
// protocol of docs/protocol.md: streamed answers, clarification chips,
// feedback, human handoff (queue, agent, rating), 留言 tickets, and resumes
// the conversation with the visitor token kept in localStorage.
(() => {
  "use strict";
  performance.mark("taxbot:start");
  const script = document.currentScript;
  const data = (script && script.dataset) || {};
  const base = (data.server || (script && script.src ? new URL(script.src, location.href).origin : location.origin)).replace(/\/+$/, "");
  const wsUrl = base.replace(/^http/, "ws") + "/ws/chat";
  const title = data.title || "智能税务咨询";
  const KEY = "taxbot:" + base;
  const store = {
    get(k, d) { try { const v = localStorage.getItem(KEY + k); return v == null ? d : JSON.parse(v); } catch { return d; } },
    set(k, v) { try { localStorage.setItem(KEY + k, JSON.stringify(v)); } catch { /* private mode: keep in memory */ } },
  };
  // What lives only as long as the tab (an unsent 留言 with a phone number is
  // not kept on a shared computer).
  const tabStore = {
    get(k, d) { try { const v = sessionStorage.getItem(KEY + k); return v == null ? d : JSON.parse(v); } catch { return d; } },
    set(k, v) { try { if (v == null) sessionStorage.removeItem(KEY + k); else sessionStorage.setItem(KEY + k, JSON.stringify(v)); } catch { /* ignore */ } },
  };

  // A deep link opens one entry's answer (二维码一次性告知): `?q=VAT-007` on the
  // host page (`&via=qr` when printed as a QR code, counted as a scan), or the
  // tag's `data-open="VAT-007"`. Only entry-id-shaped values count, so a host
  // page's own `?q=` search text is left alone. Opened once per tab.
  const ENTRY_ID = /^[A-Za-z][A-Za-z0-9_]{0,15}-[A-Za-z0-9_-]{1,16}$/;
  const deepLink = (() => {
    const params = new URLSearchParams(location.search);
    const q = params.get("q");
    if (data.open && ENTRY_ID.test(data.open)) return { id: data.open, via: "link" };
    if (q && ENTRY_ID.test(q)) return { id: q, via: params.get("via") === "qr" ? "qr" : "link" };
    return null;
  })();

  // A visitor identity from the host page (docs/widget.md): sent in every
  // hello, signed or not; the server checks the signature (the widget never
  // can) and shows agents an unsigned or wrongly signed one as 未验证.
  const identity = data.identitySite || data.identityUser || data.identityName || data.identitySignature
    ? {
        site: data.identitySite || "",
        user_id: data.identityUser || "",
        name: data.identityName || "",
        expires: Number(data.identityExpires) || 0,
        signature: data.identitySignature || "",
      }
    : undefined;

  // ---- DOM builder h() and the allow-list Markdown renderer markdown() ----
  // One copy for the widget and the console: the server puts web-widget/render.js
  // here when it serves this file (src/server/assets.rs), so the widget stays one script.
  //@inline render.js

  // ---- Styles (inside the shadow root only) ----
  const css = `
:host{all:initial}
*{box-sizing:border-box}
.root{font:14px/1.55 -apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;color:#1f2d3d}
button,input,textarea{font:inherit;color:inherit}
button{cursor:pointer}
:focus-visible{outline:3px solid #f5a623;outline-offset:2px}
.launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;display:flex;align-items:center;gap:8px;border:0;border-radius:28px;padding:12px 18px;background:#b8262b;color:#fff;box-shadow:0 4px 16px rgba(0,0,0,.25);font-size:15px}
.launcher svg{width:22px;height:22px;fill:currentColor}
.badge{min-width:20px;height:20px;border-radius:10px;background:#fff;color:#b8262b;font-size:12px;font-weight:700;line-height:20px;text-align:center;padding:0 5px}
.panel{position:fixed;right:20px;bottom:20px;z-index:2147483001;width:380px;height:min(620px,calc(100vh - 40px));display:flex;flex-direction:column;background:#fff;border-radius:12px;box-shadow:0 8px 32px rgba(0,0,0,.3);overflow:hidden}
.panel[hidden],.launcher[hidden],[hidden]{display:none!important}
header{display:flex;align-items:center;gap:8px;padding:10px 12px;background:#b8262b;color:#fff}
header h2{margin:0;font-size:16px;font-weight:600}
.hd{flex:1;min-width:0}
.conn{font-size:12px;opacity:.9}
.conn.off::before{content:"● ";color:#ffd54f}
.human,.fresh,.x{border:1px solid rgba(255,255,255,.7);background:transparent;color:#fff;border-radius:16px;padding:3px 10px;font-size:13px}
.x{border:0;font-size:22px;line-height:1;padding:2px 6px}
.banner{padding:8px 12px;background:#fff7e6;border-bottom:1px solid #f0d9a8;font-size:13px;display:flex;gap:8px;align-items:center}
.banner span{flex:1}
.banner button{border:1px solid #c58b1a;background:#fff;border-radius:14px;padding:2px 10px;font-size:12px}
.pill{position:absolute;left:50%;bottom:72px;transform:translateX(-50%);border:0;border-radius:16px;padding:5px 14px;background:#b8262b;color:#fff;font-size:13px;box-shadow:0 2px 8px rgba(0,0,0,.25)}
.log{flex:1;overflow-y:auto;padding:12px;background:#f5f6f8;display:flex;flex-direction:column;gap:10px}
.msg{max-width:88%;padding:8px 12px;border-radius:10px;background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.08);word-wrap:break-word;white-space:normal}
.msg p{margin:0 0 6px}.msg p:last-child{margin-bottom:0}
.msg ul,.msg ol{margin:4px 0 6px;padding-left:20px}
.msg a{color:#0b5cad}
.msg.me{align-self:flex-end;background:#b8262b;color:#fff;white-space:pre-wrap}
.msg.agent{border-left:3px solid #2e7d32}
.who{display:block;font-size:12px;color:#607080;margin-bottom:2px}
.st{display:block;font-size:12px;opacity:.85;margin-top:2px}
.msg.unsent{background:#8a8f98}
.sys{align-self:center;font-size:12px;color:#607080;text-align:center;max-width:90%}
.src{margin-top:6px;padding-top:6px;border-top:1px dashed #d5dae0;font-size:12px;color:#506070}
.src .dates{margin-top:4px}
.src ul{margin:2px 0 0;padding-left:16px}
.chips{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}
.chip{border:1px solid #b8262b;color:#b8262b;background:#fff;border-radius:14px;padding:3px 10px;font-size:13px;text-align:left}
.chip:hover{background:#fdf0f0}
.fb{display:flex;gap:6px;margin-top:6px;align-items:center;font-size:12px;color:#607080}
.fb button{display:inline-flex;align-items:center;justify-content:center;min-width:32px;min-height:28px;border:1px solid #d5dae0;background:#fff;border-radius:14px;padding:2px 8px;color:#506070}
.fb svg{width:16px;height:16px;fill:currentColor}
.fb button[aria-pressed=true]{color:#b8262b}
@media (pointer:coarse){.fb button{min-width:44px;min-height:36px}}
.fb button[aria-pressed=true]{background:#fdf0f0;border-color:#b8262b}
.card{align-self:stretch;background:#fff;border:1px solid #e1e5ea;border-radius:10px;padding:10px;display:flex;flex-direction:column;gap:6px}
.card label{font-size:13px}
.card input,.card textarea{width:100%;border:1px solid #c9d0d8;border-radius:6px;padding:6px}
.card .go{align-self:flex-end;border:0;background:#b8262b;color:#fff;border-radius:6px;padding:5px 14px}
.stars{display:flex;gap:4px}
.stars button{border:0;background:none;font-size:24px;color:#c9d0d8;padding:0 2px}
.stars button.on{color:#f5a623}
.typing span{display:inline-block;width:6px;height:6px;margin:0 2px;border-radius:50%;background:#98a2ad;animation:b 1s infinite}
.typing span:nth-child(2){animation-delay:.15s}.typing span:nth-child(3){animation-delay:.3s}
@keyframes b{0%,80%,100%{opacity:.3}40%{opacity:1}}
form.compose{display:flex;gap:8px;padding:10px;border-top:1px solid #e1e5ea;background:#fff}
.compose textarea{flex:1;resize:none;height:40px;border:1px solid #c9d0d8;border-radius:8px;padding:8px}
.compose button{border:0;background:#b8262b;color:#fff;border-radius:8px;padding:0 16px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
@media (max-width:480px){.panel{inset:0;width:100%;height:100%;border-radius:0}.launcher{right:12px;bottom:12px}}
@media (prefers-reduced-motion:reduce){.typing span{animation:none}}
`;

  // ---- Shell: launcher and panel ----
  const host = document.createElement("taxbot-widget");
  const shadow = host.attachShadow({ mode: "open" });
  const badge = h("span", { class: "badge", hidden: true, "aria-label": "未读消息" });
  const launcher = h("button", { class: "launcher", type: "button", "aria-haspopup": "dialog", "aria-expanded": "false" },
    svgIcon(), h("span", null, title), badge);
  const conn = h("div", { class: "conn", role: "status" }, "");
  const humanBtn = h("button", { class: "human", type: "button" }, "转人工");
  const freshBtn = h("button", { class: "fresh", type: "button", title: "不再沿用上一个问题的话题" }, "换个问题");
  const closeBtn = h("button", { class: "x", type: "button", "aria-label": "关闭对话窗口" }, "×");
  const banner = h("div", { class: "banner", role: "status", hidden: true });
  const log = h("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "对话记录", tabindex: "0" });
  // Touch keyboards have no "Enter sends" habit: the hint is only for a real keyboard.
  const touch = matchMedia("(pointer: coarse)").matches;
  const input = h("textarea", { "aria-label": "输入您的问题", placeholder: touch ? "请输入您的问题" : "请输入您的问题，按 Enter 发送", maxlength: "500", rows: "1" });
  const pill = h("button", { class: "pill", type: "button", hidden: true }, "新消息 ↓");
  const sendBtn = h("button", { type: "submit" }, "发送");
  const compose = h("form", { class: "compose" }, input, sendBtn);
  const panel = h("div", { class: "panel", role: "dialog", "aria-label": title, hidden: true },
    h("header", null, h("div", { class: "hd" }, h("h2", null, title), conn), freshBtn, humanBtn, closeBtn),
    banner, log, pill, compose);
  shadow.append(h("style", null, css), h("div", { class: "root" }, launcher, panel));
  (document.body || document.documentElement).append(host);
  performance.mark("taxbot:launcher");
  requestAnimationFrame(() => performance.mark("taxbot:launcher-painted"));

  // 👍/👎 as inline SVG: phones without an emoji font showed empty boxes.
  function thumb(down) {
    const ns = "http://www.w3.org/2000/svg";
    const s = document.createElementNS(ns, "svg");
    s.setAttribute("viewBox", "0 0 24 24");
    s.setAttribute("aria-hidden", "true");
    if (down) s.setAttribute("transform", "rotate(180)");
    const p = document.createElementNS(ns, "path");
    p.setAttribute("d", "M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3c0-.4-.2-.8-.4-1.1L13.2 1 6.6 7.6C6.2 8 6 8.5 6 9v10a2 2 0 0 0 2 2h9c.8 0 1.5-.5 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z");
    s.append(p);
    return s;
  }
  function svgIcon() {
    const ns = "http://www.w3.org/2000/svg";
    const s = document.createElementNS(ns, "svg");
    s.setAttribute("viewBox", "0 0 24 24");
    s.setAttribute("aria-hidden", "true");
    const p = document.createElementNS(ns, "path");
    p.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z");
    s.append(p);
    return s;
  }

  // ---- State ----
  let ws = null, online = false, retry = 0, retryTimer = 0, pingTimer = 0, started = false;
  let unread = 0, typingEl = null, typingTimer = 0, agentName = null, pendingNo = null;
  let outbox = store.get(".outbox", []); // [{ref, text, sent}] — asks not yet acknowledged
  let seq = Date.now() % 100000;
  const answers = new Map(); // answer_id -> {el, body, text, end}
  const bubbles = new Map(); // ref -> visitor bubble

  // The latest message stays in view while the reader is at the bottom; one who
  // scrolled up on purpose keeps their place and gets a "新消息" pill instead.
  // A MutationObserver follows every change (chips and sources are appended
  // after a bubble is added, answers grow while they stream).
  let pinned = true;
  const atBottom = () => log.scrollHeight - log.scrollTop - log.clientHeight < 24;
  const scroll = (force) => {
    if (force) pinned = true;
    if (pinned) { log.scrollTop = log.scrollHeight; pill.hidden = true; } else pill.hidden = false;
  };
  log.addEventListener("scroll", () => { pinned = atBottom(); if (pinned) pill.hidden = true; });
  pill.onclick = () => { scroll(true); input.focus(); };
  new MutationObserver(() => scroll()).observe(log, { childList: true, subtree: true, characterData: true });
  const add = (el) => { log.insertBefore(el, typingEl && typingEl.isConnected ? typingEl : null); bump(); return el; };
  const bump = () => { if (panel.hidden) { unread++; badge.textContent = unread; badge.hidden = false; } };
  const sys = (text) => add(h("div", { class: "sys" }, text));
  const chips = (items, onPick, label) => h("div", { class: "chips", role: "group", "aria-label": label },
    items.map((q) => h("button", { class: "chip", type: "button", onclick: () => onPick(q) }, q.question)));

  function send(msg) {
    if (ws && online) { ws.send(JSON.stringify(msg)); return true; }
    sys("网络连接中断，正在重连，请稍后再试。");
    return false;
  }

  // ---- Messages ----
  function visitorBubble(text, ref) {
    const st = h("span", { class: "st" });
    const el = add(h("div", { class: "msg me" }, h("span", { class: "sr" }, "我："), text, st));
    scroll(true); // what the reader just sent is where they look
    if (ref) bubbles.set(ref, { el, st });
    return el;
  }
  function markBubble(ref, state) {
    const b = bubbles.get(ref);
    if (!b) return;
    b.el.classList.toggle("unsent", state === "unsent");
    b.st.textContent = state === "unsent" ? "未发送 · 联网后自动发送" : state === "sending" ? "发送中…" : "";
  }
  function botBubble(who) {
    return h("div", { class: "msg bot" + (who ? " agent" : "") }, h("span", { class: "who" }, who || "智能助手"));
  }
  function typing(on) {
    clearTimeout(typingTimer);
    if (typingEl) typingEl.remove();
    typingEl = null;
    if (!on) return;
    typingEl = h("div", { class: "msg typing", role: "status", "aria-label": "正在输入" }, h("span"), h("span"), h("span"));
    log.append(typingEl);
    scroll();
    typingTimer = setTimeout(() => typing(false), 20000);
  }
  // One vote per answer, changeable: the pressed button shows the current one.
  function feedbackRow(id, helpful) {
    const up = h("button", { type: "button", "aria-pressed": "false", "aria-label": "有帮助", title: "有帮助" }, thumb(false));
    const down = h("button", { type: "button", "aria-pressed": "false", "aria-label": "没帮助", title: "没帮助" }, thumb(true));
    const note = h("span", { role: "status" });
    const row = h("div", { class: "fb" }, h("span", null, "这个回答有帮助吗？"), up, down, note);
    const show = (v) => {
      up.setAttribute("aria-pressed", String(v === true));
      down.setAttribute("aria-pressed", String(v === false));
    };
    if (helpful === true || helpful === false) { show(helpful); note.textContent = "已评价，可更改"; }
    const done = (helpful, comment) => {
      if (!send({ type: "feedback", answer_id: id, helpful, comment: comment || undefined })) return;
      show(helpful);
      note.textContent = "感谢反馈";
      if (pendingNo && pendingNo.id === id) { pendingNo.form.remove(); pendingNo = null; }
    };
    up.onclick = () => { if (up.getAttribute("aria-pressed") !== "true") done(true); };
    down.onclick = () => {
      if (down.getAttribute("aria-pressed") === "true") return;
      if (pendingNo) pendingNo.submit();
      const reason = h("input", { type: "text", "aria-label": "没帮助的原因（选填）", placeholder: "哪里没有帮到您？（选填）", maxlength: "200" });
      const form = h("form", { class: "card" }, h("label", null, "没帮助的原因（选填）"), reason,
        h("div", { class: "chips" }, h("button", { class: "go", type: "submit" }, "提交"),
          h("button", { class: "chip", type: "button", onclick: () => pendingNo && pendingNo.submit() }, "跳过")));
      const submit = () => done(false, reason.value.trim());
      form.onsubmit = (e) => { e.preventDefault(); submit(); };
      pendingNo = { id, form, submit };
      row.after(form);
      reason.focus();
    };
    return row;
  }
  function answerStart(m) {
    typing(false);
    const body = h("div", { class: "body" }, h("span", { class: "typing", "aria-label": "正在输入" }, h("span"), h("span"), h("span")));
    const el = add(botBubble());
    el.setAttribute("aria-busy", "true");
    el.append(body);
    answers.set(m.answer_id, { el, body, text: "" });
  }
  function answerDelta(m) {
    const a = answers.get(m.answer_id);
    if (!a) return;
    a.text += m.text;
    a.body.replaceChildren(markdown(a.text));
    scroll();
  }
  function answerEnd(m) {
    const a = answers.get(m.answer_id);
    if (!a) return;
    a.el.removeAttribute("aria-busy");
    finishAnswer(a.el, m.answer_id, m);
    scroll();
  }
  // "依据…（文号），现行有效，更新于 YYYY-MM-DD": where the answer comes from and how current it is.
  function citationBlock(c) {
    if (!c || !c.sources || !c.sources.length) return null;
    const status = c.effective_until ? `现行有效，执行至 ${c.effective_until}` : "现行有效";
    return h("div", { class: "src" }, "政策依据：",
      h("ul", null, c.sources.map((s) => h("li", null, `${s.title}${s.wenhao ? `（${s.wenhao}）` : ""}`))),
      h("div", { class: "dates" }, `${status}，自 ${c.effective_from} 起施行${c.reviewed ? `，更新于 ${c.reviewed}` : ""}`));
  }
  function finishAnswer(el, id, m, helpful) {
    const cite = citationBlock(m);
    if (cite) el.append(cite);
    if (m && m.related && m.related.length) {
      el.append(h("div", { class: "who" }, "相关问题："), chips(m.related, (q) => ask(q.question), "相关问题"));
    }
    el.append(feedbackRow(id, helpful));
  }

  // ---- Cards: leave a message, rating ----
  // The 留言 form and what is typed in it survive a reload (kept in the
  // session until sent), and go away once an agent queue or agent takes over.
  let ticketForm = null;
  function dropTicketForm() {
    if (ticketForm) ticketForm.remove();
    ticketForm = null;
    tabStore.set(".ticketDraft", null);
  }
  function leaveMessageCard(text, draft) {
    if (ticketForm) ticketForm.remove();
    const body = h("textarea", { rows: "3", maxlength: "500", "aria-label": "留言内容" });
    const contact = h("input", { type: "text", maxlength: "60", "aria-label": "联系方式（选填）", placeholder: "手机或邮箱（选填）" });
    body.value = (draft && draft.body) || "";
    contact.value = (draft && draft.contact) || "";
    const keep = () => tabStore.set(".ticketDraft", { text, body: body.value, contact: contact.value });
    body.oninput = contact.oninput = keep;
    keep();
    const form = h("form", { class: "card", "aria-label": "留言" }, h("div", null, text),
      h("label", null, "留言内容", body), h("label", null, "联系方式（选填）", contact), h("button", { class: "go", type: "submit" }, "提交留言"));
    form.onsubmit = (e) => {
      e.preventDefault();
      const t = body.value.trim();
      if (!t) { body.focus(); return; }
      if (send({ type: "leave_message", text: t, contact: contact.value.trim() || undefined })) {
        tabStore.set(".ticketDraft", null);
        ticketForm = null;
        form.replaceChildren(h("div", null, "留言提交中…"));
      }
    };
    ticketForm = add(form);
    body.focus();
  }
  function ratingCard() {
    let stars = 0;
    const row = h("div", { class: "stars", role: "radiogroup", "aria-label": "服务评分" });
    const btns = [1, 2, 3, 4, 5].map((n) => h("button", { type: "button", role: "radio", "aria-checked": "false", "aria-label": `${n} 星`, onclick: () => pick(n) }, "★"));
    row.append(...btns);
    const pick = (n) => { stars = n; btns.forEach((b, i) => { b.classList.toggle("on", i < n); b.setAttribute("aria-checked", String(i === n - 1)); }); };
    const comment = h("input", { type: "text", maxlength: "200", "aria-label": "评价（选填）", placeholder: "说说您的感受（选填）" });
    const form = h("form", { class: "card rating", "aria-label": "服务评价" }, h("div", null, "请为本次人工服务评分："), row, comment, h("button", { class: "go", type: "submit" }, "提交评价"));
    form.onsubmit = (e) => {
      e.preventDefault();
      if (!stars) { btns[0].focus(); return; }
      if (send({ type: "rate", stars, comment: comment.value.trim() || undefined })) form.replaceChildren(h("div", { role: "status" }, `感谢您的评价（${stars} 星）！`));
    };
    add(form);
  }
  function setBanner(content) {
    banner.replaceChildren(...(content || []));
    banner.hidden = !content;
    humanBtn.hidden = !!content;
    freshBtn.hidden = !!content;
  }
  function queued(m) {
    dropTicketForm();
    const mins = Math.round((m.estimated_wait_secs || 0) / 60);
    const wait = m.estimated_wait_secs > 0 ? `预计等待约 ${Math.max(1, mins)} 分钟` : "客服即将接入";
    setBanner([h("span", null, `正在为您转接人工客服：排队第 ${m.position} 位，${wait}`),
      h("button", { type: "button", onclick: () => send({ type: "cancel_human" }) && setBanner(null) }, "取消排队")]);
  }
  function joined(name) {
    dropTicketForm();
    agentName = name;
    setBanner([h("span", null, `人工客服「${name}」正在为您服务`)]);
  }

  // ---- Asking, with an outbox so nothing typed is lost ----
  function ask(text) {
    text = text.trim();
    if (!text) return;
    if (pendingNo) pendingNo.submit();
    const ref = `m-${++seq}`;
    const item = { ref, text, sent: false };
    outbox.push(item);
    store.set(".outbox", outbox);
    visitorBubble(text, ref);
    flush();
    if (!item.sent) markBubble(ref, "unsent");
  }
  function flush() {
    if (!ws || !online) return;
    for (const it of outbox) {
      ws.send(JSON.stringify({ type: "ask", text: it.text, ref: it.ref }));
      it.sent = true;
      markBubble(it.ref, "sending");
    }
    store.set(".outbox", outbox);
  }
  compose.onsubmit = (e) => { e.preventDefault(); ask(input.value); input.value = ""; input.focus(); };
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); compose.requestSubmit(); }
  });
  humanBtn.onclick = () => { if (send({ type: "request_human" })) typing(true); };
  freshBtn.onclick = () => ask("换个问题");

  // "您是不是想问": chips answered with `choose` while `live` (the bot's last
  // word), else by asking the chip's question again.
  function clarifyCard(text, candidates, live) {
    add(botBubble()).append(h("div", null, text), chips(candidates, (q) => {
      if (!live) return ask(q.question);
      if (send({ type: "choose", entry_id: q.entry_id })) { visitorBubble(q.question); typing(true); }
    }, "您是不是想问"));
  }

  // ---- Server frames ----
  function welcome(m) {
    store.set(".token", m.visitor_token);
    log.replaceChildren();
    answers.clear();
    bubbles.clear();
    typingEl = null;
    add(botBubble()).append(h("div", null, m.greeting));
    if (m.hot_questions && m.hot_questions.length) {
      add(h("div", { class: "card" }, h("div", { class: "who" }, "热门问题"), chips(m.hot_questions, (q) => ask(q.question), "热门问题")));
    }
    const recent = [];
    // Only the bot's last clarification can still be answered with `choose`;
    // chips of an older one ask their question again instead.
    const lastBot = (m.history || []).filter((it) => it.from === "bot").pop();
    for (const it of m.history || []) {
      if (it.from === "visitor") { visitorBubble(it.text); recent.push(it.text); }
      else if (it.from === "agent") add(botBubble("客服")).append(h("div", null, it.text));
      else if (it.from === "system") sys(it.text);
      else if (it.decision === "answer") { const el = add(botBubble()); el.append(h("div", null, markdown(it.text))); finishAnswer(el, it.id, it.citation, it.helpful); }
      else if (it.decision === "clarify" && it.candidates && it.candidates.length) clarifyCard(it.text, it.candidates, it === lastBot);
      else add(botBubble()).append(h("div", null, it.text));
    }
    // Asks sent before the connection dropped may already be stored: keep only the others.
    outbox = outbox.filter((it) => !(it.sent && recent.slice(-20).includes(it.text)));
    for (const it of outbox) { visitorBubble(it.text, it.ref); markBubble(it.ref, "unsent"); }
    agentName = null;
    setBanner(null);
    if (m.handoff && m.handoff.state === "queued") queued(m.handoff);
    if (m.handoff && m.handoff.state === "connected") joined(m.handoff.agent_name);
    if (m.awaiting_rating) ratingCard();
    const draft = tabStore.get(".ticketDraft", null);
    if (draft && !m.handoff) leaveMessageCard(draft.text, draft);
    unread = 0; badge.hidden = true;
    scroll(true);
    flush();
    if (deepLink && !tabStore.get(".opened:" + deepLink.id, false)) {
      tabStore.set(".opened:" + deepLink.id, true);
      if (send({ type: "open_entry", entry_id: deepLink.id, via: deepLink.via })) typing(true);
    }
  }
  const handlers = {
    welcome,
    ack(m) {
      if (!m.ref) return;
      outbox = outbox.filter((it) => it.ref !== m.ref);
      store.set(".outbox", outbox);
      markBubble(m.ref, "sent");
      if (!agentName) typing(true);
    },
    "answer.start": answerStart,
    "answer.delta": answerDelta,
    "answer.end": answerEnd,
    clarify(m) {
      typing(false);
      clarifyCard(m.text, m.candidates, true);
    },
    no_match(m) {
      typing(false);
      const el = add(botBubble());
      el.append(h("div", null, m.text));
      if (m.offer_human) el.append(h("div", { class: "chips" }, h("button", { class: "chip", type: "button", onclick: () => humanBtn.click() }, "转人工客服")));
    },
    text(m) { typing(false); add(botBubble()).append(h("div", null, m.text)); },
    out_of_scope(m) { typing(false); add(botBubble()).append(h("div", { class: "out-of-scope" }, m.text)); },
    "human.offer"(m) { handlers.no_match({ text: m.text, offer_human: true }); },
    queue(m) { typing(false); queued(m); },
    // The agent sees the transcript (and, after a transfer, the colleague's
    // note): the taxpayer is never asked to describe the problem again.
    "agent.joined"(m) {
      typing(false);
      joined(m.agent_name);
      sys(m.transferred
        ? `已为您转接客服「${m.agent_name}」，对方可以看到之前的对话，无需重复描述`
        : `客服「${m.agent_name}」已接入，可以看到您之前的对话`);
    },
    "agent.message"(m) { typing(false); add(botBubble(`客服 ${agentName || ""}`.trim())).append(h("div", null, m.text)); },
    "conversation.closed"(m) {
      agentName = null;
      setBanner(null);
      sys(`人工服务已结束${m.resolution ? `（${m.resolution}）` : ""}，智能助手继续为您服务`);
      if (m.can_rate) ratingCard();
    },
    "handoff.offline"(m) { typing(false); setBanner(null); leaveMessageCard(m.text); },
    "ticket.created"(m) {
      const cards = log.querySelectorAll("form.card[aria-label='留言']");
      if (cards.length) cards[cards.length - 1].replaceChildren(h("div", { role: "status" }, m.text));
      else sys(m.text);
    },
    "ticket.answer"(m) {
      add(botBubble(`留言答复（编号 ${m.ticket_id}）`)).append(h("div", null, `您的留言：${m.question}`), h("div", null, m.answer));
      // Shown: the server stops offering it on the next visit.
      send({ type: "ack_ticket", ticket_id: m.ticket_id });
    },
    "server.restarting"() { setConn(false, "服务正在重启，稍后自动重连…"); },
    pong() {},
    error(m) {
      typing(false);
      if (m.code === "unknown_visitor" || m.code === "expired_visitor") return;
      // Before the welcome the server closes the socket and the widget
      // reconnects: say it in the status line, not once per attempt in the chat.
      if (!online && m.code === "store_unavailable") { setConn(false, m.message); return; }
      sys(m.message || "出错了，请稍后再试");
    },
  };

  // ---- Connection with backoff ----
  function setConn(ok, text) {
    online = ok;
    conn.textContent = text;
    conn.classList.toggle("off", !ok);
  }
  function connect() {
    clearTimeout(retryTimer);
    if (ws) return;
    started = true;
    setConn(false, retry ? "正在重新连接…" : "正在连接…");
    let sock;
    try { sock = new WebSocket(wsUrl); } catch { return schedule(); }
    ws = sock;
    sock.onopen = () => {
      sock.send(JSON.stringify({ type: "hello", visitor_token: store.get(".token", undefined), identity }));
    };
    sock.onmessage = (ev) => {
      let m;
      try { m = JSON.parse(ev.data); } catch { return; }
      if (m.type === "welcome") { retry = 0; setConn(true, "在线 · 7×24 小时智能解答"); }
      const f = handlers[m.type];
      if (f) f(m);
    };
    sock.onclose = () => {
      if (ws !== sock) return;
      ws = null;
      typing(false);
      setConn(false, "网络连接中断，正在重连…");
      for (const it of outbox) markBubble(it.ref, "unsent");
      schedule();
    };
    sock.onerror = () => {};
  }
  function schedule() {
    ws = null;
    const delay = Math.min(15000, 500 * 2 ** retry++) * (0.75 + Math.random() * 0.5);
    retryTimer = setTimeout(connect, delay);
  }
  pingTimer = setInterval(() => { if (ws && online) ws.send('{"type":"ping"}'); }, 25000);
  addEventListener("online", () => { if (started && !ws) { retry = 0; connect(); } });

  // ---- Open / close, keyboard ----
  function open() {
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    unread = 0; badge.hidden = true;
    try { sessionStorage.setItem(KEY + ".open", "1"); } catch { /* ignore */ }
    if (!started) connect();
    input.focus();
    scroll(true);
  }
  function close() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    try { sessionStorage.removeItem(KEY + ".open"); } catch { /* ignore */ }
    launcher.focus();
  }
  launcher.onclick = open;
  closeBtn.onclick = close;
  panel.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.stopPropagation(); close(); } });
  // A dialog keeps Tab inside it: from the last control back to the first.
  panel.addEventListener("keydown", (e) => {
    if (e.key !== "Tab") return;
    const all = [...panel.querySelectorAll("button, textarea, input, [tabindex='0']")].filter((el) => !el.disabled && el.getClientRects().length);
    if (!all.length) return;
    const first = all[0], last = all[all.length - 1], at = shadow.activeElement;
    if (!e.shiftKey && at === last) { e.preventDefault(); first.focus(); }
    else if (e.shiftKey && at === first) { e.preventDefault(); last.focus(); }
  });

  let wasOpen = false;
  try { wasOpen = sessionStorage.getItem(KEY + ".open") === "1"; } catch { /* ignore */ }
  if (wasOpen || (deepLink && !tabStore.get(".opened:" + deepLink.id, false))) open();
  else if (store.get(".token", null) || outbox.length) connect(); // a returning visitor hears agent replies and 留言 answers
})();
