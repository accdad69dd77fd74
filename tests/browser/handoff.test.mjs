// 转人工 from the widget, the agent console in a second browser context:
// queue → accept → messages both ways → close → rating stored; a taxpayer's
// <img onerror> stays text in the console.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { AGENT_1, eventually, launchBrowser, newContext, openWidget, shot, signIn, sql, startServer, widgetAsk } from "./helpers.mjs";

const XSS = `<img src=x onerror="window.__xss=1;document.title='pwned'">发票开错了怎么办`;

describe("human handoff through the agent console", () => {
  let server, browser;
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("the 留言 form offered while no agent is on duty goes away once the taxpayer is queued", async () => {
    const visitorCtx = await newContext(browser, server);
    const visitor = await visitorCtx.newPage();
    await visitor.goto(server.url + "/");
    await openWidget(visitor);
    await visitor.locator("taxbot-widget button.human").click();
    const form = visitor.getByRole("form", { name: "留言" });
    await form.waitFor();
    assert.match(await form.innerText(), /人工客服暂时都不在线/);
    await form.getByLabel("留言内容").fill("写了一半");

    const agentCtx = await newContext(browser, server, { viewport: { width: 1280, height: 800 } });
    const agent = await agentCtx.newPage();
    await signIn(agent, server, AGENT_1);
    await visitor.locator("taxbot-widget button.human").click();
    await visitor.locator("taxbot-widget .banner", { hasText: "排队第 1 位" }).waitFor();
    await form.waitFor({ state: "detached" });
    assert.equal(await visitor.locator("taxbot-widget form.card").count(), 0, "no 留言 form while queued");
    // A reload does not bring the half-written 留言 back either.
    await visitor.reload();
    await visitor.locator("taxbot-widget .banner", { hasText: "排队" }).waitFor();
    assert.equal(await visitor.getByRole("form", { name: "留言" }).count(), 0);

    await visitor.locator("taxbot-widget .banner").getByRole("button", { name: "取消排队" }).click();
    await agent.locator("#queue li.item").first().waitFor({ state: "detached" });
    await agentCtx.close();
    await visitorCtx.close();
  });

  test("queue, accept, chat both ways, close, rating; visitor text stays text", async () => {
    const agentCtx = await newContext(browser, server, { viewport: { width: 1280, height: 800 } });
    const agent = await agentCtx.newPage();
    await signIn(agent, server, AGENT_1);
    assert.match(await agent.locator("#agent-name").innerText(), /小王/);

    const visitorCtx = await newContext(browser, server);
    const visitor = await visitorCtx.newPage();
    await visitor.goto(server.url + "/");
    await openWidget(visitor);
    await widgetAsk(visitor, XSS);
    // The visitor's own bubble shows the markup as text too.
    await visitor.locator("taxbot-widget .msg.me", { hasText: "<img src=x" }).waitFor();
    await visitor.locator("taxbot-widget .msg.bot").nth(1).waitFor();
    await visitor.locator("taxbot-widget button.human").click();
    await visitor.locator("taxbot-widget .banner", { hasText: "排队第 1 位" }).waitFor();
    // An agent is online with room: no made-up wait.
    assert.match(await visitor.locator("taxbot-widget .banner").innerText(), /客服即将接入/);
    await shot(visitor, "03-widget-queued");

    // The console: live queue with waiting time, first question (as text) and the bot transcript.
    const item = agent.locator("#queue li.item").first();
    await item.waitFor();
    assert.equal(await item.locator(".first").innerText(), XSS);
    assert.match(await item.locator(".wait").innerText(), /已等待/);
    assert.match(await agent.title(), /^\(1\) /);
    // A readable name, not a hex id; times and the bot's decisions in the transcript.
    assert.match(await item.locator(".visitor-name").innerText(), /^访客 \d{4}$/);
    await item.locator("summary").click();
    assert.match(await item.locator(".transcript").innerText(), /智能助手/);
    assert.match(await item.locator(".transcript .line.bot .at").first().innerText(), /^\d{2}:\d{2}$/);
    assert.ok((await item.locator(".transcript .line.bot .decision").count()) >= 1, "the bot's decision is shown");
    const queuedName = await item.locator(".visitor-name").innerText();
    await item.getByRole("button", { name: "接入" }).click();
    const chat = agent.locator("article.chat").first();
    await chat.waitFor();
    await visitor.locator("taxbot-widget .banner", { hasText: "人工客服「小王」正在为您服务" }).waitFor();
    assert.equal(await chat.locator("header h3").innerText(), queuedName, "the same name in the queue and the chat");

    // Agent → taxpayer.
    await chat.getByRole("textbox", { name: /回复访客/ }).fill("您好，我是小王，请问发票开错的是哪种发票？");
    await chat.getByRole("textbox", { name: /回复访客/ }).press("Enter");
    await visitor.locator("taxbot-widget .msg.agent", { hasText: "请问发票开错的是哪种发票" }).waitFor();
    // Taxpayer → agent, markup again.
    await widgetAsk(visitor, `数电发票 <script>window.__xss=2</script><b onmouseover=alert(1)>x</b>`);
    await chat.locator(".line.visitor", { hasText: "数电发票 <script>" }).waitFor();
    await shot(agent, "04-console-chat", "console-chat");
    await shot(visitor, "05-widget-with-agent");
    assert.equal(await agent.evaluate(() => window.__xss), undefined);
    assert.equal(await agent.locator("#queue img, article.chat img, article.chat b, article.chat script").count(), 0);
    assert.doesNotMatch(await agent.title(), /pwned/);

    // Close with a resolution → the taxpayer rates.
    await chat.getByLabel("结束原因").selectOption("已解答");
    await chat.getByRole("button", { name: "结束会话" }).click();
    await chat.waitFor({ state: "detached" });
    await visitor.locator("taxbot-widget .sys", { hasText: "人工服务已结束（已解答）" }).waitFor();
    const rating = visitor.locator("taxbot-widget form.rating");
    await rating.getByRole("radio", { name: "5 星" }).click();
    await rating.getByRole("textbox").fill("很耐心");
    await shot(visitor, "06-widget-rating");
    await rating.getByRole("button", { name: "提交评价" }).click();
    await rating.getByText("感谢您的评价（5 星）").waitFor();
    const rows = await eventually(() => { const r = sql(server, "SELECT agent_id, stars, comment FROM ratings"); return r.length && r; });
    assert.deepEqual(rows, [{ agent_id: AGENT_1, stars: 5, comment: "很耐心" }]);
    const [{ resolution }] = sql(server, "SELECT resolution FROM conversations WHERE resolution IS NOT NULL");
    assert.equal(resolution, "已解答");
    await agentCtx.close();
    await visitorCtx.close();
  });
});
