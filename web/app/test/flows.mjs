// The browser flows: each takes {browser, url, shots} and throws on the first
// thing a person would not see. Waits are bounded (10 s by default) so a
// missing element fails the flow instead of hanging it; nothing is timed.
import assert from 'node:assert/strict';
import path from 'node:path';

const WAIT = 10_000;
const DESKTOP = { viewport: { width: 1280, height: 800 } };
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

/** Polls until the locator's text matches re (or fails with what it was). */
async function expectText(locator, re, timeout = WAIT) {
  const end = Date.now() + timeout;
  let last = '';
  for (;;) {
    try {
      last = (await locator.first().textContent({ timeout: 500 })) ?? '';
      if (re.test(last)) return last;
    } catch {
      last = '(not found)';
    }
    if (Date.now() > end) throw new Error(`expected ${locator} to match ${re}, was ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function expectCount(locator, n, timeout = WAIT) {
  const end = Date.now() + timeout;
  for (;;) {
    const c = await locator.count();
    if (c === n) return;
    if (Date.now() > end) throw new Error(`expected ${n} of ${locator}, found ${c}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const visible = (locator, timeout = WAIT) => locator.first().waitFor({ state: 'visible', timeout });
const gone = (locator, timeout = WAIT) => locator.first().waitFor({ state: 'hidden', timeout });

/**
 * Saves a screenshot after checking, at that moment, that every locator of
 * mustSee is visible on the page: the image is evidence of those elements.
 */
async function shot(page, shots, name, mustSee) {
  for (const l of mustSee) {
    assert.ok(await l.first().isVisible(), `screenshot ${name}: ${l} is not visible`);
  }
  const file = path.join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

/** Opens the app in a new context and logs in with the development login. */
async function openAs(browser, url, userID, device) {
  const ctx = await browser.newContext(device);
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(url);
  await visible(page.getByTestId('dev-login'));
  await page.getByTestId('login-userid').fill(userID);
  await page.getByTestId('login-submit').click();
  await visible(page.getByTestId('shell'));
  return { ctx, page, errors };
}

const tid = (page, id) => page.getByTestId(id);

/** Alice (desktop) and Bob (phone): friends, messages, unread, read, recall, edit, files, history, remarks, blocklist, profile. */
async function friendsAndMessages({ browser, url, shots }) {
  // The login screen itself.
  {
    const ctx = await browser.newContext(PHONE);
    const page = await ctx.newPage();
    await page.goto(url);
    await visible(tid(page, 'dev-login'));
    await shot(page, shots, '01-login-phone', [tid(page, 'login-userid'), tid(page, 'login-submit')]);
    // A bad UserID is refused with a clear error, no session starts.
    await tid(page, 'login-userid').fill('no spaces');
    await tid(page, 'login-submit').click();
    await expectText(tid(page, 'login-error'), /UserID/);
    await ctx.close();
  }

  const alice = await openAs(browser, url, 'alice', DESKTOP);
  const bob = await openAs(browser, url, 'bob', PHONE);
  const a = alice.page;
  const b = bob.page;

  // Alice finds Bob and sends a friend request; Bob sees it with a badge and accepts.
  await tid(a, 'tab-friends').click();
  await tid(a, 'friend-search-input').fill('bob');
  await tid(a, 'friend-search-submit').click();
  await visible(tid(a, 'user-card'));
  await tid(a, 'add-wording').fill('Hi Bob, Alice here');
  await tid(a, 'add-friend-submit').click();
  await visible(tid(a, 'request-out-bob'));
  await expectText(tid(b, 'tab-friends-badge'), /^1$/);
  await tid(b, 'tab-friends').click();
  await visible(tid(b, 'request-in-alice'));
  await expectText(tid(b, 'request-in-alice'), /Hi Bob, Alice here/);
  await shot(b, shots, '02-friend-request-phone', [tid(b, 'request-in-alice'), tid(b, 'accept-alice')]);
  await tid(b, 'accept-alice').click();
  await visible(tid(b, 'friend-alice'));
  await visible(tid(a, 'friend-bob'));
  await gone(tid(b, 'tab-friends-badge'));
  await shot(a, shots, '03-friends-desktop', [tid(a, 'friend-bob'), tid(a, 'friend-list')]);

  // Alice writes; Bob's unread badge counts 1, then 2, with the last message shown.
  // Bob is typing a search meanwhile: the redraw the message causes keeps it.
  await tid(b, 'friend-search-input').fill('half-typed');
  await tid(a, 'friend-bob').click();
  await tid(a, 'friend-message').click();
  await visible(tid(a, 'chat'));
  await tid(a, 'composer-input').fill('Hello Bob');
  await tid(a, 'composer-send').click();
  await expectText(tid(a, 'message-state').last(), /Sent/);
  await expectText(tid(b, 'tab-chats-badge'), /^1$/);
  assert.equal(await tid(b, 'friend-search-input').inputValue(), 'half-typed', 'a redraw wiped what Bob was typing');
  await tid(b, 'tab-chats').click();
  await expectText(tid(b, 'unread-C2Calice'), /^1$/);
  await expectText(tid(b, 'conv-last-C2Calice'), /Hello Bob/);
  await tid(a, 'composer-input').fill('Are you there?');
  await tid(a, 'composer-send').click();
  await expectText(tid(b, 'unread-C2Calice'), /^2$/);
  await expectText(tid(b, 'tab-chats-badge'), /^2$/);
  assert.equal(await b.title(), '(2) Parley', 'the unread count is in the page title');
  await expectText(tid(b, 'conv-last-C2Calice'), /Are you there\?/);
  await shot(b, shots, '04-unread-badge-phone', [tid(b, 'unread-C2Calice'), tid(b, 'conv-C2Calice')]);

  // Bob opens the chat: both messages, the badges go, Alice sees them read.
  await tid(b, 'conv-C2Calice').click();
  await visible(tid(b, 'chat'));
  await expectCount(tid(b, 'message'), 2);
  await expectText(tid(b, 'message-body').first(), /Hello Bob/);
  await expectText(tid(a, 'message-state').last(), /Read/);
  await tid(b, 'composer-input').fill('Hi Alice!');
  await tid(b, 'composer-send').click();
  await expectText(tid(a, 'message-body').last(), /Hi Alice!/);
  await shot(b, shots, '05-chat-phone', [tid(b, 'chat'), tid(b, 'composer'), tid(b, 'back')]);
  await tid(b, 'back').click();
  await visible(tid(b, 'conv-C2Calice'));
  await expectCount(tid(b, 'unread-C2Calice'), 0);
  await expectCount(tid(b, 'tab-chats-badge'), 0);

  // Alice recalls her first message: both see the recall, Bob's list too.
  await tid(a, 'message').first().getByTestId('msg-recall').click();
  await expectText(tid(a, 'message-recalled'), /You recalled a message/);
  await tid(b, 'conv-C2Calice').click();
  await expectText(tid(b, 'message-recalled'), /alice recalled a message/);
  await expectCount(tid(b, 'message'), 2);
  await shot(b, shots, '06-recall-phone', [tid(b, 'message-recalled')]);

  // While Bob is in the chat, Alice's messages arrive live and are read at once.
  await tid(a, 'message').filter({ hasText: 'Are you there?' }).getByTestId('msg-edit').click();
  await tid(a, 'composer-input').fill('Are you there, Bob?');
  await tid(a, 'composer-send').click();
  await expectText(tid(b, 'message').filter({ hasText: 'Are you there, Bob?' }), /edited/);
  await expectText(tid(a, 'message').filter({ hasText: 'Are you there, Bob?' }), /edited/);

  // An image and a file, by URL, with a read receipt asked for the file.
  const icon = new URL('icon.svg', url).href;
  await tid(a, 'attach-toggle').click();
  await tid(a, 'attach-url').fill(icon);
  await tid(a, 'send-image').click();
  await visible(tid(b, 'message-image'));
  assert.equal(await tid(b, 'message-image').first().getAttribute('src'), icon);
  await tid(a, 'composer-receipt').check();
  await tid(a, 'attach-toggle').click();
  await tid(a, 'attach-url').fill(new URL('index.html', url).href);
  await tid(a, 'attach-name').fill('notes.html');
  await tid(a, 'send-file').click();
  await expectText(tid(b, 'message-file'), /notes\.html/);
  await expectText(tid(a, 'message-state').last(), /Read/);
  await tid(a, 'composer-receipt').uncheck();
  await b.waitForFunction(() => {
    const img = document.querySelector('[data-testid="message-image"]');
    return img && img.complete && img.naturalWidth > 0;
  });
  await shot(b, shots, '07-image-file-phone', [tid(b, 'message-image'), tid(b, 'message-file')]);
  await shot(a, shots, '08-chat-desktop', [tid(a, 'chat'), tid(a, 'message-recalled'), tid(a, 'message-image'), tid(a, 'conversation-list')]);

  // Bob deletes a message for himself: gone for him, still there for Alice.
  const before = await tid(a, 'message').count();
  await tid(b, 'message').filter({ hasText: 'Hi Alice!' }).getByTestId('msg-delete').click();
  await expectCount(tid(b, 'message').filter({ hasText: 'Hi Alice!' }), 0);
  assert.equal(await tid(a, 'message').count(), before);

  // History scrolls back: 30 more messages, then Bob reopens the chat and pages back.
  await a.evaluate(async () => {
    const chat = globalThis.parleyApp.chat;
    for (let i = 1; i <= 30; i++) await chat.sendMessage(chat.createTextMessage({ to: 'bob', conversationType: 'C2C', payload: { text: `backlog ${i}` } }));
  });
  await expectText(tid(b, 'message').last(), /backlog 30/);
  await tid(b, 'back').click();
  await tid(b, 'conv-C2Calice').click();
  await expectText(tid(b, 'message').last(), /backlog 30/);
  const firstPage = await tid(b, 'message').count();
  assert.ok(firstPage <= 15, `the first page shows at most 15 messages, showed ${firstPage}`);
  await visible(tid(b, 'load-more'));
  // Scrolling to the top loads the page before (a person scrolls back).
  await tid(b, 'scroller').evaluate((el) => el.scrollTo(0, 0));
  const end = Date.now() + WAIT;
  while ((await tid(b, 'message').count()) <= firstPage) {
    assert.ok(Date.now() < end, 'scrolling to the top loaded no earlier message');
    await b.waitForTimeout(100);
  }
  await expectText(tid(b, 'message-body').first(), /^(backlog ([1-9]|1[0-5])|Are you there, Bob\?)$/);
  // The rest: the button does what the scroll does, until the start of the conversation.
  for (let i = 0; i < 10 && (await tid(b, 'load-more').isVisible()); i++) {
    await tid(b, 'load-more').dispatchEvent('click');
    await b.waitForTimeout(200);
  }
  await gone(tid(b, 'load-more'));
  await expectText(tid(b, 'message-body').first(), /Hello Bob|Are you there/);
  await visible(tid(b, 'message-recalled'));
  await shot(b, shots, '09-history-phone', [tid(b, 'message-recalled'), tid(b, 'message').first()]);

  // Bob gives Alice a remark: his lists show it.
  await tid(b, 'back').click();
  await tid(b, 'tab-friends').click();
  await tid(b, 'friend-alice').click();
  await tid(b, 'remark-input').fill('Ally');
  await tid(b, 'remark-save').click();
  await expectText(tid(b, 'friend-detail'), /Ally/);
  await tid(b, 'back').click();
  await expectText(tid(b, 'friend-alice'), /Ally/);
  await tid(b, 'tab-chats').click();
  await expectText(tid(b, 'conv-C2Calice'), /Ally/);

  // A refused request: carol asks Bob, Bob refuses, carol's request goes.
  const carol = await openAs(browser, url, 'carol', DESKTOP);
  const c = carol.page;
  await tid(c, 'tab-friends').click();
  await tid(c, 'friend-search-input').fill('bob');
  await tid(c, 'friend-search-submit').click();
  await tid(c, 'add-friend-submit').click();
  await visible(tid(c, 'request-out-bob'));
  await tid(b, 'tab-friends').click();
  await visible(tid(b, 'request-in-carol'));
  await tid(b, 'refuse-carol').click();
  await gone(tid(b, 'request-in-carol'));
  await gone(tid(c, 'request-out-bob'));

  // The blocklist: Bob blocks and unblocks carol.
  await tid(b, 'tab-friends').click();
  await tid(b, 'block-input').fill('nobody-here');
  await tid(b, 'block-submit').click();
  await expectText(tid(b, 'toast-error'), /no such user/);
  await tid(b, 'block-input').fill('carol');
  await tid(b, 'block-submit').click();
  await visible(tid(b, 'blocked-carol'));
  await shot(b, shots, '10-friends-blocklist-phone', [tid(b, 'blocked-carol'), tid(b, 'friend-alice')]);
  await tid(b, 'unblock-carol').click();
  await gone(tid(b, 'blocked-carol'));

  // Alice's profile: a nickname, seen by Bob's friend detail.
  await tid(a, 'tab-me').click();
  await tid(a, 'profile-nick').fill('Alice A.');
  await tid(a, 'profile-save').click();
  await expectText(tid(a, 'me-name'), /Alice A\./);
  await shot(a, shots, '11-profile-desktop', [tid(a, 'profile-form'), tid(a, 'me-name')]);

  // Friend lists: Bob makes one and puts Alice in it.
  await tid(b, 'tab-friends').click();
  await tid(b, 'friend-group-name').fill('Hiking');
  await tid(b, 'friend-group-create').click();
  await visible(tid(b, 'friend-group-Hiking'));
  await tid(b, 'friend-alice').click();
  await tid(b, 'friend-detail').getByLabel('Hiking').check();
  await tid(b, 'back').click();
  await expectText(tid(b, 'friend-group-Hiking'), /Ally/);

  for (const [who, s] of [['alice', alice], ['bob', bob], ['carol', carol]]) {
    assert.deepEqual(s.errors, [], `${who}'s page logged errors`);
    await s.ctx.close();
  }
}

/** Gina (desktop) owns a group, Hank (phone) is in it, Ivy (desktop) asks to join: requests, roles, mutes, group chat, removal. */
async function groups({ browser, url, shots }) {
  const gina = await openAs(browser, url, 'gina', DESKTOP);
  const hank = await openAs(browser, url, 'hank', PHONE);
  const ivy = await openAs(browser, url, 'ivy', DESKTOP);
  const g = gina.page;
  const hk = hank.page;
  const iv = ivy.page;

  // Gina creates a Public group that needs approval, with Hank in it.
  await tid(g, 'tab-groups').click();
  await tid(g, 'group-name').fill('Hikers');
  await tid(g, 'group-type').selectOption('Public');
  await tid(g, 'group-join-option').selectOption('NeedPermission');
  await tid(g, 'group-members').fill('hank');
  await tid(g, 'group-create-submit').click();
  await visible(tid(g, 'group-detail'));
  await expectText(tid(g, 'member-state-gina'), /Owner/);
  await expectText(tid(g, 'member-state-hank'), /Member/);
  const groupID = await g.evaluate(() => globalThis.parleyApp.groups.find((x) => x.name === 'Hikers')?.groupID);
  assert.ok(groupID, 'the new group is in the creator\'s group list');

  // Hank sees it in his groups.
  await tid(hk, 'tab-groups').click();
  await visible(tid(hk, `group-${groupID}`));

  // Ivy finds it by ID and asks to join; Gina accepts from her Groups tab.
  await tid(iv, 'tab-groups').click();
  await tid(iv, 'group-search-input').fill(groupID);
  await tid(iv, 'group-search-submit').click();
  await visible(tid(iv, 'group-card'));
  await tid(iv, 'group-join-message').fill('I hike too');
  await tid(iv, 'group-join-submit').click();
  await expectText(tid(iv, 'toast'), /Request sent/);
  await expectText(tid(g, 'tab-groups-badge'), /^1$/);
  await expectText(tid(g, `group-request-${groupID}-ivy`), /I hike too/);
  await shot(g, shots, '12-group-request-desktop', [tid(g, `group-request-${groupID}-ivy`), tid(g, 'group-detail'), tid(g, 'member-list')]);
  await tid(g, 'group-accept-ivy').click();
  await visible(tid(g, 'member-ivy'));
  await gone(tid(g, 'tab-groups-badge'));
  await visible(tid(iv, `group-${groupID}`));

  // Roles and mutes: Hank becomes an admin, Ivy is muted.
  await tid(g, 'role-hank').click();
  await expectText(tid(g, 'member-state-hank'), /Admin/);
  await tid(g, 'mute-ivy').click();
  await expectText(tid(g, 'member-state-ivy'), /muted until/);
  await shot(g, shots, '13-group-members-desktop', [tid(g, 'member-state-hank'), tid(g, 'member-state-ivy'), tid(g, 'mute-ivy')]);

  // The group chat: Gina writes, Hank's unread badge counts it, he reads and answers.
  await tid(g, 'group-open-chat').click();
  await visible(tid(g, 'chat'));
  await tid(g, 'composer-input').fill('Welcome, hikers');
  await tid(g, 'composer-send').click();
  await expectText(tid(g, 'message-state').last(), /Sent/);
  await tid(hk, 'tab-chats').click();
  await expectText(tid(hk, `unread-GROUP${groupID}`), /^[1-9]\d*$/);
  await expectText(tid(hk, `conv-GROUP${groupID}`), /Hikers/);
  await shot(hk, shots, '14-group-unread-phone', [tid(hk, `unread-GROUP${groupID}`)]);
  await tid(hk, `conv-GROUP${groupID}`).click();
  await expectText(tid(hk, 'message-body').last(), /Welcome, hikers/);
  // The phone's back button closes the chat, back to the list; the app stays.
  await hk.goBack();
  await visible(tid(hk, `conv-GROUP${groupID}`));
  assert.ok(hk.url().includes('/app/'), `back left the app: ${hk.url()}`);
  await tid(hk, `conv-GROUP${groupID}`).click();
  await tid(hk, 'composer-input').fill('Hello all');
  await tid(hk, 'composer-send').click();
  await expectText(tid(g, 'message-body').last(), /Hello all/);
  await visible(tid(hk, 'group-tip'));
  await shot(hk, shots, '15-group-chat-phone', [tid(hk, 'chat'), tid(hk, 'group-tip'), tid(hk, 'message-body').last()]);

  // Muted, Ivy cannot send (a clear error); unmuted, she can.
  await tid(iv, `group-${groupID}`).click();
  await tid(iv, 'group-open-chat').click();
  await tid(iv, 'composer-input').fill('Can I speak?');
  await tid(iv, 'composer-send').click();
  await expectText(tid(iv, 'toast-error'), /Send failed/);
  await tid(g, 'chat-group-info').click();
  await tid(g, 'mute-ivy').click();
  await expectText(tid(g, 'member-state-ivy'), /^Member$/);
  await tid(iv, 'composer-input').fill('Now I can');
  await tid(iv, 'composer-send').click();
  await expectText(tid(hk, 'message-body').last(), /Now I can/);

  // Gina removes Ivy: the group leaves Ivy's list.
  g.once('dialog', (d) => d.accept());
  await tid(g, 'kick-ivy').click();
  await gone(tid(g, 'member-ivy'));
  await iv.getByTestId('back').first().click().catch(() => {});
  await tid(iv, 'tab-groups').click();
  await gone(tid(iv, `group-${groupID}`));

  for (const [who, s] of [['gina', gina], ['hank', hank], ['ivy', ivy]]) {
    const unexpected = s.errors.filter((e) => !/10017|muted|Send failed/i.test(e));
    assert.deepEqual(unexpected, [], `${who}'s page logged errors`);
    await s.ctx.close();
  }
}

/** The other two logins: a pasted UserSig, and a UserSig fetched from an endpoint (here the server's own dev-login). */
async function otherLogins({ browser, url, shots }) {
  const r = await fetch(new URL('api/dev-login', url), { method: 'POST', body: JSON.stringify({ userID: 'paula' }) });
  const { SDKAppID, userSig } = await r.json();
  assert.ok(userSig, 'dev-login gave no UserSig');

  const ctx = await browser.newContext(DESKTOP);
  const page = await ctx.newPage();
  await page.goto(url);
  await visible(tid(page, 'dev-login'));
  await tid(page, 'other-logins').locator('summary').click();
  const sig = tid(page, 'sig-login');
  await expectText(sig.locator('xpath=.'), /UserSig/);
  assert.equal(await tid(page, 'sig-sdkappid').inputValue(), String(SDKAppID), 'the SDKAppID is filled from the server');
  // A UserSig of another user is refused by the server, with its code.
  await sig.locator('[name=userID]').fill('quentin');
  await sig.locator('[name=userSig]').fill(userSig);
  await sig.getByRole('button', { name: 'Log in' }).click();
  await expectText(tid(page, 'login-error'), /\(70\d{3}\)|identifier|UserSig/i);
  await sig.locator('[name=userID]').fill('paula');
  await sig.getByRole('button', { name: 'Log in' }).click();
  await visible(tid(page, 'shell'));
  await tid(page, 'tab-me').click();
  await expectText(tid(page, 'me'), /UserID: paula/);
  await tid(page, 'logout').click();
  await visible(tid(page, 'login-screen'));

  // The endpoint login: the app POSTs {userID} to the URL and logs in with the answer.
  await tid(page, 'other-logins').locator('summary').click().catch(() => {});
  const ep = tid(page, 'endpoint-login');
  await ep.locator('[name=endpoint]').fill(new URL('api/dev-login', url).href);
  await ep.locator('[name=userID]').fill('rita');
  await ep.getByRole('button', { name: 'Log in' }).click();
  await visible(tid(page, 'shell'));
  await tid(page, 'tab-me').click();
  await expectText(tid(page, 'me'), /UserID: rita/);
  await shot(page, shots, '16-me-desktop', [tid(page, 'me'), tid(page, 'logout')]);
  await ctx.close();
}

export const flows = { friendsAndMessages, groups, otherLogins };
