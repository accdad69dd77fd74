// Server settings that force a branch: every question clarified ("您是不是想问"),
// and every moment outside business hours (留言 ticket answered from the console,
// older 留言 paged in by the agent).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { AGENT_1, AGENT_2, eventually, launchBrowser, newContext, openWidget, shot, signIn, sql, startServer, widgetAsk } from "./helpers.mjs";
import { addUser, signIn as consoleSignIn } from "./admin-helpers.mjs";

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

describe("clarification (answer_threshold above 1)", () => {
  let server;
  before(async () => { server = await startServer({ clarify: true }); });
  after(async () => { await server?.close(); });

  test("a candidate chip is tapped (after a reload too) and its answer streams in", async () => {
    const context = await newContext(browser, server);
    const page = await context.newPage();
    await page.goto(server.url + "/");
    await openWidget(page);
    await widgetAsk(page, "个体户开发票");
    const group = page.getByRole("group", { name: "您是不是想问" });
    await group.waitFor();
    const offered = await group.getByRole("button").allInnerTexts();
    await shot(page, "09-widget-clarify");
    // A reload shows the same choices, and they can still be picked.
    await page.reload();
    await group.waitFor();
    assert.deepEqual(await group.getByRole("button").allInnerTexts(), offered);
    const chip = group.getByRole("button").first();
    const question = await chip.innerText();
    await chip.click();
    await page.locator("taxbot-widget .msg.me", { hasText: question }).waitFor();
    const answer = page.locator("taxbot-widget .msg.bot").filter({ has: page.locator(".fb") }).last();
    await answer.locator(".src").waitFor();
    const [{ text }] = sql(server, "SELECT text FROM messages WHERE sender = 'visitor' ORDER BY id DESC LIMIT 1");
    assert.equal(text, question, "the chosen question is stored");
    await context.close();
  });

  test("the agent desk shows the questions a clarification offered, not only their ids", async () => {
    const agentCtx = await newContext(browser, server, { viewport: { width: 1280, height: 800 } });
    const agent = await agentCtx.newPage();
    await signIn(agent, server, AGENT_1);
    const context = await newContext(browser, server);
    const page = await context.newPage();
    await page.goto(server.url + "/");
    await openWidget(page);
    await widgetAsk(page, "小规模纳税人");
    const group = page.getByRole("group", { name: "您是不是想问" });
    await group.waitFor();
    const offered = await group.getByRole("button").allInnerTexts();
    assert.ok(offered.length >= 2, offered.join("|"));
    await page.locator("taxbot-widget button.human").click();
    const item = agent.locator("#queue li.item").first();
    await item.waitFor();
    await item.getByRole("button", { name: "接入" }).click();
    const clarified = agent.locator("article.chat .line.bot", { has: agent.locator(".decision.clarify") }).last();
    await clarified.waitFor();
    assert.match(await clarified.locator(".offered").innerText(), /^反问：/);
    assert.deepEqual(await clarified.locator(".offered li").allInnerTexts(), offered);
    assert.doesNotMatch(await clarified.locator(".decision").innerText(), /[A-Z]+-\d+/, "no bare entry ids");
    await shot(agent, "36-console-clarify-offered");
    await context.close();
    await agentCtx.close();
  });
});

describe("after hours (留言)", () => {
  let server;
  before(async () => { server = await startServer({ hours: "never" }); });
  after(async () => { await server?.close(); });

  test("leave a message with contact, see the ticket number, get the agent's answer", async () => {
    const context = await newContext(browser, server);
    const page = await context.newPage();
    await page.goto(server.url + "/");
    await openWidget(page);
    await page.locator("taxbot-widget button.human").click();
    const form = page.getByRole("form", { name: "留言" });
    await form.waitFor();
    assert.match(await form.innerText(), /不是人工服务时间/);
    await form.getByLabel("留言内容").fill("请问出口退税");
    await form.getByLabel("联系方式（选填）").fill("13800000000");
    // A reload keeps the half-written 留言.
    await page.reload();
    await form.waitFor();
    assert.equal(await form.getByLabel("留言内容").inputValue(), "请问出口退税");
    assert.equal(await form.getByLabel("联系方式（选填）").inputValue(), "13800000000");
    await form.getByLabel("留言内容").fill("请问出口退税多久到账？");
    await shot(page, "10-widget-leave-message");
    await form.getByRole("button", { name: "提交留言" }).click();
    await page.getByText(/留言已收到，编号 \d+/).waitFor();
    const [ticket] = sql(server, "SELECT id, text, contact, status FROM tickets");
    assert.deepEqual({ text: ticket.text, contact: ticket.contact, status: ticket.status }, { text: "请问出口退税多久到账？", contact: "13800000000", status: "open" });
    assert.match(await page.getByText(/留言已收到，编号/).innerText(), new RegExp(`编号 ${ticket.id}`));

    const agentCtx = await newContext(browser, server, { viewport: { width: 1280, height: 800 } });
    const agent = await agentCtx.newPage();
    await signIn(agent, server, AGENT_1);
    const li = agent.locator(`#tickets li[data-ticket="${ticket.id}"]`);
    await li.waitFor();
    assert.match(await li.innerText(), /13800000000/);
    await li.getByRole("textbox").fill("一般在 10 个工作日内到账。");
    await li.getByRole("button", { name: "答复" }).click();
    await page.locator("taxbot-widget .msg.bot", { hasText: "一般在 10 个工作日内到账。" }).waitFor();
    await eventually(() => sql(server, `SELECT status FROM tickets WHERE id = ${ticket.id}`)[0].status !== "open");
    await agentCtx.close();
    await context.close();

    // The answer is in the audit log, read in Chinese.
    addUser(server.data, "管理员", "admin", "admin-password");
    const adminCtx = await newContext(browser, server, { viewport: { width: 1280, height: 800 } });
    const admin = await adminCtx.newPage();
    await consoleSignIn(admin, server.url, "管理员", "admin-password");
    await admin.locator("#nav a", { hasText: "审计日志" }).click();
    const answered = admin.locator("tr[data-action='ticket.answer']");
    await answered.first().waitFor();
    assert.equal(await answered.first().locator("td").nth(2).innerText(), "答复留言");
    await adminCtx.close();
  });
});

