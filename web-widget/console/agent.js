// The agent desk page: a dependency-free client of /ws/agent (docs/protocol.md).
// The socket is authenticated by the console's session cookie.
//
// Everything a taxpayer typed is put into the page with textContent, never as
// HTML, so `<img onerror=…>` from a visitor stays text in the agent's browser.
import { api, h, toast } from "./lib.js";

/** The desk's fixed layout (no user data: dynamic parts are filled in with `h`). */
const LAYOUT = `
<div class="toolbar">
  <span id="agent-name"></span>
  <label>状态
    <select id="status" aria-label="在线状态">
      <option value="online">在线</option>
      <option value="away">离开</option>
    </select>
  </label>
  <label class="toggle"><input type="checkbox" id="sound" checked> 新会话提示音</label>
  <label hidden>快捷回复小组
    <select id="canned-team" aria-label="快捷回复小组"></select>
  </label>
  <span id="conn" class="conn" role="status"></span>
</div>
<div id="desk" class="desk" hidden>
  <aside class="side">
    <section aria-labelledby="queue-title">
      <h2 id="queue-title">排队中 <span id="queue-count" class="count">0</span></h2>
      <ul id="queue" class="queue" aria-live="polite"></ul>
      <p id="queue-empty" class="empty">暂无排队的纳税人</p>
    </section>
    <section aria-labelledby="tickets-title">
      <h2 id="tickets-title">留言 <span id="ticket-count" class="count">0</span></h2>
      <ul id="tickets" class="tickets"></ul>
      <p id="tickets-empty" class="empty">暂无待答复的留言</p>
      <button type="button" id="more-tickets" class="ghost more-tickets" hidden>加载更早的留言</button>
    </section>
  </aside>
  <section class="chats" aria-labelledby="chats-title">
    <h2 id="chats-title">我的会话 <span id="chat-count" class="count">0</span></h2>
    <div id="chats" class="chat-grid"></div>
    <p id="chats-empty" class="empty">接入排队中的会话后，会在这里并排显示。</p>
  </section>
</div>`;

