// The knowledge editor pages of the console against the real binary: an
// editor edits an answer and publishes it, and a widget in another browser
// context answers with the new text at once; a `<script>` typed into the
// answer shows as text in the live preview; "试一试" ranks candidates; the
// Excel export downloaded through the console re-imports with nothing
// changed; an agent sees no knowledge pages and may not publish (403); the
// same Markdown renders identically in the console and in the widget.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AGENT_1, AGENT_PASSWORD, BIN, ROOT, launchBrowser, newContext, openWidget, shot, startServer, widgetAsk } from "./helpers.mjs";
import { addUser, signIn } from "./admin-helpers.mjs";

const EDITOR = "编辑小张";
const EDITOR_PASSWORD = "editor-pass-123";
const ID = "IND-011";
const QUESTION = "个体工商户怎么开具发票？";
const MARKER = "新答案标记7731";
const NEW_ANSWER = `个体工商户可以登录电子税务局开具数电发票（${MARKER}）。\n\n- 无需税控设备\n- **当场**可开`;
const XSS = "<script>window.__xss='preview'</script><img src=x onerror=\"window.__xss='img'\">";
const KNOWLEDGE_PAGES = ["知识条目", "试一试", "同义词", "词典"];
/** An answer that uses every rule of the allow-list renderer (web-widget/render.js), and markup that must stay text. */
const RENDER_MARKER = "渲染一致标记5120";
const RICH_ANSWER = [
  `## 开具发票（${RENDER_MARKER}）`,
  "3. 登录电子税务局",
  "   - 选择**数电发票**",
  "   - 填写购买方信息",
  "4. 确认开具",
  "",
  "详见[国家税务总局](https://www.chinatax.gov.cn/)，不是[这个](javascript:window.__xss='link')。",
  XSS,
  "",
  "+ 无需税控设备",
  "* 当场可开",
].join("\n");

