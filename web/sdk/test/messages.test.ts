// Messages and conversations between two users: text, image and file by URL,
// history paging, unread counts moving, read, recall, modify, delete, and
// the conversation list (pin, draft, delete, profile).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import TencentCloudChat, { type ChatSDK, type Message } from '../src/index.js';
import { Recorder, Server, user } from './helpers.js';

const { EVENT, TYPES } = TencentCloudChat;
let server: Server;
let a: ChatSDK, b: ChatSDK, aEv: Recorder, bEv: Recorder;
let A: string, B: string;

beforeAll(async () => {
  server = await Server.start();
  A = user('amy');
  B = user('bob');
  ({ chat: a, events: aEv } = await server.login(A));
  ({ chat: b, events: bEv } = await server.login(B));
});
afterAll(async () => {
  await a?.logout();
  await b?.logout();
  await server?.stop();
});

function received(ev: Recorder, from: number): Message[] {
  return ev.all.slice(from).filter((e) => e.name === EVENT.MESSAGE_RECEIVED).flatMap((e) => e.data);
}

describe('messages', () => {
  it('text, image and file reach the peer once, in order, and unread counts move', async () => {
    const m = bEv.mark();
    const text = a.createTextMessage({ to: B, conversationType: TYPES.CONV_C2C, payload: { text: 'hello' } });
    expect(text).toMatchObject({ status: 'unSend', flow: 'out', conversationID: 'C2C' + B, type: TYPES.MSG_TEXT });
    const sent = await a.sendMessage(text);
    expect(sent.code).toBe(0);
    expect(sent.data.message).toMatchObject({ status: 'success', sequence: 1 });
    expect(sent.data.message.ID).toMatch(/^1_\d+_\d+$/);
    await a.sendMessage(a.createImageMessage({ to: B, conversationType: TYPES.CONV_C2C, payload: { url: 'https://example.com/cat.png', width: 640, height: 480, size: 1234 } }));
    await a.sendMessage(a.createFileMessage({ to: B, conversationType: TYPES.CONV_C2C, payload: { url: 'https://example.com/a.pdf', fileName: 'a.pdf', fileSize: 99 } }));

    await bEv.next(EVENT.MESSAGE_RECEIVED, (d) => d.some((x: Message) => x.sequence === 3), 10_000, m);
    const got = received(bEv, m);
    expect(got.map((x) => x.sequence)).toEqual([1, 2, 3]);
    expect(got[0]).toMatchObject({ type: TYPES.MSG_TEXT, payload: { text: 'hello' }, from: A, to: B, flow: 'in', conversationID: 'C2C' + A });
    expect(got[1]).toMatchObject({ type: TYPES.MSG_IMAGE, payload: { imageInfoArray: [{ url: 'https://example.com/cat.png', width: 640, height: 480, size: 1234 }] } });
    expect(got[2]).toMatchObject({ type: TYPES.MSG_FILE, payload: { fileUrl: 'https://example.com/a.pdf', fileName: 'a.pdf', fileSize: 99 } });

    await bEv.next(EVENT.TOTAL_UNREAD_MESSAGE_COUNT_UPDATED, (n) => n === 3, 10_000, m);
    expect(b.getTotalUnreadMessageCount()).toBe(3);
    const list = await b.getConversationList();
    expect(list.data.conversationList).toMatchObject([
      { conversationID: 'C2C' + A, type: TYPES.CONV_C2C, unreadCount: 3, lastMessage: { messageForShow: '[File]', fromAccount: A }, userProfile: { userID: A } },
    ]);

    const r = bEv.mark();
    await b.setMessageRead({ conversationID: 'C2C' + A });
    expect(b.getTotalUnreadMessageCount()).toBe(0);
    await bEv.next(EVENT.TOTAL_UNREAD_MESSAGE_COUNT_UPDATED, (n) => n === 0, 10_000, r);
    expect((await b.getConversationProfile('C2C' + A)).data.conversation.unreadCount).toBe(0);
    // The sender is not told its own messages.
    expect(received(aEv, 0)).toEqual([]);
  });

  it('getMessageList pages back through history, oldest first', async () => {
    for (let i = 0; i < 17; i++) await b.sendMessage(b.createTextMessage({ to: A, conversationType: TYPES.CONV_C2C, payload: { text: `n${i}` } }));
    const p1 = await a.getMessageList({ conversationID: 'C2C' + B });
    expect(p1.data.messageList.length).toBe(15);
    expect(p1.data.isCompleted).toBe(false);
    const seqs1 = p1.data.messageList.map((x) => x.sequence);
    expect(seqs1).toEqual([...Array(15).keys()].map((i) => i + 6));
    const p2 = await a.getMessageList({ conversationID: 'C2C' + B, nextReqMessageID: p1.data.nextReqMessageID });
    expect(p2.data.messageList.map((x) => x.sequence)).toEqual([1, 2, 3, 4, 5]);
    expect(p2.data.isCompleted).toBe(true);
    expect(p2.data.messageList[0].flow).toBe('out');
  });

  it('recall reaches the peer as MESSAGE_REVOKED', async () => {
    const m = bEv.mark();
    const msg = (await a.sendMessage(a.createTextMessage({ to: B, conversationType: TYPES.CONV_C2C, payload: { text: 'oops' } }))).data.message;
    await bEv.next(EVENT.MESSAGE_RECEIVED, (d) => d.some((x: Message) => x.ID === msg.ID), 10_000, m);
    const res = await a.revokeMessage(msg);
    expect(res.data.message.isRevoked).toBe(true);
    const ev = await bEv.next(EVENT.MESSAGE_REVOKED, () => true, 10_000, m);
    expect(ev.data).toMatchObject([{ ID: msg.ID, isRevoked: true, from: A, conversationID: 'C2C' + A }]);
    const hist = await b.getMessageList({ conversationID: 'C2C' + A });
    expect(hist.data.messageList.find((x) => x.ID === msg.ID)?.isRevoked).toBe(true);
  });

  it('modify with the version, a stale version is 2480 with the current message', async () => {
    const m = bEv.mark();
    const msg = (await a.sendMessage(a.createTextMessage({ to: B, conversationType: TYPES.CONV_C2C, payload: { text: 'draft' } }))).data.message;
    msg.payload = { text: 'final' };
    const res = await a.modifyMessage(msg);
    expect(res.data.message).toMatchObject({ ID: msg.ID, payload: { text: 'final' }, version: 1, isModified: true });
    const ev = await bEv.next(EVENT.MESSAGE_MODIFIED, () => true, 10_000, m);
    expect(ev.data).toMatchObject([{ ID: msg.ID, payload: { text: 'final' } }]);
    msg.payload = { text: 'stale' }; // still version 0
    await expect(a.modifyMessage(msg)).rejects.toMatchObject({ code: 2480, data: { message: { payload: { text: 'final' }, version: 1 } } });
  });

  it('deleteMessage removes it from this user only', async () => {
    const msg = (await a.sendMessage(a.createTextMessage({ to: B, conversationType: TYPES.CONV_C2C, payload: { text: 'mine only' } }))).data.message;
    await a.deleteMessage([msg]);
    expect((await a.getMessageList({ conversationID: 'C2C' + B })).data.messageList.some((x) => x.ID === msg.ID)).toBe(false);
    await bEv.next(EVENT.MESSAGE_RECEIVED, (d) => d.some((x: Message) => x.ID === msg.ID));
    expect((await b.getMessageList({ conversationID: 'C2C' + A })).data.messageList.some((x) => x.ID === msg.ID)).toBe(true);
  });

  it('bad input is a rejection with a code, never a throw from the promise chain', async () => {
    expect(() => a.createImageMessage({ to: B, conversationType: TYPES.CONV_C2C, payload: {} as any })).toThrow(/by URL/);
    await expect(a.getMessageList({ conversationID: 'nonsense' })).rejects.toMatchObject({ code: 6017 });
    await expect(a.sendMessage({ ...a.createTextMessage({ to: B, conversationType: TYPES.CONV_C2C, payload: { text: 'x' } }), type: 'TIMNoSuchElem' })).rejects.toMatchObject({ code: expect.any(Number), message: expect.any(String) });
  });
});

