// The agent desk for a working day: an admin keeps canned replies (快捷回复)
// that an agent inserts into the reply box; a transfer goes to a colleague
// picked from the list with a note only the agents see; the desk shows the
// taxpayer leaving and coming back; closed conversations are found again in
// 历史会话 by text or visitor name and read with their transcript.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { AGENT_1, AGENT_2, launchBrowser, newContext, openWidget, shot, signIn, sql, startServer, widgetAsk } from "./helpers.mjs";
import { addUser, signIn as consoleSignIn } from "./admin-helpers.mjs";

const GREETING = "您好，我是税务咨询客服，请稍候，我帮您查一下。";
const NOTE = "纳税人问船舶吨税，已确认是国际航行船舶，请协助按净吨位计算";
const QUESTION = "船舶吨税按什么标准征收";

describe("agent desk: canned replies, transfer with a note, disconnects, history", () => {
  let server, browser, first, second, visitorCtx, visitor, sessionId;
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    addUser(server.data, "管理员", "admin", "admin-password");
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("an admin keeps canned replies per team", async () => {
    const ctx = await newContext(browser, server, { viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    await consoleSignIn(page, server.url, "管理员", "admin-password");
    await page.locator("#nav a", { hasText: "快捷回复" }).click();
    const form = page.getByRole("form", { name: "添加或修改快捷回复" });
    await form.getByLabel("标题").fill("问候");
    await form.getByLabel("回复内容").fill(GREETING);
    await form.getByRole("button", { name: "添加" }).click();
    await page.locator(".canned-list li", { hasText: "问候" }).waitFor();
    await form.getByLabel("小组").fill("增值税组");
    await form.getByLabel("标题").fill("发票作废");
    await form.getByLabel("回复内容").fill("当月开具的发票可以作废，跨月请开红字发票。");
    await form.getByRole("button", { name: "添加" }).click();
    await page.locator(".canned-list li", { hasText: "发票作废" }).waitFor();
    // A too-long title is refused by the server with a message a person can act on.
    await form.getByLabel("标题").evaluate((e) => e.removeAttribute("maxlength"));
    await form.getByLabel("标题").fill("很".repeat(41));
    await form.getByLabel("回复内容").fill("x");
    await form.getByRole("button", { name: "添加" }).click();
    await page.locator("#toast", { hasText: "标题应为 1-40 个字" }).waitFor();
    assert.equal(await page.locator(".canned-list li").count(), 2);
    await shot(page, "30-console-canned-replies");
    const rows = sql(server, "SELECT team, title FROM canned_replies ORDER BY id");
    assert.deepEqual(rows, [{ team: "", title: "问候" }, { team: "增值税组", title: "发票作废" }]);
    await ctx.close();
  });

  test("an agent inserts a canned reply, then transfers with a note to a colleague picked from the list", async () => {
    const ctx1 = await newContext(browser, server, { viewport: { width: 1280, height: 800 } });
    first = await ctx1.newPage();
    await signIn(first, server, AGENT_1);
    const ctx2 = await newContext(browser, server, { viewport: { width: 1280, height: 800 } });
    second = await ctx2.newPage();
    await signIn(second, server, AGENT_2);

    visitorCtx = await newContext(browser, server);
    visitor = await visitorCtx.newPage();
    await visitor.goto(server.url + "/");
    await openWidget(visitor);
    await widgetAsk(visitor, QUESTION);
    await visitor.locator("taxbot-widget .msg.bot").nth(1).waitFor();
    await visitor.locator("taxbot-widget button.human").click();
    const item = first.locator("#queue li.item").first();
    await item.waitFor();
    sessionId = await item.getAttribute("data-session");
    await item.getByRole("button", { name: "接入" }).click();
    const chat = first.locator(`article.chat[data-session="${sessionId}"]`);
    await chat.waitFor();
    // The agent sees the bot transcript: the taxpayer is not asked to describe the problem.
    await visitor.locator("taxbot-widget .sys", { hasText: "客服「小王」已接入，可以看到您之前的对话" }).waitFor();
    assert.doesNotMatch(await visitor.locator("taxbot-widget .panel").innerText(), /请描述您的问题/);

    // 快捷回复: inserted at the cursor into what the agent typed, then sent.
    const reply = chat.getByRole("textbox", { name: /回复访客/ });
    await reply.fill("（补充）");
    await reply.evaluate((e) => { e.selectionStart = e.selectionEnd = 0; });
    const canned = chat.getByLabel(/快捷回复（访客/);
    assert.deepEqual(await canned.locator("optgroup").evaluateAll((gs) => gs.map((g) => g.label)), ["通用", "增值税组"]);
    await canned.selectOption({ label: "问候" });
    assert.equal(await reply.inputValue(), GREETING + "（补充）");
    await reply.press("Enter");
    await visitor.locator("taxbot-widget .msg.agent", { hasText: GREETING }).waitFor();

    // Transfer: the colleague is picked from the list, with a note.
    await chat.locator("details.transfer summary").click();
    const to = chat.getByLabel("转接给");
    await to.locator(`option[value="${AGENT_2}"]:not([disabled])`).waitFor({ state: "attached" });
    assert.match(await to.locator(`option[value="${AGENT_2}"]`).innerText(), /小李（在线，0\/\d+）/);
    assert.equal(await to.locator(`option[value="${AGENT_1}"]`).count(), 0, "not oneself");
    await to.selectOption(AGENT_2);
    await chat.getByLabel("转接备注").fill(NOTE);
    await shot(first, "31-console-transfer-with-note");
    await chat.getByRole("button", { name: "确认转接" }).click();
    await chat.waitFor({ state: "detached" });

    // The receiver has the whole conversation and the note; the taxpayer is not asked again.
    const received = second.locator(`article.chat[data-session="${sessionId}"]`);
    await received.waitFor();
    await received.locator(".line.note", { hasText: NOTE }).waitFor();
    assert.match(await received.locator(".line.note").first().innerText(), /备注（仅客服可见）[\s\S]*小王 → 小李/);
    await received.locator(".line.visitor", { hasText: QUESTION }).waitFor();
    await received.locator(".line.agent", { hasText: GREETING }).waitFor();
    await visitor.locator("taxbot-widget .banner", { hasText: "小李" }).waitFor();
    await visitor.locator("taxbot-widget .sys", { hasText: "已为您转接客服「小李」，对方可以看到之前的对话，无需重复描述" }).waitFor();
    assert.doesNotMatch(await visitor.locator("taxbot-widget .panel").innerText(), /请描述您的问题/);
    assert.doesNotMatch(await visitor.locator("taxbot-widget .panel").innerText(), /转接备注|国际航行船舶/);
    await shot(second, "32-console-transferred-with-note");
    const audit = sql(server, "SELECT detail FROM audit_log WHERE action = 'handoff.transfer'");
    assert.equal(JSON.parse(audit[0].detail).note, NOTE);
  });

  test("the desk shows the taxpayer leaving and coming back", async () => {
    const chat = second.locator(`article.chat[data-session="${sessionId}"]`);
    assert.equal(await chat.locator(".presence").innerText(), "访客在线");
    await visitor.close();
    await chat.locator(".presence", { hasText: "访客已离开" }).waitFor();
    await chat.locator(".line.note", { hasText: "访客已离开" }).waitFor();
    await shot(second, "33-console-visitor-left");
    visitor = await visitorCtx.newPage();
    await visitor.goto(server.url + "/");
    await openWidget(visitor);
    await chat.locator(".presence", { hasText: "访客在线" }).waitFor();
    await chat.locator(".line.note", { hasText: "访客已重新连接" }).waitFor();
    // The taxpayer's page, back, replays the conversation without the notes.
    await visitor.locator("taxbot-widget .panel", { hasText: GREETING }).waitFor();
    assert.doesNotMatch(await visitor.locator("taxbot-widget .panel").innerText(), /访客已离开|访客已重新连接|转接备注/);
  });

  test("a closed conversation is found in 历史会话 by text and by visitor name, read-only", async () => {
    const chat = second.locator(`article.chat[data-session="${sessionId}"]`);
    const name = await chat.locator("header h3").innerText();
    await chat.getByLabel("结束原因").selectOption("已解答");
    await chat.getByRole("button", { name: "结束会话" }).click();
    await chat.waitFor({ state: "detached" });

    await second.locator("#nav a", { hasText: "历史会话" }).click();
    const rows = second.locator(".history-list li");
    await rows.first().waitFor();
    assert.match(await rows.first().innerText(), new RegExp(`${name}[\\s\\S]*已解答[\\s\\S]*${QUESTION}`));
    const search = second.getByRole("searchbox", { name: "搜索历史会话" });
    await search.fill("吨税按什么");
    await search.press("Enter");
    await second.locator(".history-list li", { hasText: QUESTION }).waitFor();
    assert.equal(await rows.count(), 1);
    await search.fill("没有人问过的话");
    await search.press("Enter");
    await second.locator("p[role=status]", { hasText: "没有找到包含“没有人问过的话”的已结束会话" }).waitFor();
    assert.equal(await rows.count(), 0);
    await search.fill(name);
    await search.press("Enter");
    await second.locator(`.history-list li[data-session="${sessionId}"]`).waitFor();

    await second.locator(`.history-list li[data-session="${sessionId}"]`).getByRole("button", { name: "查看记录" }).click();
    const log = second.getByRole("log", { name: `${name} 的会话记录` });
    await log.locator(".line.visitor", { hasText: QUESTION }).waitFor();
    await log.locator(".line.note", { hasText: NOTE }).waitFor();
    await log.locator(".line.note", { hasText: "访客已离开" }).waitFor();
    assert.equal(await second.locator(".history-view textarea, .history-view input").count(), 0, "read-only");
    await shot(second, "34-console-history");
  });

  test("the audit log names the transfer and the close in Chinese", async () => {
    const ctx = await newContext(browser, server, { viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    await consoleSignIn(page, server.url, "管理员", "admin-password");
    await page.locator("#nav a", { hasText: "审计日志" }).click();
    for (const [action, label] of [["handoff.transfer", "转接会话"], ["handoff.close", "结束会话"]]) {
      const row = page.locator(`tr[data-action='${action}']`).first();
      await row.waitFor();
      assert.equal(await row.locator("td").nth(2).innerText(), label, action);
    }
    await ctx.close();
  });
});