describe("editor console", () => {
  let server, browser;
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    addUser(server.data, EDITOR, "editor", EDITOR_PASSWORD);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Clicks 保存并发布 and waits for the toast; fails with the page's error message if one shows instead. */
  async function saveList(page) {
    await page.getByRole("button", { name: "保存并发布" }).click();
    await page.waitForFunction(() => !document.getElementById("toast").hidden || document.querySelector(".page .error").textContent);
    assert.equal(await page.locator(".page .error").innerText(), "");
    await page.locator("#toast", { hasText: "已保存并发布" }).waitFor();
  }

  async function editorPage() {
    const context = await newContext(browser, server);
    const page = await context.newPage();
    page.errors = [];
    page.on("pageerror", (e) => page.errors.push(e.message));
    page.on("dialog", (d) => d.accept());
    await signIn(page, server.url, EDITOR, EDITOR_PASSWORD);
    return { context, page };
  }

  /** A taxpayer in a browser context of its own asks `question` in the widget on the demo page. */
  async function askInWidget(question) {
    const visitor = await newContext(browser, server);
    const widget = await visitor.newPage();
    await widget.goto(server.url + "/");
    await openWidget(widget);
    await widgetAsk(widget, question);
    return { visitor, widget };
  }

  test("edit → preview shows markup as text → publish → a widget elsewhere answers with the new text", async () => {
    const { context, page } = await editorPage();
    const nav = await page.locator("#nav").innerText();
    for (const title of KNOWLEDGE_PAGES) assert.ok(nav.includes(title), `nav has ${title}: ${nav}`);
    assert.ok(!nav.includes("编辑条目"), "the editor page is not in the navigation");

    await page.goto(server.url + "/console/#/entries");
    await page.getByLabel("搜索条目").fill("个体工商户怎么开具发票");
    await page.getByRole("button", { name: "搜索", exact: true }).click();
    const row = page.locator(`table.entries tr[data-id="${ID}"]`);
    await row.waitFor();
    await shot(page, "editor-list");
    await row.locator("td").nth(1).click();
    await page.getByRole("heading", { name: `条目 ${ID}` }).waitFor();

    // At 1280 px the form spans its panel (it was squeezed into a narrow right-hand column).
    await page.setViewportSize({ width: 1280, height: 800 });
    const form = await page.locator("form.entry-form").boundingBox();
    const question = await page.getByLabel("标准问题").boundingBox();
    const similar = await page.getByLabel(/相似问法/).boundingBox();
    const source = await page.getByLabel("答案（Markdown）").boundingBox();
    assert.ok(form.width > 1000, `form width ${form.width}`);
    for (const [name, box] of [["标准问题", question], ["相似问法", similar]]) {
      assert.ok(box.x - form.x < 20 && box.width > form.width * 0.9, `${name} spans the form: ${JSON.stringify(box)} in ${JSON.stringify(form)}`);
    }
    assert.ok(source.width > form.width * 0.4, `the answer source takes half the form: ${source.width}`);

    const answer = page.getByLabel("答案（Markdown）");
    const preview = page.locator(".entry-form .md-preview");
    await answer.fill(XSS + "\n\n**加粗**");
    const shown = await preview.innerText();
    assert.ok(shown.includes("<script>window.__xss='preview'</script>"), `the script shows as text: ${shown}`);
    assert.equal(await preview.locator("script, img").count(), 0);
    assert.equal(await preview.locator("strong").innerText(), "加粗", "allow-listed Markdown still renders");
    assert.equal(await page.evaluate(() => window.__xss), undefined, "nothing typed into the answer ran");

    // A bad field is refused with the server's Chinese message, shown on the page.
    await page.getByLabel("生效日期").fill("");
    await page.getByRole("button", { name: "保存草稿" }).click();
    const error = page.locator(".page .error[role=alert]").first();
    await error.filter({ hasText: /[\u4e00-\u9fff]/ }).waitFor();
    assert.match(await error.innerText(), /条目|日期|effective_from/);
    await page.getByLabel("生效日期").fill("2024-01-01");

    await answer.fill(NEW_ANSWER);
    assert.ok((await preview.innerText()).includes(MARKER));
    await page.getByRole("button", { name: "发布", exact: true }).click();
    await page.locator("#toast", { hasText: "已发布（版本" }).waitFor();
    await page.locator(".versions tbody tr", { hasText: EDITOR }).first().waitFor();
    assert.equal(await page.locator(".status").getAttribute("data-status"), "published");
    assert.equal(await error.innerText(), "");
    assert.equal(await page.getByLabel("答案（Markdown）").inputValue(), NEW_ANSWER.trim());
    const versions = page.locator(".versions tbody tr");
    await versions.first().waitFor();
    assert.match(await versions.first().innerText(), new RegExp(`已发布\\s+${EDITOR}`));
    await versions.first().getByRole("button", { name: "查看" }).click();
    await page.locator(".version-view .md-preview", { hasText: MARKER }).waitFor();
    await shot(page, "editor-published");

    // 试一试 on the editor page: the entry is a candidate with a confidence bar.
    await page.getByLabel("试问的问题").fill(QUESTION);
    await page.getByRole("button", { name: "试一试" }).click();
    const candidate = page.locator(`ol.candidates li[data-id="${ID}"]`);
    await candidate.waitFor();
    assert.equal(await page.locator(".decision").getAttribute("data-decision"), "answer");
    assert.ok(Number(await candidate.locator(".conf-num").innerText()) > 0.5);

    // A taxpayer in another browser context gets the new text at once.
    const { visitor, widget } = await askInWidget(QUESTION);
    await widget.locator("taxbot-widget .msg.bot", { hasText: MARKER }).waitFor({ timeout: 15000 });
    await shot(widget, "editor-widget-new-answer");
    await visitor.close();

    assert.deepEqual(page.errors, []);
    await context.close();
  });

  test("the same Markdown renders identically in the console preview and in the widget", async () => {
    const { context, page } = await editorPage();
    await page.goto(server.url + `/console/#/entry?id=${ID}`);
    await page.getByRole("heading", { name: `条目 ${ID}` }).waitFor();
    await page.getByLabel("答案（Markdown）").fill(RICH_ANSWER);
    await page.getByRole("button", { name: "发布", exact: true }).click();
    await page.locator("#toast", { hasText: "已发布（版本" }).waitFor();
    const preview = page.locator(".entry-form .md-preview");
    const consoleHtml = await preview.innerHTML();

    // The renderer's rules, checked once here; the widget must then match to the byte.
    assert.equal(await preview.locator(":scope > p > strong", { hasText: RENDER_MARKER }).count(), 1, "a heading is a bold paragraph");
    assert.deepEqual(await preview.locator(":scope > ol").evaluateAll((ls) => ls.map((l) => l.getAttribute("start"))), ["3", "4"], "<ol start> keeps the numbers");
    assert.deepEqual(await preview.locator(":scope > ul").evaluateAll((ls) => ls.map((l) => l.children.length)), [2, 2]);
    assert.equal(await preview.locator("ul strong").innerText(), "数电发票");
    const links = await preview.locator("a").evaluateAll((as) => as.map((a) => [a.getAttribute("href"), a.target, a.rel]));
    assert.deepEqual(links, [["https://www.chinatax.gov.cn/", "_blank", "noopener noreferrer nofollow"]], "only the https link is a link");
    const text = await preview.innerText();
    assert.ok(text.includes("[这个](javascript:window.__xss='link')"), `the javascript: link shows as text: ${text}`);
    assert.ok(text.includes(XSS), `the markup shows as text: ${text}`);
    assert.equal(await preview.locator("script, img, [onerror]").count(), 0);

    const { visitor, widget } = await askInWidget(QUESTION);
    const answer = widget.locator("taxbot-widget .msg.bot", { hasText: RENDER_MARKER }).filter({ has: widget.locator(".fb") });
    await answer.waitFor({ timeout: 15000 });
    assert.equal(await answer.locator(".body").innerHTML(), consoleHtml, "the widget renders the answer as the console does");
    await shot(widget, "editor-widget-rendered");
    for (const p of [page, widget]) assert.equal(await p.evaluate(() => window.__xss), undefined, "nothing in the answer ran");
    await visitor.close();
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  test("Excel export through the console re-imports with nothing changed", async () => {
    const { context, page } = await editorPage();
    await page.goto(server.url + "/console/#/entries");
    await page.locator("table.entries tbody tr[data-id]").first().waitFor();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "导出 Excel" }).click(),
    ]);
    const file = await download.path();
    assert.equal(readFileSync(file).subarray(0, 2).toString(), "PK", "an .xlsx (zip) file");

    // The import is previewed first: nothing differs, so there is nothing to import.
    await page.getByLabel("选择要导入的 Excel 文件").setInputFiles(file);
    const summary = page.locator(".import-summary");
    await summary.waitFor({ timeout: 30000 });
    const text = await summary.innerText();
    assert.match(text, /新增 0 条，修改 0 条，无变化 (\d+) 条/);
    assert.ok(Number(/无变化 (\d+) 条/.exec(text)[1]) > 100, text);
    assert.equal(await page.getByRole("button", { name: "导入为草稿（逐条审核后发布）" }).isDisabled(), true);

    // A workbook with one changed answer (written by the CLI from an edited copy of the base):
    // the preview names the entry and the field; 导入为草稿 leaves the published answer alone.
    // The copy is of the server's published base (earlier tests edited it), not of the shipped files.
    const dir = mkdtempSync(join(tmpdir(), "taxbot-import-"));
    execFileSync(BIN, ["kb", "export", "--kb", join(ROOT, "knowledge-base"), "--data-dir", server.data, join(dir, "kb")], { stdio: ["ignore", "ignore", "pipe"] });
    const md = join(dir, "kb", "faq", "IIT", "IIT-001.md");
    writeFileSync(md, readFileSync(md, "utf8").trimEnd() + "\n\n导入预览标记4417\n");
    execFileSync(BIN, ["kb", "export", "--kb", join(dir, "kb"), join(dir, "changed.xlsx")], { stdio: ["ignore", "ignore", "pipe"] });
    await page.getByLabel("选择要导入的 Excel 文件").setInputFiles(join(dir, "changed.xlsx"));
    const changedRow = page.locator('table.import-diff tr[data-id="IIT-001"]');
    await changedRow.waitFor({ timeout: 30000 });
    assert.equal(await page.locator("table.import-diff tbody tr").count(), 1);
    assert.match(await changedRow.innerText(), /修改（.*answer.*）/);
    await shot(page, "editor-import-preview");
    await page.getByRole("button", { name: "导入为草稿（逐条审核后发布）" }).click();
    await page.locator(".import-ok", { hasText: "已导入为草稿" }).waitFor({ timeout: 30000 });
    const entry = await page.evaluate(async () => (await (await fetch("/api/admin/entries/IIT-001")).json()));
    assert.match(entry.draft.answer, /导入预览标记4417/);
    assert.doesNotMatch(entry.published.answer, /导入预览标记4417/, "nothing is published by a drafts import");
    rmSync(dir, { recursive: true, force: true });

    // A file that is not a workbook is refused with a message, nothing imported.
    await page.getByLabel("选择要导入的 Excel 文件").setInputFiles({ name: "bad.xlsx", mimeType: "application/octet-stream", buffer: Buffer.from("not a workbook") });
    await page.locator(".import-bad .error").waitFor();
    assert.ok((await page.locator(".import-bad li").first().innerText()).length > 0);
    await shot(page, "editor-import");
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  test("synonyms and dictionary pages load and save", async () => {
    const { context, page } = await editorPage();
    await page.goto(server.url + "/console/#/synonyms");
    await page.locator("h1", { hasText: "当前版本" }).waitFor();
    const rows = page.locator("table.synonyms tbody tr");
    await rows.first().waitFor();
    const before = await rows.count();
    assert.ok(before > 10, `${before} groups`);
    // A group is a standard word and its synonyms, edited as a row.
    await page.getByRole("button", { name: "添加同义词组" }).click();
    await rows.first().getByLabel("标准词").fill("测试标准词");
    await rows.first().getByLabel("同义词（空格分隔）").fill("打发票测试 开票测试");
    await saveList(page);
    assert.equal(await rows.count(), before + 1);
    await page.getByLabel("查找同义词").fill("打发票测试");
    const shown = page.locator("table.synonyms tbody tr:not([hidden])");
    assert.equal(await shown.count(), 1);
    assert.equal(await shown.getByLabel("标准词").inputValue(), "测试标准词");
    const saved = await page.evaluate(async () => (await (await fetch("/api/admin/synonyms")).json()).groups);
    assert.ok(saved.some((g) => g.join(" ") === "测试标准词 打发票测试 开票测试"), "stored canonical first");
    // 试一试 on the same page.
    await page.locator(".panel h2", { hasText: "试一试" }).waitFor();
    // A group of one word is refused with the server's message.
    await page.getByLabel("查找同义词").fill("");
    await page.getByRole("button", { name: "添加同义词组" }).click();
    await rows.first().getByLabel("标准词").fill("孤单");
    await page.getByRole("button", { name: "保存并发布" }).click();
    await page.locator(".page .error", { hasText: "至少要有两个" }).waitFor();

    await page.goto(server.url + "/console/#/dictionary");
    const words = page.locator("table.dictionary tbody tr");
    await words.first().waitFor();
    await page.getByRole("button", { name: "添加词" }).click();
    await words.first().getByLabel("词", { exact: true }).fill("测试专用词");
    // A new word comes with the usual weight and kind; the kind is picked by name.
    assert.equal(await words.first().getByLabel("词频").inputValue(), "3000");
    assert.equal(await words.first().getByLabel("词性").inputValue(), "nz");
    await words.first().getByLabel("词性").selectOption({ label: "普通名词" });
    await saveList(page);
    await page.getByLabel("查找词").fill("测试专用词");
    await page.locator("table.dictionary tbody tr:not([hidden])").first().waitFor();
    assert.equal(await page.locator("table.dictionary tbody tr:not([hidden])").count(), 1);
    const savedWord = await page.evaluate(async () => (await (await fetch("/api/admin/dictionary")).json()).words.find((w) => w.word === "测试专用词"));
    assert.deepEqual(savedWord, { word: "测试专用词", freq: 3000, tag: "n" });
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  test("an editor who opens the desk starts away and is not counted as a serving agent", async () => {
    const { context, page } = await editorPage();
    await page.goto(server.url + "/console/#/desk");
    await page.locator("#conn", { hasText: "已连接" }).waitFor();
    assert.equal(await page.locator("#status").inputValue(), "away");
    // With only the editor on the desk, a taxpayer asking for a human is offered 留言.
    const visitorCtx = await newContext(browser, server);
    const visitor = await visitorCtx.newPage();
    await visitor.goto(server.url + "/");
    await openWidget(visitor);
    await visitor.locator("taxbot-widget button.human").click();
    await visitor.getByRole("form", { name: "留言" }).waitFor();
    await visitorCtx.close();
    await context.close();
  });

  test("an agent sees no knowledge pages and may not publish", async () => {
    const context = await newContext(browser, server);
    const page = await context.newPage();
    await signIn(page, server.url, AGENT_1, AGENT_PASSWORD);
    const nav = await page.locator("#nav").innerText();
    for (const title of KNOWLEDGE_PAGES) assert.ok(!nav.includes(title), `agent nav lacks ${title}: ${nav}`);
    await page.goto(server.url + `/console/#/entry?id=${ID}`);
    await page.locator("section.page").first().waitFor();
    assert.equal(await page.locator("section.page[data-page^=entr]").count(), 0, "the editor page does not open for an agent");
    const status = await page.evaluate(async (id) => {
      const me = await (await fetch("/api/admin/me")).json();
      const r = await fetch(`/api/admin/entries/${id}/publish`, { method: "POST", headers: { "x-csrf-token": me.csrf } });
      return r.status;
    }, ID);
    assert.equal(status, 403);
    await context.close();
  });
});