describe('conversations', () => {
  it('pin, draft and delete show in the list and in CONVERSATION_LIST_UPDATED', async () => {
    const C = user('cal');
    const { chat: c } = await server.login(C);
    try {
      await c.sendMessage(c.createTextMessage({ to: A, conversationType: TYPES.CONV_C2C, payload: { text: 'hey' } }));
      await aEv.next(EVENT.CONVERSATION_LIST_UPDATED, (l) => l[0]?.conversationID === 'C2C' + C);
      // B's conversation is older: pinning puts it first.
      const m = aEv.mark();
      await a.pinConversation({ conversationID: 'C2C' + B, isPinned: true });
      const ev = await aEv.next(EVENT.CONVERSATION_LIST_UPDATED, (l) => l[0]?.conversationID === 'C2C' + B && l[0].isPinned, 10_000, m);
      expect(ev.data.map((x: any) => x.conversationID)).toEqual(['C2C' + B, 'C2C' + C]);

      await a.setConversationDraft({ conversationID: 'C2C' + C, draftText: 'half a thought' });
      await aEv.next(EVENT.CONVERSATION_LIST_UPDATED, (l) => l.some((x: any) => x.draftText === 'half a thought'), 10_000, m);
      expect((await a.getConversationProfile('C2C' + C)).data.conversation.draftText).toBe('half a thought');

      const before = a.getTotalUnreadMessageCount();
      expect(before).toBeGreaterThan(0);
      const del = await a.deleteConversation({ conversationIDList: ['C2C' + C], clearHistoryMessage: true });
      expect(del.data).toEqual({ successConversationIDList: ['C2C' + C], failureConversationIDList: [] });
      const list = (await a.getConversationList()).data.conversationList;
      expect(list.map((x) => x.conversationID)).toEqual(['C2C' + B]);
      expect(a.getTotalUnreadMessageCount()).toBe(list.reduce((n, x) => n + x.unreadCount, 0));
      expect((await a.getMessageList({ conversationID: 'C2C' + C })).data.messageList).toEqual([]);
      const only = await a.getConversationList(['C2C' + B]);
      expect(only.data.conversationList.map((x) => x.conversationID)).toEqual(['C2C' + B]);
    } finally {
      await c.logout();
    }
  });
});