// ---- Transcript pieces shared with the history page ----
const WHO = { visitor: "纳税人", bot: "智能助手", agent: "客服", system: "系统", note: "备注（仅客服可见）" };
const DECISIONS = { answer: "已解答", clarify: "反问（您是不是想问）", no_match: "未找到答案", out_of_scope: "非涉税问题", expired: "政策已失效" };
/** A name a person can say on the phone: 访客 and four digits from the conversation id (the server's `admin::visitor_name` uses the same rule). */
export const visitorName = (id) => `访客 ${String(parseInt(id.slice(0, 4), 16) % 10000).padStart(4, "0")}`;
/** The name and masked 纳税人识别号 a host site vouched for (signed identity, docs/widget.md), else {@link visitorName}. */
export const visitorLabel = (conv) => {
  const v = conv.visitor;
  return v && v.verified ? `${v.name}（${v.masked_id}）` : visitorName(conv.session_id);
};
/** A time of day (today) or a date and time. */
export const clock = (iso) => {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const sameDay = d.toDateString() === new Date().toDateString();
  return d.toLocaleString("zh-CN", sameDay ? { hour: "2-digit", minute: "2-digit" } : { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
};
/** One transcript line: who, when, the bot's decision (and entry), the text;
 * a clarification lists the questions it offered (their ids when the server
 * sent no questions, e.g. entries since removed). */
export const line = (item) => {
  const offered = item.candidates && item.candidates.length ? item.candidates : null;
  const ids = item.entry_id && !offered ? ` · ${item.entry_id}` : "";
  return h("div", { class: `line ${item.from}` },
    h("span", { class: "who" }, WHO[item.from] || item.from),
    item.at ? h("time", { class: "at", datetime: item.at }, clock(item.at)) : null,
    item.decision ? h("span", { class: `decision ${item.decision}`, title: item.entry_id || null }, DECISIONS[item.decision] || item.decision, ids) : null,
    h("div", { class: "text" }, item.text),
    offered ? h("div", { class: "offered" }, "反问：", h("ol", null, offered.map((c) => h("li", { title: c.entry_id }, c.question)))) : null);
};

export const pages = [{ id: "desk", title: "坐席工作台", role: "agent", render: mount }];

function mount(root, ctx) {
  root.innerHTML = LAYOUT;
  const $ = (id) => root.querySelector(`#${id}`);
  const timers = [];
  let stopped = false;
  const RESOLUTIONS = ["已解答", "需线下办理", "未能解决", "纳税人无回应"];
  const wsUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/agent`;

  // Agents start online; editors and admins who open the desk start away, so
  // that they are not counted as serving agents until they choose 在线.
  let ws = null, online = false, retry = 0, retryTimer = 0, me = null;
  let wantStatus = ctx.me && ctx.me.role !== "agent" ? "away" : "online";
  let queue = [], seenQueue = new Set(), firstQueue = true;
  const chats = new Map(); // session_id -> {el, log}
  const tickets = new Map(); // ticket_id -> li
  let ticketsTotal = 0, moreTickets = false; // open in all; whether older pages remain
  const answeredHere = new Set(); // tickets this console answered (their ticket.closed is not counted again)

  const short = (id) => id.slice(0, 8);
  // Who the visitor is: the name and masked 纳税人识别号 a host site vouched for
  // (signed identity, docs/widget.md), else 访客 and four digits.
  const displayName = visitorLabel;
  // 已验证 / 未验证 next to the name when the host site presented an identity.
  const identityBadge = (conv) => !conv.visitor ? null
    : h("span", { class: `identity ${conv.visitor.verified ? "verified" : "unverified"}`, title: conv.visitor.verified ? "身份已由接入网站签名验证" : "接入网站提供的身份未通过验证，请勿据此确认身份" },
      conv.visitor.verified ? "已验证" : "未验证");
  const since = (iso) => {
    const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    return s < 60 ? `${s} 秒` : `${Math.floor(s / 60)} 分 ${s % 60} 秒`;
  };
  function send(msg) {
    if (ws && online) { ws.send(JSON.stringify(msg)); return true; }
    toast("与服务器的连接已断开，正在重连…");
    return false;
  }

  // ---- Notification: title badge and an optional beep ----
  function updateTitle() {
    const n = queue.length;
    document.title = `${n ? `(${n}) ` : ""}坐席工作台 · taxbot`;
    $("queue-count").textContent = n;
    $("queue-empty").hidden = n > 0;
  }
  function beep() {
    if (!$("sound").checked) return;
    try {
      const ctx = new (window.AudioContext || window.webkitAudioContext)();
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.08;
      osc.connect(gain).connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.18);
      osc.onended = () => ctx.close();
    } catch { /* no audio: the title badge still shows */ }
  }

  // ---- Queue ----
  function renderQueue(items) {
    queue = items;
    const fresh = items.filter((i) => !seenQueue.has(i.session_id));
    items.forEach((i) => seenQueue.add(i.session_id));
    if (fresh.length && !firstQueue) beep();
    firstQueue = false;
    const full = me && chats.size >= me.max_concurrent;
    $("queue").replaceChildren(...items.map((it) => {
      const first = it.transcript.find((t) => t.from === "visitor");
      const wait = h("span", { class: "wait", "data-since": it.waiting_since || "" }, it.waiting_since ? `已等待 ${since(it.waiting_since)}` : "");
      return h("li", { class: "item", "data-session": it.session_id },
        h("div", { class: "meta" }, h("span", { class: "visitor-name", title: `会话 ${it.session_id}` }, displayName(it)), identityBadge(it), wait),
        h("div", { class: "first" }, first ? first.text : "（尚未提问）"),
        h("details", null, h("summary", null, `机器人对话记录（${it.transcript.length} 条）`), h("div", { class: "transcript" }, it.transcript.map(line))),
        h("button", { type: "button", disabled: full, title: full ? "已达到同时接待上限" : null, onclick: () => send({ type: "accept", session_id: it.session_id }) }, "接入"));
    }));
    updateTitle();
  }
  timers.push(setInterval(() => {
    for (const w of root.querySelectorAll(".wait[data-since]")) if (w.dataset.since) w.textContent = `已等待 ${since(w.dataset.since)}`;
  }, 1000));

  // ---- Knowledge panel: the matcher's best entries, inserted with their citation ----
  // Agent replies are shown to taxpayers as plain text: Markdown marks are dropped.
  const plain = (md) => md
    .replace(/^#{1,6}\s+/gm, "")
    .replace(/\*\*(.+?)\*\*|__(.+?)__/g, (_, a, b) => a ?? b)
    .replace(/\[([^\]]+)\]\(([^)]+)\)/g, "$1（$2）")
    .replace(/^\s*[-*]\s+/gm, "· ")
    .trim();
  const citation = (e) => {
    const docs = e.sources.map((s) => `${s.title}（${s.wenhao}）`).join("、");
    const until = e.effective_until ? `，执行至 ${e.effective_until}` : "，现行有效";
    return docs ? `依据：${docs}${until}，更新于 ${e.reviewed}。` : "";
  };
  function knowledgePanel(name, reply) {
    const input = h("input", { type: "search", "aria-label": `为${name}查找知识库`, placeholder: "查找知识库（默认为纳税人最后一句）" });
    const list = h("ol", { class: "kb-results", "aria-label": `${name}的知识库建议` });
    const status = h("p", { class: "empty", role: "status" });
    let asked = "";
    async function suggest(text) {
      text = (text || "").trim();
      if (!text || text === asked) return;
      asked = text;
      status.textContent = "查找中…";
      try {
        const r = await api("POST", "/api/admin/suggest", { text });
        if (asked !== text) return; // a newer message was looked up meanwhile
        status.textContent = r.entries.length ? "" : "知识库中没有相近的条目";
        // An entry whose policy has ended is shown as such and never inserted as current.
        list.replaceChildren(...r.entries.map((e) => h("li", { class: e.expired ? "kb-item expired" : "kb-item", "data-entry": e.id },
          h("div", { class: "kb-q" }, h("span", { class: "tag" }, e.id), e.expired ? h("span", { class: "tag expired" }, "已失效") : null, e.question),
          e.expired
            ? h("div", { class: "kb-src" }, `本条政策已于 ${e.effective_until} 失效，请勿作为现行规定答复。`)
            : [h("div", { class: "kb-src" }, citation(e)),
              h("button", { type: "button", class: "ghost", onclick: () => {
                reply.value = `${plain(e.answer)}\n\n${citation(e)}`.trim();
                reply.focus();
              } }, "插入答案")])));
      } catch (err) { status.textContent = err.message; }
    }
    const form = h("form", { class: "kb-search" }, input, h("button", { type: "submit", class: "ghost" }, "查找"));
    form.onsubmit = (ev) => { ev.preventDefault(); asked = ""; suggest(input.value); };
    const panel = h("details", { class: "kb-panel", open: true }, h("summary", null, "知识库建议"), form, status, list);
    return { panel, suggest };
  }

  // ---- Colleagues for transfers (from `agents`) ----
  let colleagues = [];
  function fillColleagues(select) {
    const chosen = select.value;
    select.replaceChildren(h("option", { value: "" }, "退回排队队列"),
      ...colleagues.map((c) => h("option", { value: c.agent_id, disabled: !c.available },
        `${c.name}（${c.presence === "online" ? "在线" : "离开"}，${c.load}/${c.max_concurrent}）${c.available ? "" : " · 暂不可接"}`)));
    if ([...select.options].some((o) => o.value === chosen && !o.disabled)) select.value = chosen;
  }

  // ---- Canned replies (快捷回复), per team ----
  let cannedReplies = [];
  const TEAM_KEY = "taxbot.canned.team";
  function fillCanned(select) {
    const team = $("canned-team").value;
    const shown = cannedReplies.filter((r) => !team || r.team === "" || r.team === team);
    const groups = new Map();
    for (const r of shown) {
      if (!groups.has(r.team)) groups.set(r.team, []);
      groups.get(r.team).push(r);
    }
    select.replaceChildren(h("option", { value: "" }, shown.length ? "快捷回复…" : "暂无快捷回复"),
      ...[...groups].map(([t, rs]) => h("optgroup", { label: t || "通用" }, rs.map((r) => h("option", { value: String(r.id), title: r.text }, r.title)))));
  }
  async function loadCanned() {
    try {
      cannedReplies = (await api("GET", "/api/admin/canned")).replies;
    } catch (err) { toast(err.message); return; }
    const teams = [...new Set(cannedReplies.map((r) => r.team).filter(Boolean))];
    const saved = localStorage.getItem(TEAM_KEY) || "";
    $("canned-team").replaceChildren(h("option", { value: "" }, "全部小组"), ...teams.map((t) => h("option", { value: t }, t)));
    $("canned-team").value = teams.includes(saved) ? saved : "";
    $("canned-team").parentElement.hidden = teams.length === 0;
    for (const c of chats.values()) fillCanned(c.canned);
  }
  $("canned-team").onchange = () => {
    localStorage.setItem(TEAM_KEY, $("canned-team").value);
    for (const c of chats.values()) fillCanned(c.canned);
  };

  // ---- Conversations side by side ----
  function openChat(conv) {
    if (chats.has(conv.session_id)) return;
    const id = conv.session_id;
    const name = displayName(conv);
    const log = h("div", { class: "transcript", role: "log", "aria-live": "polite", "aria-label": `${name} 的消息` }, conv.transcript.map(line));
    const text = h("textarea", { "aria-label": `回复${name}（会话 ${short(id)}）`, placeholder: "输入回复，Enter 发送", maxlength: "2000" });
    const form = h("form", null, text, h("button", { type: "submit" }, "发送"));
    form.onsubmit = (e) => {
      e.preventDefault();
      const t = text.value.trim();
      if (!t || !send({ type: "send", session_id: id, text: t })) return;
      log.append(line({ from: "agent", text: t, at: new Date().toISOString() }));
      log.scrollTop = log.scrollHeight;
      text.value = "";
    };
    text.addEventListener("keydown", (e) => { if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); } });
    // Transfer: a colleague from the list of connected agents (or back to
    // the queue) and a note only agents see.
    const to = h("select", { "aria-label": "转接给", onfocus: () => send({ type: "list_agents" }) });
    fillColleagues(to);
    const note = h("textarea", { class: "note", "aria-label": "转接备注", placeholder: "给接手同事的备注（纳税人看不到）", maxlength: "500" });
    const transfer = () => {
      const msg = { type: "transfer", session_id: id };
      if (to.value) msg.to = to.value;
      if (note.value.trim()) msg.note = note.value.trim();
      send(msg);
    };
    const resolution = h("select", { "aria-label": "结束原因" }, RESOLUTIONS.map((r) => h("option", { value: r }, r)));
    const tools = h("div", { class: "tools" },
      h("details", { class: "transfer" }, h("summary", null, "转接"),
        to, note, h("button", { type: "button", class: "ghost", onclick: transfer }, "确认转接")),
      resolution, h("button", { type: "button", onclick: () => send({ type: "close", session_id: id, resolution: resolution.value }) }, "结束会话"));
    const canned = h("select", { class: "canned", "aria-label": `快捷回复（${name}）` });
    fillCanned(canned);
    canned.onchange = () => {
      const r = cannedReplies.find((c) => String(c.id) === canned.value);
      canned.value = "";
      if (!r) return;
      // At the cursor, so an agent can add a canned sentence to what they typed.
      const at = text.selectionStart ?? text.value.length;
      text.value = text.value.slice(0, at) + r.text + text.value.slice(text.selectionEnd ?? at);
      text.focus();
      text.selectionStart = text.selectionEnd = at + r.text.length;
    };
    const presence = h("span", { class: "presence", role: "status" }, "访客在线");
    const kb = knowledgePanel(name, text);
    const el = h("article", { class: "chat", "data-session": id, "aria-label": `${name}（会话 ${short(id)}）` },
      h("header", null, h("h3", { title: `会话 ${id}` }, name), identityBadge(conv), presence), log, form, h("div", { class: "tools" }, canned), tools, kb.panel);
    el.addEventListener("focusin", () => el.classList.remove("unread"));
    $("chats").append(el);
    chats.set(id, { el, log, kb, to, canned, presence });
    send({ type: "list_agents" });
    const lastAsked = [...conv.transcript].reverse().find((t) => t.from === "visitor");
    if (lastAsked) kb.suggest(lastAsked.text);
    log.scrollTop = log.scrollHeight;
    updateChats();
    text.focus();
  }
  function updateChats() {
    $("chat-count").textContent = chats.size;
    $("chats-empty").hidden = chats.size > 0;
  }

  // ---- Tickets (留言) ----
  // `newest` puts a ticket that has just arrived on top; pages of older ones go below.
  function addTicket(t, newest = false) {
    if (tickets.has(t.ticket_id)) return;
    const answer = h("textarea", { "aria-label": `答复留言 ${t.ticket_id}`, placeholder: "输入答复" });
    const li = h("li", { class: "item", "data-ticket": t.ticket_id },
      h("div", { class: "meta" }, h("span", null, `留言 #${t.ticket_id}`), h("time", null, new Date(t.created_at).toLocaleString("zh-CN"))),
      h("div", { class: "first" }, t.text),
      t.contact ? h("div", { class: "meta" }, `联系方式：${t.contact}`) : null,
      answer,
      h("button", { type: "button", onclick: () => {
        const text = answer.value.trim();
        if (text && send({ type: "answer_ticket", ticket_id: t.ticket_id, text })) {
          li.remove();
          tickets.delete(t.ticket_id);
          answeredHere.add(t.ticket_id);
          ticketsTotal = Math.max(0, ticketsTotal - 1);
          updateTickets();
        }
      } }, "答复"));
    tickets.set(t.ticket_id, li);
    if (newest) $("tickets").prepend(li); else $("tickets").append(li);
    updateTickets();
  }
  function updateTickets() {
    ticketsTotal = Math.max(ticketsTotal, tickets.size);
    $("ticket-count").textContent = ticketsTotal;
    $("tickets-empty").hidden = tickets.size > 0;
    const more = $("more-tickets");
    more.hidden = !moreTickets;
    more.disabled = false;
    more.textContent = `加载更早的留言（已显示 ${tickets.size} / ${ticketsTotal} 条）`;
  }
  $("more-tickets").onclick = () => {
    const oldest = Math.min(...tickets.keys());
    if (Number.isFinite(oldest) && send({ type: "list_tickets", before: oldest })) $("more-tickets").disabled = true;
  };

  // ---- Server frames ----
  const handlers = {
    "agent.welcome"(m) {
      me = m;
      retry = 0;
      setConn(true);
      $("desk").hidden = false;
      $("agent-name").textContent = `${m.name}（${m.agent_id}，最多同时 ${m.max_concurrent} 个会话）`;
      $("status").value = wantStatus;
      for (const c of m.active) openChat(c);
      $("tickets").replaceChildren();
      tickets.clear();
      ticketsTotal = m.tickets_total ?? m.tickets.length;
      moreTickets = ticketsTotal > m.tickets.length;
      m.tickets.forEach((t) => addTicket(t));
      updateTickets();
      renderQueue(queue);
    },
    queue(m) {
      renderQueue(m.items);
      // Presence changes come with a queue push: keep the transfer lists current.
      if (chats.size) send({ type: "list_agents" });
    },
    agents(m) {
      colleagues = m.agents;
      for (const c of chats.values()) fillColleagues(c.to);
    },
    "visitor.presence"(m) {
      const c = chats.get(m.session_id);
      if (!c) return;
      c.log.append(line({ from: "note", text: m.text, at: new Date().toISOString() }));
      c.log.scrollTop = c.log.scrollHeight;
      c.presence.textContent = m.connected ? "访客在线" : "访客已离开";
      c.presence.classList.toggle("away", !m.connected);
    },
    assigned(m) { openChat(m.conversation); renderQueue(queue); },
    "visitor.message"(m) {
      const c = chats.get(m.session_id);
      if (!c) return;
      c.log.append(line({ from: "visitor", text: m.text, at: new Date().toISOString() }));
      c.kb.suggest(m.text);
      c.log.scrollTop = c.log.scrollHeight;
      if (!c.el.contains(document.activeElement)) c.el.classList.add("unread");
      if (document.hidden) beep();
    },
    released(m) {
      const c = chats.get(m.session_id);
      if (c) { c.el.remove(); chats.delete(m.session_id); }
      updateChats();
      renderQueue(queue);
    },
    "ticket.new"(m) {
      if (!tickets.has(m.ticket.ticket_id)) ticketsTotal += 1;
      addTicket(m.ticket, true);
      beep();
    },
    "ticket.closed"(m) {
      if (answeredHere.delete(m.ticket_id)) return; // this console's own answer, already counted
      const li = tickets.get(m.ticket_id);
      if (li) { li.remove(); tickets.delete(m.ticket_id); }
      ticketsTotal = Math.max(0, ticketsTotal - 1);
      updateTickets();
      if (li) toast(`留言 #${m.ticket_id} 已由 ${m.by} 答复`);
    },
    tickets(m) {
      m.tickets.forEach((t) => addTicket(t));
      moreTickets = m.more;
      updateTickets();
    },
    ack() {},
    pong() {},
    "server.restarting"(m) { setConn(false, m.text); },
    error(m) {
      if (m.code === "unauthorized" || m.code === "forbidden") {
        stop();
        toast(m.message);
        // A 401 from /me hands over to the sign-in form.
        ctx.api("GET", "/api/admin/me").catch(() => {});
        return;
      }
      toast(m.message);
    },
  };

  // ---- Connection ----
  function setConn(ok, text) {
    online = ok;
    $("conn").textContent = text || (ok ? "● 已连接" : "● 连接中断，正在重连…");
    $("conn").classList.toggle("off", !ok);
  }
  function connect() {
    clearTimeout(retryTimer);
    const sock = new WebSocket(wsUrl);
    ws = sock;
    sock.onopen = () => sock.send(JSON.stringify({ type: "hello", status: wantStatus }));
    sock.onmessage = (ev) => {
      let m;
      try { m = JSON.parse(ev.data); } catch { return; }
      const f = handlers[m.type];
      if (f) f(m);
    };
    sock.onclose = () => {
      if (ws !== sock || stopped) return;
      ws = null;
      setConn(false);
      retryTimer = setTimeout(connect, Math.min(15000, 500 * 2 ** retry++));
    };
  }
  function stop() {
    clearTimeout(retryTimer);
    const sock = ws;
    ws = null;
    online = false;
    if (sock) sock.close();
  }

  $("status").onchange = () => { wantStatus = $("status").value; send({ type: "status", status: wantStatus }); };
  timers.push(setInterval(() => { if (ws && online) ws.send('{"type":"ping"}'); }, 25000));

  updateTitle();
  loadCanned();
  connect();
  return () => {
    stopped = true;
    timers.forEach(clearInterval);
    stop();
  };
}
