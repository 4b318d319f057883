// Exactly once and in order when both users write to one conversation at
// the same time (its seq is shared, so each side's pushes jump over the
// other's own sends), and a user's other device hearing this one's sends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import TencentCloudChat, { type Message } from '../src/index.js';
import { Recorder, Server, sleep, user } from './helpers.js';

const { EVENT, TYPES } = TencentCloudChat;
let server: Server;

beforeAll(async () => {
  server = await Server.start();
});
afterAll(async () => {
  await server?.stop();
});

function got(ev: Recorder): Message[] {
  return ev.of(EVENT.MESSAGE_RECEIVED).flatMap((e) => e.data as Message[]);
}

async function until(what: string, cond: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await sleep(20);
  }
}

describe('both sides sending at once', () => {
  it('each hears only the other, every message once, in seq order', async () => {
    const A = user('al');
    const B = user('bo');
    const a = await server.login(A);
    const b = await server.login(B);
    try {
      const N = 25;
      const burst = async (s: typeof a, to: string, tag: string) => {
        for (let i = 0; i < N; i++) {
          await s.chat.sendMessage(s.chat.createTextMessage({ to, conversationType: TYPES.CONV_C2C, payload: { text: `${tag}${i}` } }));
        }
      };
      await Promise.all([burst(a, B, 'a'), burst(b, A, 'b')]);
      await until('A hears B', () => got(a.events).length >= N);
      await until('B hears A', () => got(b.events).length >= N);
      await sleep(300);
      for (const [ev, tag, peer] of [[a.events, 'b', B], [b.events, 'a', A]] as const) {
        const msgs = got(ev);
        expect(msgs.map((m) => (m.payload as any).text)).toEqual([...Array(N).keys()].map((i) => `${tag}${i}`));
        expect(msgs.every((m) => m.from === peer && m.flow === 'in')).toBe(true);
        const seqs = msgs.map((m) => m.sequence);
        expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      }
      // Both see one conversation of 2N messages with the same seqs.
      expect(Math.max(...got(a.events).map((m) => m.sequence), ...got(b.events).map((m) => m.sequence))).toBe(2 * N);
    } finally {
      await a.chat.logout();
      await b.chat.logout();
    }
  });
});

describe('another device of the same user', () => {
  it('hears this device\'s sends as outgoing messages; this device does not', async () => {
    const A = user('multi');
    const B = user('peer');
    const web = await server.login(A);
    const phone = await server.login(A, { platform: 'Android' });
    const b = await server.login(B);
    try {
      const sent = await web.chat.sendMessage(web.chat.createTextMessage({ to: B, conversationType: TYPES.CONV_C2C, payload: { text: 'from the web' } }));
      const ev = await phone.events.next(EVENT.MESSAGE_RECEIVED);
      expect(ev.data).toMatchObject([{ ID: sent.data.message.ID, flow: 'out', from: A, to: B, conversationID: 'C2C' + B }]);
      await b.events.next(EVENT.MESSAGE_RECEIVED);
      await sleep(200);
      expect(got(web.events)).toEqual([]);
      // The web instance is still online: a second Web login would have pushed it out, an Android one does not.
      expect(web.events.of(EVENT.KICKED_OUT)).toEqual([]);
    } finally {
      await web.chat.logout();
      await phone.chat.logout();
      await b.chat.logout();
    }
  });
});

describe('session', () => {
  it('login again as the same user is repeatLogin; as another user ends the first session', async () => {
    const X = user('sx');
    const Y = user('sy');
    const x = await server.login(X);
    try {
      expect((await x.chat.login({ userID: X, userSig: server.userSig(X) })).data).toEqual({ repeatLogin: true });
      const peer = await server.login(user('sp'));
      const r = await x.chat.login({ userID: Y, userSig: server.userSig(Y) });
      expect(r.data).toEqual({ repeatLogin: false });
      expect(x.chat.getLoginUser()).toBe(Y);
      await x.events.next(EVENT.SDK_READY, () => true, 10_000, x.events.all.findIndex((e) => e.name === EVENT.SDK_NOT_READY));
      await peer.chat.sendMessage(peer.chat.createTextMessage({ to: Y, conversationType: TYPES.CONV_C2C, payload: { text: 'to y' } }));
      const ev = await x.events.next(EVENT.MESSAGE_RECEIVED);
      expect(ev.data).toMatchObject([{ to: Y, payload: { text: 'to y' } }]);
      await peer.chat.logout();
    } finally {
      await x.chat.logout();
    }
    await expect(x.chat.getMyProfile()).rejects.toMatchObject({ code: 6014 });
    await expect(x.chat.login({ userID: '', userSig: '' })).rejects.toMatchObject({ code: 6017 });
    await expect(server.create().login({ userID: X, userSig: 'not-a-usersig' })).rejects.toMatchObject({ code: expect.any(Number), message: expect.any(String) });
  });
});

describe('requests in flight', () => {
  it('many at once are held back under the server\'s bound and all answered', async () => {
    const U = user('many');
    const s = await server.login(U);
    try {
      // The server closes a connection with more than 64 requests unanswered.
      const calls = [...Array(150).keys()].map(() => s.chat.getUserProfile({ userIDList: [U] }));
      const results = await Promise.all(calls);
      expect(results.every((r) => r.code === 0 && r.data[0].userID === U)).toBe(true);
      expect(s.events.of(EVENT.NET_STATE_CHANGE).map((e) => e.data.state)).toEqual([TYPES.NET_STATE_CONNECTED]);
    } finally {
      await s.chat.logout();
    }
  });
});
