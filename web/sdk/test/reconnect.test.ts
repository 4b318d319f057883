// The server is killed (SIGKILL) and restarted under logged-in instances:
// they reconnect with backoff, resync by seq, and report what happened while
// they were away exactly once and in order. Kicks surface as KICKED_OUT with
// the reason and end the session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import TencentCloudChat, { type ChatSDK, type Message } from '../src/index.js';
import { Recorder, Server, sleep, user } from './helpers.js';

const { EVENT, TYPES } = TencentCloudChat;
let server: Server;

beforeAll(async () => {
  server = await Server.start();
});
afterAll(async () => {
  await server?.stop();
});

function seqsReceived(ev: Recorder, peer: string): number[] {
  return ev
    .of(EVENT.MESSAGE_RECEIVED)
    .flatMap((e) => e.data as Message[])
    .filter((m) => m.conversationID === 'C2C' + peer)
    .map((m) => m.sequence);
}

async function until(what: string, cond: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await sleep(20);
  }
}

describe('reconnect after the server is killed and restarted', () => {
  it('loses nothing, reports each message and change once, in order', async () => {
    const A = user('ava');
    const B = user('bea');
    const C = user('cy');
    const slow = { reconnectMinDelay: 1500, reconnectMaxDelay: 3000 };
    const { chat: a, events: aEv } = await server.login(A, slow);
    const { chat: b, events: bEv } = await server.login(B, slow);
    await server.rest('im_open_login_svc/account_import', { UserID: C });
    try {
      const text = (i: number) => a.createTextMessage({ to: B, conversationType: TYPES.CONV_C2C, payload: { text: `m${i}` } });
      for (let i = 1; i <= 5; i++) await a.sendMessage(text(i));
      await until('live messages', () => seqsReceived(bEv, A).length === 5);

      await server.kill();
      await bEv.next(EVENT.NET_STATE_CHANGE, (d) => d.state === TYPES.NET_STATE_CONNECTING);
      // A send while the connection is down waits for the reconnect (within the request timeout).
      const pending = a.sendMessage(text(100));
      await server.run();

      // While B is still away: five messages and a friend added over REST.
      for (let i = 6; i <= 10; i++) {
        const r = await server.rest('openim/sendmsg', {
          SyncOtherMachine: 2,
          From_Account: A,
          To_Account: B,
          MsgRandom: 1000 + i,
          MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: `m${i}` } }],
        });
        expect(r.ErrorCode).toBe(0);
      }
      const fr = await server.rest('sns/friend_add', { From_Account: C, AddFriendItem: [{ To_Account: B, AddSource: 'AddSource_Type_Rest' }], AddType: 'Add_Type_Both', ForceAddFlags: 1 });
      expect(fr.ErrorCode).toBe(0);

      const sent = await pending;
      expect(sent.data.message.status).toBe('success');
      await bEv.next(EVENT.NET_STATE_CHANGE, (d) => d.state === TYPES.NET_STATE_CONNECTED, 15_000, bEv.all.findIndex((e) => e.name === EVENT.NET_STATE_CHANGE && e.data.state === TYPES.NET_STATE_CONNECTING));
      for (let i = 12; i <= 15; i++) await a.sendMessage(text(i));

      await until('every message', () => seqsReceived(bEv, A).length >= 15);
      await sleep(300); // a duplicate would show up by now
      expect(seqsReceived(bEv, A)).toEqual([...Array(15).keys()].map((i) => i + 1));
      const bodies = bEv.of(EVENT.MESSAGE_RECEIVED).flatMap((e) => e.data as Message[]).map((m) => (m.payload as any).text);
      expect(new Set(bodies).size).toBe(15);

      await bEv.next(EVENT.FRIEND_LIST_UPDATED, (l) => l.some((f: any) => f.userID === C));
      expect(bEv.of(EVENT.FRIEND_LIST_UPDATED).filter((e) => e.data.some((f: any) => f.userID === C)).length).toBe(1);
      expect(bEv.of(EVENT.NET_STATE_CHANGE).map((e) => e.data.state)).toEqual([TYPES.NET_STATE_CONNECTED, TYPES.NET_STATE_CONNECTING, TYPES.NET_STATE_CONNECTED]);
      // The unread count came back right: 15 unread from A.
      await until('unread 15', () => b.getTotalUnreadMessageCount() === 15);
      expect(aEv.of(EVENT.MESSAGE_RECEIVED)).toEqual([]);
    } finally {
      await a.logout();
      await b.logout();
    }
  });
});

