// Browser test of the microblog: register → post → follow → feed → message →
// search → export → password reset from the outbox, through the pages only, against a real `microblog serve`
// on one database. Run by tests/e2e/run (once on SQLite, once on PostgreSQL),
// which sets:
//   MICROBLOG_BIN           the microblog binary
//   MICROBLOG_DATABASE_URL  a fresh database (sqlite:///… or postgresql://…)
//   MICROBLOG_WEB_DIR       web/microblog (templates and static files)
//   DB_LABEL                sqlite | postgres (names of screenshots and tests)
//   ARTIFACTS               where screenshots and server logs go
// The test starts the server itself (free loopback port, mail to an outbox
// directory, a stub LibreTranslate-style translator) with the job worker off,
// so the export task is seen waiting before a separate `microblog worker`
// process runs it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

const BIN = process.env.MICROBLOG_BIN ?? 'microblog';
const DB_URL = process.env.MICROBLOG_DATABASE_URL;
const WEB_DIR = process.env.MICROBLOG_WEB_DIR;
const DB = process.env.DB_LABEL ?? 'sqlite';
const ARTIFACTS = process.env.ARTIFACTS ?? 'e2e-artifacts';
const TIMEOUT = 15_000;
mkdirSync(ARTIFACTS, { recursive: true });

const run = Date.now().toString(36);
const alice = { username: `alice_${run}`, email: `alice_${run}@example.com`, password: 'alice-secret-1' };
const bob = { username: `bob.${run}`, email: `bob_${run}@example.com`, password: 'bob-secret-12' };
// A word nobody else writes, so search finds exactly the English post.
const keyword = `zebracrossing${run}`;
const englishPost = `The weather in the city was lovely this morning, so we walked to the ${keyword} market and bought fresh bread.`;
const spanishPost = 'Hoy hace muy buen tiempo en la ciudad y por la tarde vamos a caminar por el parque con todos nuestros amigos.';
const message = `Hello Alice, I enjoyed your post about the market (${run}).`;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'microblog-e2e-'));
const outbox = path.join(tmp, 'outbox');
let baseEnv;
let server;
let worker;
let translator;
let BASE;
let browser;
const pages = {};
let step = 0;

async function shot(page, name) {
  step += 1;
  const file = `microblog-${DB}-${String(step).padStart(2, '0')}-${name}.png`;
  await page.screenshot({ path: path.join(ARTIFACTS, file), fullPage: true });
}

// Starts `microblog <cmd>` with the test's environment; output to a log file.
function start(cmd, extraEnv = {}) {
  const log = openSync(path.join(ARTIFACTS, `microblog-${DB}-${cmd}.log`), 'w');
  const child = spawn(BIN, [cmd], { env: { ...baseEnv, ...extraEnv }, stdio: ['ignore', log, log] });
  closeSync(log);
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  return child;
}

async function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const result = await Promise.race([child.exited, sleep(10_000).then(() => 'timeout')]);
  if (result === 'timeout') child.kill('SIGKILL');
}

async function waitFor(what, fn, ms = TIMEOUT) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

// A LibreTranslate-style stub: POST /translate {q, source, target} →
// {"translatedText": "[<target>] <q>"}.
function startTranslator() {
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      let reply;
      try {
        const r = JSON.parse(body);
        reply = { translatedText: `[${r.target}] ${r.q}` };
      } catch {
        res.writeHead(400).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(reply));
    });
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(srv)));
}

// Every URL any page asked for (nothing may leave 127.0.0.1: avatars are
// drawn by the microblog, Bootstrap is served by it), and every console error
// (a Content-Security-Policy violation is one), by page name.
const requested = [];
const consoleErrors = [];

async function newPage(name, options = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1200, height: 900 }, locale: 'en-US', ...options });
  ctx.setDefaultTimeout(TIMEOUT);
  ctx.on('request', (r) => requested.push({ page: name, url: r.url() }));
  await ctx.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`CSP violation: ${e.violatedDirective} (${e.blockedURI || 'inline'})`));
  });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error(`[${name}] page error:`, e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`[${name}] ${m.text()}`);
  });
  pages[name] = page;
  return page;
}