describe('reads, receipts, receive options', () => {
  it('MESSAGE_READ_BY_PEER carries the sender\'s messages the peer read, once', async () => {
    const X = user('xia');
    const Y = user('yan');
    const x = await server.login(X);
    const y = await server.login(Y);
    try {
      const sent: Message[] = [];
      for (const t of ['one', 'two']) sent.push((await x.chat.sendMessage(x.chat.createTextMessage({ to: Y, conversationType: TYPES.CONV_C2C, payload: { text: t } }))).data.message);
      await y.events.next(EVENT.MESSAGE_RECEIVED, (d) => d.some((m: Message) => m.sequence === 2));
      await y.chat.setMessageRead({ conversationID: 'C2C' + X });
      const ev = await x.events.next(EVENT.MESSAGE_READ_BY_PEER);
      expect(ev.data.map((m: Message) => [m.ID, m.isPeerRead])).toEqual(sent.map((m) => [m.ID, true]));
      await y.chat.setMessageRead({ conversationID: 'C2C' + X }); // nothing new read
      const third = (await x.chat.sendMessage(x.chat.createCustomMessage({ to: Y, conversationType: TYPES.CONV_C2C, payload: { data: '{"k":1}', description: 'card' }, needReadReceipt: true }))).data.message;
      const got = await y.events.next(EVENT.MESSAGE_RECEIVED, (d) => d.some((m: Message) => m.ID === third.ID));
      const received = got.data.find((m: Message) => m.ID === third.ID);
      expect(received).toMatchObject({ type: TYPES.MSG_CUSTOM, payload: { data: '{"k":1}', description: 'card' }, needReadReceipt: true });
      const m = x.events.mark();
      expect((await y.chat.sendMessageReadReceipt([received])).data.messageList.map((r) => r.ID)).toEqual([third.ID]);
      const rc = await x.events.next(EVENT.MESSAGE_READ_RECEIPT_RECEIVED, () => true, 10_000, m);
      expect(rc.data).toMatchObject([{ messageID: third.ID, conversationID: 'C2C' + Y }]);
      await y.chat.setMessageRead({ conversationID: 'C2C' + X });
      const ev2 = await x.events.next(EVENT.MESSAGE_READ_BY_PEER, () => true, 10_000, m);
      expect(ev2.data.map((r: Message) => r.ID)).toEqual([third.ID]);
      expect(x.events.of(EVENT.MESSAGE_READ_BY_PEER).length).toBe(2);
    } finally {
      await x.chat.logout();
      await y.chat.logout();
    }
  });

  it('setMessageRemindType Discard: the peer\'s messages no longer arrive', async () => {
    const X = user('xu');
    const Y = user('yi');
    const x = await server.login(X);
    const y = await server.login(Y);
    try {
      await y.chat.setMessageRemindType({ userIDList: [X], messageRemindType: TYPES.MSG_REMIND_DISCARD });
      await x.chat.sendMessage(x.chat.createTextMessage({ to: Y, conversationType: TYPES.CONV_C2C, payload: { text: 'muted' } }));
      await y.chat.setMessageRemindType({ userIDList: [X], messageRemindType: TYPES.MSG_REMIND_ACPT_AND_NOTE });
      const heard = (await x.chat.sendMessage(x.chat.createTextMessage({ to: Y, conversationType: TYPES.CONV_C2C, payload: { text: 'heard' } }))).data.message;
      await y.events.next(EVENT.MESSAGE_RECEIVED, (d) => d.some((m: Message) => m.ID === heard.ID));
      expect(received(y.events, 0).map((m) => (m.payload as any).text)).toEqual(['heard']);
      await expect(y.chat.setMessageRemindType({ userIDList: [X], messageRemindType: 'Sometimes' })).rejects.toMatchObject({ code: 6017 });
    } finally {
      await x.chat.logout();
      await y.chat.logout();
    }
  });
});