describe("many 留言 (the agent's welcome carries one page)", () => {
  let server;
  before(async () => { server = await startServer({ hours: "never", welcomeTickets: 2 }); });
  after(async () => { await server?.close(); });

  test("older 留言 are loaded page by page; a new one arrives on top", async () => {
    const context = await newContext(browser, server);
    const page = await context.newPage();
    await page.goto(server.url + "/");
    // Five 留言 from one visitor over the documented protocol (the daily bound is 5).
    const created = await page.evaluate(async () => {
      const ws = new WebSocket(location.origin.replace(/^http/, "ws") + "/ws/chat");
      const frames = [];
      const next = (type) => new Promise((ok) => {
        const look = () => { const i = frames.findIndex((f) => f.type === type); if (i >= 0) ok(frames.splice(i, 1)[0]); else setTimeout(look, 20); };
        look();
      });
      ws.onmessage = (e) => frames.push(JSON.parse(e.data));
      await new Promise((ok) => { ws.onopen = ok; });
      ws.send(JSON.stringify({ type: "hello" }));
      await next("welcome");
      const ids = [];
      for (let i = 1; i <= 4; i++) {
        ws.send(JSON.stringify({ type: "leave_message", text: `第 ${i} 条留言：请问出口退税多久到账？` }));
        ids.push((await next("ticket.created")).ticket_id);
      }
      ws.close();
      return ids;
    });
    assert.equal(created.length, 4);

    const agentCtx = await newContext(browser, server, { viewport: { width: 1280, height: 800 } });
    const agent = await agentCtx.newPage();
    await signIn(agent, server, AGENT_1);
    await agent.locator("#tickets li.item").nth(1).waitFor();
    const shown = async () => (await agent.locator("#tickets li.item").evaluateAll((els) => els.map((e) => Number(e.dataset.ticket))));
    assert.deepEqual(await shown(), [created[3], created[2]], "the welcome carries the newest page");
    assert.equal(await agent.locator("#ticket-count").innerText(), "4");
    const more = agent.getByRole("button", { name: /加载更早的留言/ });
    assert.match(await more.innerText(), /已显示 2 \/ 4 条/);
    await more.click();
    await agent.locator("#tickets li.item").nth(3).waitFor();
    assert.deepEqual(await shown(), [created[3], created[2], created[1], created[0]]);
    await more.waitFor({ state: "hidden" });

    // A 留言 left now goes on top, and the count follows.
    await openWidget(page);
    await page.locator("taxbot-widget button.human").click();
    const form = page.getByRole("form", { name: "留言" });
    await form.getByLabel("留言内容").fill("第 5 条留言：发票丢了怎么办？");
    await form.getByRole("button", { name: "提交留言" }).click();
    await agent.locator("#tickets li.item").nth(4).waitFor();
    const [newest] = await shown();
    assert.ok(newest > created[3], "the new 留言 is listed first");
    assert.equal(await agent.locator("#ticket-count").innerText(), "5");
    await shot(agent, "12-console-tickets-paged");

    // A colleague answers one: it leaves this console's list at once, and both counts agree.
    const otherCtx = await newContext(browser, server, { viewport: { width: 1280, height: 800 } });
    const other = await otherCtx.newPage();
    await signIn(other, server, AGENT_2);
    const theirs = other.locator(`#tickets li[data-ticket="${created[3]}"]`);
    await theirs.waitFor();
    await theirs.getByRole("textbox").fill("已为您查询，退税已受理。");
    await theirs.getByRole("button", { name: "答复" }).click();
    await agent.locator(`#tickets li[data-ticket="${created[3]}"]`).waitFor({ state: "detached" });
    assert.equal(await agent.locator("#ticket-count").innerText(), "4");
    assert.equal(await other.locator("#ticket-count").innerText(), "4");
    await otherCtx.close();
    await agentCtx.close();
    await context.close();
  });
});
