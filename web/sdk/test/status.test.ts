// User status against a real server whose app has the user_status switch
// on: setSelfStatus, getUserStatus, subscribeUserStatus, unsubscribeUserStatus
// and USER_STATUS_UPDATED, subscriptions made again after a reconnect, and
// 72001 from a server with the switch off.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import TencentCloudChat, { type UserStatus } from '../src/index.js';
import { Server, sleep, user } from './helpers.js';

const { EVENT, TYPES } = TencentCloudChat;
let server: Server; // user_status on
let off: Server; // the default: off

beforeAll(async () => {
  server = await Server.start();
  // The default app is kept in the data directory: switch user status on there and restart.
  await server.kill();
  const file = join(server.dataDir, 'default-app.json');
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), UserStatus: true }));
  await server.run();
  off = await Server.start();
});
afterAll(async () => {
  await server?.stop();
  await off?.stop();
});

const statusOf = (s: UserStatus) => [s.userID, s.statusType, s.customStatus];

describe('user status', () => {
  it('reports subscribed users and one’s own custom status, also after a reconnect', async () => {
    const A = user('ann');
    const B = user('ben');
    const a = await server.login(A, { reconnectMinDelay: 100, reconnectMaxDelay: 300 });
    await server.rest('im_open_login_svc/account_import', { UserID: B });

    const got = await a.chat.getUserStatus({ userIDList: [B, A] });
    expect(got.data.successUserList.map(statusOf)).toEqual([
      [B, TYPES.USER_STATUS_UNLOGINED, ''],
      [A, TYPES.USER_STATUS_ONLINE, ''],
    ]);
    const sub = await a.chat.subscribeUserStatus({ userIDList: [B, A] });
    expect(sub.data.failureUserList.map((f) => f.userID)).toEqual([A]); // not oneself

    let mark = a.events.mark();
    const b = await server.login(B);
    let ev = await a.events.next(EVENT.USER_STATUS_UPDATED, (d) => d[0].userID === B, 10_000, mark);
    expect(ev.data.map(statusOf)).toEqual([[B, TYPES.USER_STATUS_ONLINE, '']]);

    mark = a.events.mark();
    const bMark = b.events.mark();
    const set = await b.chat.setSelfStatus({ customStatus: 'listening to music' });
    expect(statusOf(set.data)).toEqual([B, TYPES.USER_STATUS_ONLINE, 'listening to music']);
    ev = await a.events.next(EVENT.USER_STATUS_UPDATED, (d) => d[0].customStatus === 'listening to music', 10_000, mark);
    // bob's own device hears its own change too.
    await b.events.next(EVENT.USER_STATUS_UPDATED, (d) => d[0].userID === B && d[0].customStatus === 'listening to music', 10_000, bMark);

    // The server restarts: its subscriptions are gone, the SDK makes them again.
    await server.kill();
    await server.run();
    await a.events.next(EVENT.NET_STATE_CHANGE, (d) => d.state === TYPES.NET_STATE_CONNECTED, 20_000, mark);
    let heard = false;
    for (let i = 0; i < 100 && !heard; i++) {
      mark = a.events.mark();
      try {
        await b.chat.setSelfStatus({ customStatus: `back ${i}` });
        await a.events.next(EVENT.USER_STATUS_UPDATED, (d) => d[0].customStatus === `back ${i}`, 200, mark);
        heard = true;
      } catch {
        await sleep(50); // not reconnected or not subscribed again yet
      }
    }
    expect(heard).toBe(true);

    // bob logs out: unlogined, custom status cleared.
    mark = a.events.mark();
    await b.chat.logout();
    ev = await a.events.next(EVENT.USER_STATUS_UPDATED, (d) => d[0].statusType === TYPES.USER_STATUS_UNLOGINED, 10_000, mark);
    expect(ev.data.map(statusOf)).toEqual([[B, TYPES.USER_STATUS_UNLOGINED, '']]);

    // Unsubscribed from all: nothing more.
    await a.chat.unsubscribeUserStatus();
    mark = a.events.mark();
    const b2 = await server.login(B);
    await sleep(300);
    expect(a.events.of(EVENT.USER_STATUS_UPDATED).length).toBe(a.events.all.slice(0, mark).filter((e) => e.name === EVENT.USER_STATUS_UPDATED).length);
    await b2.chat.logout();
    await a.chat.logout();
  });

  it('serves one’s own status without the app switch, others are 72001', async () => {
    const C = user('cat');
    const D = user('dan');
    await off.rest('im_open_login_svc/account_import', { UserID: D });
    const c = await off.login(C);
    const mine = await c.chat.getUserStatus({ userIDList: [C] });
    expect(mine.data.successUserList.map(statusOf)).toEqual([[C, TYPES.USER_STATUS_ONLINE, '']]);
    await expect(c.chat.getUserStatus({ userIDList: [D] })).rejects.toMatchObject({ code: 72001 });
    await expect(c.chat.subscribeUserStatus({ userIDList: [D] })).rejects.toMatchObject({ code: 72001 });
    await expect(c.chat.getUserStatus({ userIDList: [] })).rejects.toMatchObject({ code: 6017 });
    await c.chat.logout();
  });
});