// Every <img> of the page has loaded (none broken).
async function imagesLoaded(page) {
  await page.waitForFunction(() => [...document.images].every((i) => i.complete));
  return page.evaluate(() => [...document.images].map((i) => ({ src: i.getAttribute('src'), ok: i.naturalWidth > 0 })));
}

// moment's LLL / lll ("September 26, 2024 4:57 AM" / "Sep 26, 2024 4:57 AM")
// of an instant in a time zone, worked out here with Intl, independently of
// the page script.
function momentLLL(iso, timeZone, short = false) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone, year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit', hour12: true,
  }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  const month = short ? parts.month.slice(0, 3) : parts.month;
  return `${month} ${parts.day}, ${parts.year} ${parts.hour}:${parts.minute} ${parts.dayPeriod.toUpperCase()}`;
}

const flash = (page, text) => page.locator('.alert-info', { hasText: text }).waitFor();

async function register(page, u) {
  await page.goto(`${BASE}/auth/register`);
  await page.getByLabel('Username').fill(u.username);
  await page.getByLabel('Email').fill(u.email);
  await page.getByLabel('Password', { exact: true }).fill(u.password);
  await page.getByLabel('Repeat Password').fill(u.password);
  await page.getByRole('button', { name: 'Register' }).click();
  await page.waitForURL(`${BASE}/auth/login`);
  await flash(page, 'Congratulations, you are now a registered user!');
}

async function login(page, u) {
  await page.goto(`${BASE}/auth/login`);
  await page.getByLabel('Username').fill(u.username);
  await page.getByLabel('Password').fill(u.password);
  await page.getByRole('button', { name: 'Sign In' }).click();
  await page.waitForURL(`${BASE}/index`);
  await page.getByRole('heading', { name: `Hi, ${u.username}!` }).waitFor();
}

async function post(page, text) {
  await page.goto(`${BASE}/index`);
  await page.getByLabel('Say something').fill(text);
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.waitForURL(`${BASE}/index`);
  await flash(page, 'Your post is now live!');
}

const postRow = (page, text) => page.locator('tr', { hasText: text });

async function search(page, words) {
  const box = page.getByRole('textbox', { name: 'Search' });
  await box.fill(words);
  await box.press('Enter');
  await page.waitForURL(/\/search\?q=/);
  await page.getByRole('heading', { name: 'Search Results' }).waitFor();
}

// Lets the page's 10-second notification poll run now (the context's clock
// is faked), until `done` holds in the page.
async function pollUntil(page, what, done, arg) {
  await waitFor(what, async () => {
    await page.clock.fastForward(10_000);
    return page.evaluate(done, arg).catch(() => false);
  });
}

// The JSON attachment of a MIME message in the outbox.
function attachment(eml, filename) {
  const boundary = /boundary="([^"]+)"/.exec(eml.slice(0, eml.indexOf('multipart/mixed') + 200))?.[1];
  assert.ok(boundary, 'a multipart/mixed message');
  const part = eml.split(`--${boundary}`).find((p) => p.includes(`filename="${filename}"`));
  assert.ok(part, `an attachment named ${filename}`);
  const bodyStart = part.search(/\r?\n\r?\n/);
  return Buffer.from(part.slice(bodyStart).replace(/\s+/g, ''), 'base64').toString('utf8');
}

// The decoded text/plain part of a MIME message in the outbox.
function textPart(eml) {
  const part = eml.split(/\r?\n--[^\r\n]+\r?\n/).find((p) => /^Content-Type: text\/plain/im.test(p.slice(0, 200)));
  assert.ok(part, 'a text/plain part');
  const bodyStart = part.search(/\r?\n\r?\n/);
  const body = part.slice(bodyStart).replace(/--[^\s]+--\s*$/, '');
  return /Content-Transfer-Encoding: base64/i.test(part.slice(0, bodyStart))
    ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
    : body;
}

// A port free now, for the server to listen on: links in mail are built only
// from MICROBLOG_PUBLIC_URL, which must name the address before the start.
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