describe('a server down for a while', () => {
  it('is retried with backoff; a call made meanwhile is answered after the restart; one connecting, one connected', async () => {
    const U = user('pat');
    const s = await server.login(U, { reconnectMinDelay: 100, reconnectMaxDelay: 400 });
    try {
      await server.kill();
      await s.events.next(EVENT.NET_STATE_CHANGE, (d) => d.state === TYPES.NET_STATE_CONNECTING);
      const call = s.chat.getFriendList();
      await sleep(1500); // several failed attempts
      await server.run();
      expect((await call).code).toBe(0);
      await s.events.next(EVENT.NET_STATE_CHANGE, (d) => d.state === TYPES.NET_STATE_CONNECTED, 10_000, 1);
      await sleep(300);
      expect(s.events.of(EVENT.NET_STATE_CHANGE).map((e) => e.data.state)).toEqual([TYPES.NET_STATE_CONNECTED, TYPES.NET_STATE_CONNECTING, TYPES.NET_STATE_CONNECTED]);
    } finally {
      await s.chat.logout();
    }
  });
});

describe('a drop while events are being applied', () => {
  it('tells NET_STATE_CHANGE connecting at once, even with a task waiting for the connection', async () => {
    const A = user('qa');
    const B = user('qb');
    const a = await server.login(A);
    const b = await server.login(B, { reconnectMinDelay: 200, reconnectMaxDelay: 400 });
    try {
      // B's queue is busy reading the conversation list after each message when the server dies.
      const sends = [...Array(20).keys()].map((i) => a.chat.sendMessage(a.chat.createTextMessage({ to: B, conversationType: TYPES.CONV_C2C, payload: { text: `q${i}` } })));
      await b.events.next(EVENT.MESSAGE_RECEIVED);
      await server.kill();
      const t0 = Date.now();
      await b.events.next(EVENT.NET_STATE_CHANGE, (d) => d.state === TYPES.NET_STATE_CONNECTING, 5_000);
      expect(Date.now() - t0).toBeLessThan(3_000);
      await server.run();
      const settled = await Promise.allSettled(sends);
      await b.events.next(EVENT.NET_STATE_CHANGE, (d) => d.state === TYPES.NET_STATE_CONNECTED, 15_000, 1);
      // Every send is answered (asked again after the reconnect, idempotent), and reaches B once, in order.
      expect(settled.every((r) => r.status === 'fulfilled')).toBe(true);
      const committed = Math.max(...settled.map((r) => (r as PromiseFulfilledResult<any>).value.data.message.sequence));
      expect(committed).toBe(20);
      await until('B hears every committed message', () => seqsReceived(b.events, A).length >= committed);
      await sleep(200);
      expect(seqsReceived(b.events, A)).toEqual([...Array(committed).keys()].map((i) => i + 1));
    } finally {
      await a.chat.logout();
      await b.chat.logout();
    }
  });
});

describe('kicks', () => {
  it('a second Web login pushes the first out with multipleAccount; it does not reconnect', async () => {
    const U = user('kim');
    const first = await server.login(U, { reconnectMinDelay: 100 });
    const second = await server.login(U);
    try {
      const ev = await first.events.next(EVENT.KICKED_OUT);
      expect(ev.data).toEqual({ type: TYPES.KICKED_OUT_MULT_ACCOUNT });
      await first.events.next(EVENT.SDK_NOT_READY);
      expect(first.chat.isReady()).toBe(false);
      await sleep(500);
      expect(first.events.of(EVENT.NET_STATE_CHANGE).map((e) => e.data.state)).toEqual([TYPES.NET_STATE_CONNECTED]);
      await expect(first.chat.getFriendList()).rejects.toMatchObject({ code: 6014 });
      expect((await second.chat.getFriendList()).code).toBe(0);
    } finally {
      await second.chat.logout();
    }
  });

  it('a REST kick arrives as KICKED_OUT with REST_API_Kick', async () => {
    const U = user('rex');
    const s = await server.login(U);
    const r = await server.rest('im_open_login_svc/kick', { UserID: U });
    expect(r.ErrorCode).toBe(0);
    const ev = await s.events.next(EVENT.KICKED_OUT);
    expect(ev.data).toEqual({ type: TYPES.KICKED_OUT_REST_API });
  });
});