describe('conversation marks, groups and clearing', () => {
  it('mark, conversation groups, clearHistoryMessage', async () => {
    const conv = 'C2C' + B;
    const mk = await a.markConversation({ conversationIDList: [conv], markType: TYPES.CONV_MARK_TYPE_FOLD, enableMark: true });
    expect(mk.data).toEqual({ successConversationIDList: [conv], failureConversationIDList: [] });
    expect((await a.getConversationProfile(conv)).data.conversation.markList).toEqual([TYPES.CONV_MARK_TYPE_FOLD]);
    const folded = await a.getConversationList({ markType: TYPES.CONV_MARK_TYPE_FOLD });
    expect(folded.data.conversationList.map((c) => c.conversationID)).toEqual([conv]);

    const m = aEv.mark();
    await a.createConversationGroup({ groupName: 'close', conversationIDList: [conv] });
    await aEv.next(EVENT.CONVERSATION_GROUP_LIST_UPDATED, (d) => d.includes('close'), 10_000, m);
    expect((await a.getConversationGroupList()).data).toEqual(['close']);
    expect((await a.getConversationList({ groupName: 'close' })).data.conversationList.map((c) => c.conversationID)).toEqual([conv]);
    await a.renameConversationGroup({ oldName: 'close', newName: 'closest' });
    expect((await a.deleteConversationsFromGroup({ groupName: 'closest', conversationIDList: [conv] })).data.successConversationIDList).toEqual([conv]);
    expect((await a.addConversationsToGroup({ groupName: 'closest', conversationIDList: [conv] })).data.successConversationIDList).toEqual([conv]);
    await a.deleteConversationGroup('closest');
    expect((await a.getConversationGroupList()).data).toEqual([]);

    await a.clearHistoryMessage(conv);
    expect((await a.getMessageList({ conversationID: conv })).data.messageList).toEqual([]);
    const c = (await a.getConversationProfile(conv)).data.conversation;
    expect(c).toMatchObject({ unreadCount: 0, lastMessage: null });
    expect((await b.getMessageList({ conversationID: 'C2C' + A })).data.messageList.length).toBeGreaterThan(0);
  });
});