before(async () => {
  assert.ok(DB_URL, 'MICROBLOG_DATABASE_URL not set');
  translator = await startTranslator();
  const listenPort = await freePort();
  baseEnv = {
    PATH: process.env.PATH,
    MICROBLOG_DATABASE_URL: DB_URL,
    MICROBLOG_SECRET_KEY: randomBytes(32).toString('hex'),
    MICROBLOG_OUTBOX_DIR: outbox,
    MICROBLOG_ACCESS_LOG: 'false',
    MICROBLOG_LISTEN: `127.0.0.1:${listenPort}`,
    MICROBLOG_PUBLIC_URL: `http://127.0.0.1:${listenPort}`,
    MICROBLOG_MONITOR_LISTEN: '127.0.0.1:0',
    MICROBLOG_TRANSLATOR: 'libretranslate',
    MICROBLOG_TRANSLATOR_URL: `http://127.0.0.1:${translator.address().port}`,
    // The export must wait for the worker this test starts.
    MICROBLOG_RUN_WORKER: 'false',
    ...(WEB_DIR ? { MICROBLOG_WEB_DIR: WEB_DIR } : {}),
  };
  const portFile = path.join(tmp, 'port');
  server = start('serve', { MICROBLOG_PORT_FILE: portFile });
  const port = await waitFor('the microblog to listen', async () => {
    if (server.exitCode !== null) throw new Error(`microblog serve exited with ${server.exitCode}; see microblog-${DB}-serve.log`);
    // "<port> <monitor port>", written once both listen.
    return existsSync(portFile) && readFileSync(portFile, 'utf8').trim().split(/\s+/)[0];
  }, 60_000);
  BASE = `http://127.0.0.1:${port}`;
  console.log(`microblog (${DB}) at ${BASE}`);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

// Never leave a server or worker behind, even when node exits abruptly.
process.on('exit', () => {
  for (const child of [worker, server]) if (child && child.exitCode === null) child.kill('SIGKILL');
});

after(async () => {
  await browser?.close();
  await stop(worker);
  await stop(server);
  translator?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe(`microblog on ${DB}`, () => {
  test('A registers (mismatched passwords first), logs in and posts; languages are detected', async () => {
    const page = await newPage('alice');
    await page.goto(`${BASE}/index`);
    await page.waitForURL(`${BASE}/auth/login?next=%2Findex`);
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await flash(page, 'Please log in to access this page.');
    await page.getByRole('link', { name: 'Click to Register!' }).click();
    await page.getByLabel('Username').fill(alice.username);
    await page.getByLabel('Email').fill(alice.email);
    await page.getByLabel('Password', { exact: true }).fill(alice.password);
    await page.getByLabel('Repeat Password').fill('something-else');
    await page.getByRole('button', { name: 'Register' }).click();
    await page.locator('.invalid-feedback', { hasText: 'Field must be equal to password.' }).waitFor();
    await shot(page, 'register-error');
    await register(page, alice);
    await shot(page, 'registered');
    await login(page, alice);
    await post(page, englishPost);
    await post(page, spanishPost);
    await postRow(page, keyword).waitFor();
    await shot(page, 'alice-posted');
    // Alice reads English: her Spanish post offers a translation, the English one does not.
    await postRow(page, spanishPost).getByRole('link', { name: 'Translate' }).waitFor();
    assert.equal(await postRow(page, keyword).getByRole('link', { name: 'Translate' }).count(), 0);
  });

  test('B registers, follows A from A\'s profile and sees A\'s posts in the home feed', async () => {
    const page = await newPage('bob');
    await register(page, bob);
    await login(page, bob);
    assert.equal(await postRow(page, keyword).count(), 0, 'not in the feed before following');
    await page.goto(`${BASE}/explore`);
    await postRow(page, keyword).getByRole('link', { name: alice.username }).click();
    await page.waitForURL(`${BASE}/user/${alice.username}`);
    await page.getByRole('heading', { name: `User: ${alice.username}` }).waitFor();
    await page.getByText('0 followers, 0 following').waitFor();
    await page.getByRole('button', { name: 'Follow', exact: true }).click();
    await page.waitForURL(`${BASE}/user/${alice.username}`);
    await flash(page, `You are following ${alice.username}!`);
    await page.getByText('1 followers, 0 following').waitFor();
    await page.getByRole('button', { name: 'Unfollow' }).waitFor();
    await shot(page, 'bob-follows');
    await page.getByRole('link', { name: 'Home' }).click();
    await postRow(page, keyword).waitFor();
    await postRow(page, spanishPost).waitFor();
    // The Spanish post (detected as such) translates through the stub.
    await postRow(page, spanishPost).getByRole('link', { name: 'Translate' }).click();
    await postRow(page, spanishPost).getByText(`[en] ${spanishPost}`).waitFor();
    assert.equal(await postRow(page, keyword).getByRole('link', { name: 'Translate' }).count(), 0);
    await shot(page, 'bob-feed');
  });

  test('B messages A; A\'s unread badge appears by polling; A reads it on /messages', async () => {
    const alicePage = pages.alice;
    await alicePage.clock.install();
    await alicePage.goto(`${BASE}/index`);
    const badge = alicePage.locator('#message_count');
    assert.ok(await badge.evaluate((el) => el.classList.contains('d-none')), 'no badge before the message');

    const page = pages.bob;
    await page.goto(`${BASE}/user/${alice.username}`);
    await page.getByRole('link', { name: 'Send private message' }).click();
    await page.getByRole('heading', { name: `Send Message to ${alice.username}` }).waitFor();
    await page.getByLabel('Message').fill(message);
    await shot(page, 'bob-message');
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.waitForURL(`${BASE}/user/${alice.username}`);
    await flash(page, 'Your message has been sent.');

    await pollUntil(alicePage, 'the unread badge', () => {
      const b = document.getElementById('message_count');
      return !b.classList.contains('d-none') && b.textContent.trim() === '1';
    });
    await shot(alicePage, 'alice-badge');
    await alicePage.getByRole('link', { name: /Messages/ }).click();
    await alicePage.waitForURL(`${BASE}/messages`);
    await alicePage.getByRole('heading', { name: 'Messages' }).waitFor();
    const row = postRow(alicePage, message);
    await row.waitFor();
    await row.getByRole('link', { name: bob.username }).waitFor();
    assert.ok(await badge.evaluate((el) => el.classList.contains('d-none')), 'badge cleared once read');
    await shot(alicePage, 'alice-messages');
  });

  test('search finds the post for both users', async () => {
    for (const [name, page] of [['alice', pages.alice], ['bob', pages.bob]]) {
      await page.goto(`${BASE}/explore`);
      await search(page, keyword);
      await postRow(page, keyword).waitFor();
      assert.equal(await page.locator('span[id^="post"]').count(), 1, `${name}: one result`);
      await shot(page, `${name}-search`);
    }
    await search(pages.bob, `nosuchword${run}`);
    assert.equal(await pages.bob.locator('span[id^="post"]').count(), 0);
    // An empty result says so.
    await pages.bob.getByText(`No posts found for "nosuchword${run}".`).waitFor();
    await shot(pages.bob, 'bob-search-empty');
  });

  test('the user popup shows last seen and counts, and its Unfollow/Follow button works, with no CSP error', async () => {
    const page = pages.bob;
    const errorsBefore = consoleErrors.length;
    const hover = async () => {
      await page.goto(`${BASE}/explore`);
      const link = postRow(page, keyword).locator('a.user_popup');
      await link.hover();
      const popup = page.locator('.popover');
      await popup.getByText('Last seen on:').waitFor();
      return popup;
    };
    let popup = await hover();
    await popup.getByRole('link', { name: alice.username }).waitFor();
    // Last seen: formatted (lll) by the page script, never empty.
    const seen = popup.locator('time[data-moment="lll"]');
    assert.match(await seen.innerText(), /^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d\d [AP]M$/);
    await popup.getByText('1 followers, 0 following').waitFor();
    // The avatar (64 px, drawn by the microblog) loaded.
    const avatar = popup.locator('img.user-popup-avatar');
    assert.match(await avatar.getAttribute('src'), /^\/avatar\/\d+\/64\.svg\?v=1$/);
    await page.waitForFunction(() => document.querySelector('.popover img.user-popup-avatar')?.naturalWidth > 0);
    await shot(page, 'bob-popup');
    // The pointer moves onto the popup's button: it stays open and the form posts.
    await popup.getByRole('button', { name: 'Unfollow' }).click();
    await page.waitForURL(`${BASE}/user/${alice.username}`);
    await flash(page, `You are not following ${alice.username}.`);
    await page.getByText('0 followers, 0 following').waitFor();

    popup = await hover();
    await popup.getByText('0 followers, 0 following').waitFor();
    await shot(page, 'bob-popup-follow');
    await popup.getByRole('button', { name: 'Follow', exact: true }).click();
    await page.waitForURL(`${BASE}/user/${alice.username}`);
    await flash(page, `You are following ${alice.username}!`);
    await page.getByText('1 followers, 0 following').waitFor();
    assert.deepEqual(consoleErrors.slice(errorsBefore), [], 'no console errors (CSP) on hover');
  });

  test('avatars are drawn by the microblog and every one loads; /favicon.ico is an icon', async () => {
    const page = pages.bob;
    for (const target of ['/index', `/user/${alice.username}`]) {
      await page.goto(`${BASE}${target}`);
      const images = await imagesLoaded(page);
      assert.ok(images.length >= 2, `${target}: avatars shown`);
      for (const img of images) {
        assert.match(img.src, /^\/avatar\/\d+\/(70|256)\.svg\?v=1$/, `${target}: ${img.src}`);
        assert.ok(img.ok, `${target}: ${img.src} loaded`);
      }
    }
    const avatar = await page.request.get(`${BASE}${(await imagesLoaded(page))[0].src}`);
    assert.equal(avatar.status(), 200);
    assert.equal(avatar.headers()['content-type'], 'image/svg+xml');
    assert.equal(avatar.headers()['cache-control'], 'public, max-age=31536000, immutable');
    const icon = await page.request.get(`${BASE}/favicon.ico`);
    assert.equal(icon.status(), 200);
    assert.equal(icon.headers()['content-type'], 'image/x-icon');
    assert.equal(await page.locator('link[rel="icon"]').getAttribute('href'), '/favicon.ico');
    // Both on a blank page, to look at: the avatar, the icon at its size and enlarged.
    const src = (await imagesLoaded(page))[0].src;
    await page.evaluate((avatarSrc) => {
      document.body.replaceChildren(...[[avatarSrc, 256], ['/favicon.ico', 32], ['/favicon.ico', 128]].map(([url, size]) => {
        const img = document.createElement('img');
        img.src = url;
        img.width = size;
        img.height = size;
        return img;
      }));
    }, src);
    const shown = await imagesLoaded(page);
    assert.deepEqual(shown.map((i) => i.ok), [true, true, true]);
    assert.equal(await page.evaluate(() => document.images[1].naturalWidth), 32);
    await shot(page, 'avatar-and-favicon');
  });

  test('times follow the reader\'s time zone (Asia/Kolkata, and America/Los_Angeles in Spanish)', async () => {
    const page = await newPage('alice-kolkata', { timezoneId: 'Asia/Kolkata' });
    await login(page, alice);
    await page.goto(`${BASE}/user/${alice.username}`);
    const seen = page.locator('time[data-moment="LLL"]');
    const iso = await seen.getAttribute('datetime');
    assert.match(iso, /Z$/);
    const shown = await seen.innerText();
    assert.equal(shown, momentLLL(iso, 'Asia/Kolkata'));
    assert.notEqual(shown, momentLLL(iso, 'UTC'), 'not the UTC rendering (+05:30)');
    // Post rows: relative time as text, the zone's lll as its title.
    const when = postRow(page, keyword).locator('time[data-moment="fromNow"]');
    assert.match(await when.innerText(), /ago$/);
    assert.equal(await when.getAttribute('title'), momentLLL(await when.getAttribute('datetime'), 'Asia/Kolkata', true));
    await shot(page, 'alice-profile-kolkata');

    const es = await newPage('alice-la-es', { timezoneId: 'America/Los_Angeles', locale: 'es-ES' });
    await es.goto(`${BASE}/auth/login`);
    await es.getByLabel('Nombre de usuario').fill(alice.username);
    await es.getByLabel('Contraseña').fill(alice.password);
    await es.getByRole('button', { name: 'Ingresar' }).click();
    await es.waitForURL(`${BASE}/index`);
    await es.goto(`${BASE}/user/${alice.username}`);
    const esSeen = es.locator('time[data-moment="LLL"]');
    const d = new Date(await esSeen.getAttribute('datetime'));
    const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
      timeZone: 'America/Los_Angeles', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: '2-digit', hourCycle: 'h23',
    }).formatToParts(d).map((x) => [x.type, x.value]));
    const months = ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre'];
    assert.equal(await esSeen.innerText(), `${p.day} de ${months[p.month - 1]} de ${p.year} ${Number(p.hour)}:${p.minute}`);
    assert.match(await es.locator('time[data-moment="fromNow"]').first().innerText(), /^hace /);
    await shot(es, 'alice-profile-los-angeles-es');
  });

  test('A exports the posts: progress shown, then the e-mail with the JSON attachment is in the outbox', async () => {
    const page = pages.alice;
    await page.goto(`${BASE}/user/${alice.username}`);
    await page.getByRole('button', { name: 'Export your posts' }).click();
    await page.waitForURL(`${BASE}/user/${alice.username}`);
    const task = page.locator('.alert-success', { hasText: 'Exporting posts...' });
    await task.waitFor();
    assert.match(await task.innerText(), /Exporting posts\.\.\. 0%/);
    assert.equal(await page.getByRole('button', { name: 'Export your posts' }).count(), 0, 'no second export while one runs');
    const progress = task.locator('span[id$="-progress"]');
    const progressId = await progress.getAttribute('id');
    await shot(page, 'alice-export-queued');

    assert.equal(existsSync(outbox) ? readdirSync(outbox).filter((f) => f.endsWith('.eml')).length : 0, 0);
    worker = start('worker');
    const file = await waitFor('the export e-mail in the outbox', () => {
      if (worker.exitCode !== null) throw new Error(`microblog worker exited with ${worker.exitCode}`);
      return existsSync(outbox) && readdirSync(outbox).find((f) => f.endsWith('.eml'));
    }, 30_000);
    await pollUntil(page, 'export progress 100%', (id) => document.getElementById(id)?.textContent.trim() === '100', progressId);
    // At 100 % the alert ends with "done".
    await waitFor('the alert to say done', async () => /^Exporting posts\.\.\. done$/.test((await task.innerText()).trim()));
    assert.equal(await progress.isVisible(), false);
    await shot(page, 'alice-export-done');

    const eml = readFileSync(path.join(outbox, file), 'utf8');
    assert.match(eml, new RegExp(`^To: ${alice.email}\\r?$`, 'm'));
    assert.match(eml, /^Subject: \[Microblog\] Your blog posts\r?$/m);
    const data = JSON.parse(attachment(eml, 'posts.json'));
    const bodies = data.posts.map((p) => p.body);
    assert.deepEqual(bodies, [englishPost, spanishPost]);
    for (const p of data.posts) assert.match(p.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);

    // Done: the task banner is gone and the button is back, but another export
    // within 5 minutes is refused with a message (exports are spaced per user).
    await page.reload();
    await page.getByRole('button', { name: 'Export your posts' }).waitFor();
    assert.equal(await page.locator('.alert-success', { hasText: 'Exporting posts...' }).count(), 0);
    await page.getByRole('button', { name: 'Export your posts' }).click();
    await page.waitForURL(`${BASE}/user/${alice.username}`);
    await flash(page, 'You have exported your posts recently.');
    assert.equal(await page.locator('.alert-success', { hasText: 'Exporting posts...' }).count(), 0);
  });

  test('Spanish UI for a browser whose language is es', async () => {
    const page = await newPage('bob-es', { locale: 'es-ES' });
    await page.goto(`${BASE}/auth/login`);
    await page.getByRole('heading', { name: 'Ingresar' }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'es');
    await page.getByLabel('Nombre de usuario').fill(bob.username);
    await page.getByLabel('Contraseña').fill(bob.password);
    await page.getByRole('button', { name: 'Ingresar' }).click();
    await page.getByRole('heading', { name: `¡Hola, ${bob.username}!` }).waitFor();
    await page.getByRole('link', { name: 'Explorar' }).waitFor();
    await page.getByLabel('Dí algo').waitFor();
    // Alice's Spanish post needs no translation here; the English one does.
    await postRow(page, keyword).getByRole('link', { name: 'Traducir' }).waitFor();
    assert.equal(await postRow(page, spanishPost).getByRole('link', { name: 'Traducir' }).count(), 0);
    await shot(page, 'bob-spanish');
  });

  test('form posts without the CSRF token change nothing', async () => {
    const page = pages.bob;
    const req = page.context().request;
    let r = await req.post(`${BASE}/unfollow/${alice.username}`, { form: { submit: 'Unfollow' }, maxRedirects: 0 });
    assert.equal(r.status(), 302);
    r = await req.post(`${BASE}/index`, { form: { post: `forged ${run}` }, maxRedirects: 0 });
    assert.equal(r.status(), 200, 'the form is shown again, not accepted');
    await page.goto(`${BASE}/user/${alice.username}`);
    await page.getByRole('button', { name: 'Unfollow' }).waitFor();
    await page.goto(`${BASE}/explore`);
    await postRow(page, keyword).waitFor();
    assert.equal(await postRow(page, `forged ${run}`).count(), 0);
  });

  // Last: it changes Bob's password and ends his other sessions.
  test('B resets a forgotten password with the link from the outbox and signs in with the new one', async () => {
    const page = await newPage('bob-reset');
    const earlier = existsSync(outbox) ? readdirSync(outbox) : [];
    await page.goto(`${BASE}/auth/login`);
    await page.getByRole('link', { name: 'Click to Reset It' }).click();
    await page.waitForURL(`${BASE}/auth/reset_password_request`);
    await page.getByLabel('Email').fill(bob.email);
    await page.getByRole('button', { name: 'Request Password Reset' }).click();
    await page.waitForURL(`${BASE}/auth/login`);
    await flash(page, 'Check your email for the instructions to reset your password');
    const file = await waitFor('the reset e-mail in the outbox', () =>
      existsSync(outbox) && readdirSync(outbox).find((f) => f.endsWith('.eml') && !earlier.includes(f)), 30_000);
    const eml = readFileSync(path.join(outbox, file), 'utf8');
    assert.match(eml, new RegExp(`^To: ${bob.email}\\r?$`, 'm'));
    assert.match(eml, /^Subject: \[Microblog\] Reset Your Password\r?$/m);
    const link = /https?:\/\/\S+\/auth\/reset_password\/\S+/.exec(textPart(eml))?.[0];
    assert.ok(link, 'a reset link in the text part');
    assert.ok(link.startsWith(`${BASE}/auth/reset_password/`), link);

    const newPassword = 'bob-new-secret-34';
    await page.goto(link);
    await page.getByLabel('Password', { exact: true }).fill(newPassword);
    await page.getByLabel('Repeat Password').fill(newPassword);
    await page.getByRole('button', { name: 'Reset Password' }).click();
    await page.waitForURL(`${BASE}/auth/login`);
    await flash(page, 'Your password has been reset.');
    await shot(page, 'bob-password-reset');

    // The old password is refused, the new one signs in.
    await page.getByLabel('Username').fill(bob.username);
    await page.getByLabel('Password').fill(bob.password);
    await page.getByRole('button', { name: 'Sign In' }).click();
    await flash(page, 'Invalid username or password');
    await login(page, { ...bob, password: newPassword });
    // The link was for the old password: used once, it leads nowhere.
    const other = await newPage('bob-reset-again');
    await other.goto(link);
    await other.waitForURL(/\/auth\/login\?next=%2Findex$/);
    assert.equal(await other.getByLabel('Repeat Password').count(), 0);
  });

  test('no page asked any other host for anything, and no page logged a console error', () => {
    assert.ok(requested.length > 50, `${requested.length} requests recorded`);
    const outside = requested.filter((r) => !r.url.startsWith('http://127.0.0.1:') && !r.url.startsWith('data:'));
    assert.deepEqual(outside, []);
    assert.deepEqual(consoleErrors, []);
  });
});
