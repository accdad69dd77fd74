// Placeholder widget: a minimal, dependency-free client of /ws/chat so the demo
// page works end to end. The real widget (Shadow DOM, Markdown allow-list,
// feedback and handoff UI) replaces this file in a later issue.
(() => {
  "use strict";
  const box = document.createElement("div");
  box.style.cssText = "border:1px solid #ccc;max-width:40em;padding:8px;font:14px sans-serif";
  const log = document.createElement("div");
  log.style.cssText = "height:20em;overflow:auto;white-space:pre-wrap";
  const input = document.createElement("input");
  input.style.width = "80%";
  input.placeholder = "请输入您的问题";
  const send = document.createElement("button");
  send.textContent = "发送";
  box.append(log, input, send);
  document.body.append(box);

  const line = (who, text) => {
    const p = document.createElement("p");
    p.textContent = `${who}：${text}`; // always text, never HTML
    log.append(p);
    log.scrollTop = log.scrollHeight;
    return p;
  };

  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/chat`;
  const ws = new WebSocket(url);
  let answer = null;
  ws.onopen = () => ws.send(JSON.stringify({ type: "hello", visitor_token: localStorage.getItem("taxbot.token") }));
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    switch (m.type) {
      case "welcome":
        localStorage.setItem("taxbot.token", m.visitor_token);
        for (const h of m.history) line(h.from, h.text);
        line("助手", m.greeting);
        break;
      case "answer.start": answer = line("助手", ""); break;
      case "answer.delta": answer.textContent += m.text; break;
      case "clarify": line("助手", `${m.text}\n${m.candidates.map((c) => c.question).join("\n")}`); break;
      case "no_match": case "text": case "handoff.offline": case "human.offer": line("助手", m.text); break;
      case "queue": line("系统", `排队第 ${m.position} 位`); break;
      case "agent.joined": line("系统", `客服 ${m.agent_name} 为您服务`); break;
      case "agent.message": line("客服", m.text); break;
      case "ticket.answer": line("客服", m.answer); break;
      case "error": line("错误", m.message); break;
    }
  };
  const ask = () => {
    if (!input.value.trim()) return;
    line("我", input.value);
    ws.send(JSON.stringify({ type: "ask", text: input.value }));
    input.value = "";
  };
  send.onclick = ask;
  input.onkeydown = (e) => { if (e.key === "Enter") ask(); };
})();
