// Friends, requests, the blocklist, friend lists and profiles between two
// logged-in users, each change also checked in the other user's events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import TencentCloudChat, { type ChatSDK } from '../src/index.js';
import { Recorder, Server, user } from './helpers.js';

const { EVENT, TYPES } = TencentCloudChat;
let server: Server;
let a: ChatSDK, b: ChatSDK, aEv: Recorder, bEv: Recorder;
let A: string, B: string;

beforeAll(async () => {
  server = await Server.start();
  A = user('ann');
  B = user('ben');
  ({ chat: a, events: aEv } = await server.login(A));
  ({ chat: b, events: bEv } = await server.login(B));
});
afterAll(async () => {
  await a?.logout();
  await b?.logout();
  await server?.stop();
});

describe('friend requests', () => {
  it('a request reaches both users, accepting makes friends on both sides', async () => {
    const bMark = bEv.mark();
    const res = await a.addFriend({ to: B, source: 'AddSource_Type_Web', wording: 'hi', remark: 'Ben', type: TYPES.SNS_ADD_TYPE_BOTH });
    expect(res).toMatchObject({ code: 0, data: { userID: B, code: 30539 } });
    const ev = await bEv.next(EVENT.FRIEND_APPLICATION_LIST_UPDATED, (d) => d.friendApplicationList.length === 1, 10_000, bMark);
    expect(ev.data).toMatchObject({ unreadCount: 1, friendApplicationList: [{ userID: A, type: TYPES.SNS_APPLICATION_SENT_TO_ME, wording: 'hi', isRead: false }] });
    const mine = await a.getFriendApplicationList();
    expect(mine.data.friendApplicationList).toMatchObject([{ userID: B, type: TYPES.SNS_APPLICATION_SENT_BY_ME, remark: 'Ben' }]);

    await b.setFriendApplicationRead();
    expect((await b.getFriendApplicationList()).data.unreadCount).toBe(0);

    const aMark = aEv.mark();
    await b.acceptFriendApplication({ userID: A, remark: 'Ann', type: TYPES.SNS_APPLICATION_AGREE_AND_ADD });
    const fl = await aEv.next(EVENT.FRIEND_LIST_UPDATED, (d) => d.length === 1, 10_000, aMark);
    expect(fl.data).toMatchObject([{ userID: B, remark: 'Ben' }]);
    expect((await b.getFriendList()).data).toMatchObject([{ userID: A, remark: 'Ann' }]);
    const check = await a.checkFriend({ userIDList: [B], type: TYPES.SNS_CHECK_TYPE_BOTH });
    expect(check.data.successUserIDList).toEqual([{ userID: B, code: 0, relation: TYPES.SNS_TYPE_BOTH_WAY }]);
    expect((await a.getFriendApplicationList()).data.friendApplicationList).toEqual([]);
  });

  it('a refused request and a deleted one go from both lists', async () => {
    const C = user('cat');
    const { chat: c, events: cEv } = await server.login(C);
    try {
      await c.addFriend({ to: A, source: 'AddSource_Type_Web' });
      await aEv.next(EVENT.FRIEND_APPLICATION_LIST_UPDATED, (d) => d.friendApplicationList.some((x: any) => x.userID === C));
      const m = cEv.mark();
      await a.refuseFriendApplication({ userID: C });
      await cEv.next(EVENT.FRIEND_APPLICATION_LIST_UPDATED, (d) => d.friendApplicationList.length === 0, 10_000, m);
      expect((await a.getFriendApplicationList()).data.friendApplicationList).toEqual([]);

      await c.addFriend({ to: A, source: 'AddSource_Type_Web' });
      await aEv.next(EVENT.FRIEND_APPLICATION_LIST_UPDATED, (d) => d.friendApplicationList.some((x: any) => x.userID === C), 10_000, aEv.mark() - 0);
      await c.deleteFriendApplication({ userID: A, type: TYPES.SNS_APPLICATION_SENT_BY_ME });
      expect((await c.getFriendApplicationList()).data.friendApplicationList).toEqual([]);
    } finally {
      await c.logout();
    }
  });

  it('getFriendProfile and updateFriend', async () => {
    const p = await a.getFriendProfile({ userIDList: [B, 'nobody_here'] });
    expect(p.data.friendList).toMatchObject([{ userID: B, remark: 'Ben' }]);
    expect(p.data.failureUserIDList.map((f) => f.userID)).toEqual(['nobody_here']);
    const m = aEv.mark();
    const up = await a.updateFriend({ userID: B, remark: 'Benjamin' });
    expect(up.data).toMatchObject({ userID: B, remark: 'Benjamin' });
    await aEv.next(EVENT.FRIEND_LIST_UPDATED, (d) => d[0]?.remark === 'Benjamin', 10_000, m);
  });
});

describe('friend lists (groups)', () => {
  it('create, add, remove, rename, delete', async () => {
    const m = aEv.mark();
    const created = await a.createFriendGroup({ name: 'work', userIDList: [B] });
    expect(created.data.friendGroup).toEqual({ name: 'work', userIDList: [B], count: 1 });
    await aEv.next(EVENT.FRIEND_GROUP_LIST_UPDATED, (d) => d.some((g: any) => g.name === 'work'), 10_000, m);
    expect((await a.removeFromFriendGroup({ name: 'work', userIDList: [B] })).data.friendGroup.userIDList).toEqual([]);
    expect((await a.addToFriendGroup({ name: 'work', userIDList: [B] })).data.friendGroup.userIDList).toEqual([B]);
    expect((await a.renameFriendGroup({ oldName: 'work', newName: 'team' })).data.friendGroup.name).toBe('team');
    await a.deleteFriendGroup({ name: 'team' });
    expect((await a.getFriendGroupList()).data).toEqual([]);
  });
});

describe('blocklist', () => {
  it('add, get, remove, with BLACKLIST_UPDATED', async () => {
    const m = aEv.mark();
    expect((await a.addToBlacklist({ userIDList: [B] })).data).toEqual([B]);
    const ev = await aEv.next(EVENT.BLACKLIST_UPDATED, () => true, 10_000, m);
    expect(ev.data).toEqual([B]);
    expect((await a.getBlacklist()).data).toEqual([B]);
    expect((await a.removeFromBlacklist({ userIDList: [B] })).data).toEqual([B]);
    await aEv.next(EVENT.BLACKLIST_UPDATED, (d) => d.length === 0, 10_000, m);
    expect((await a.getBlacklist()).data).toEqual([]);
  });
});

describe('profiles', () => {
  it('updateMyProfile reaches a friend as PROFILE_UPDATED', async () => {
    // Blocking ended the friendship (as at Tencent): friends again first.
    const before = await a.checkFriend({ userIDList: [B], type: TYPES.SNS_CHECK_TYPE_BOTH });
    expect(before.data.successUserIDList[0].relation).toBe(TYPES.SNS_TYPE_NO_RELATION);
    await a.addFriend({ to: B, source: 'AddSource_Type_Web' });
    await b.acceptFriendApplication({ userID: A, type: TYPES.SNS_APPLICATION_AGREE_AND_ADD });
    const fr = await a.checkFriend({ userIDList: [B], type: TYPES.SNS_CHECK_TYPE_BOTH });
    expect(fr.data.successUserIDList[0].relation).toBe(TYPES.SNS_TYPE_BOTH_WAY);
    const m = bEv.mark();
    const mine = await a.updateMyProfile({ nick: 'Ann A.', gender: TYPES.GENDER_FEMALE, allowType: TYPES.ALLOW_TYPE_ALLOW_ANY, selfSignature: 'hello' });
    expect(mine.data).toMatchObject({ userID: A, nick: 'Ann A.', gender: TYPES.GENDER_FEMALE, allowType: TYPES.ALLOW_TYPE_ALLOW_ANY, selfSignature: 'hello' });
    const ev = await bEv.next(EVENT.PROFILE_UPDATED, (d) => d.some((p: any) => p.userID === A && p.nick === 'Ann A.'), 10_000, m);
    expect(ev.data.length).toBe(1);
    const [other] = (await b.getUserProfile({ userIDList: [A] })).data;
    expect(other).toMatchObject({ nick: 'Ann A.', gender: TYPES.GENDER_FEMALE });
    expect((await b.getMyProfile()).data.userID).toBe(B);
  });

  it('a bad enum value is rejected with code and message, nothing sent', async () => {
    await expect(a.updateMyProfile({ gender: 'Gender_Type_Robot' as any })).rejects.toMatchObject({ code: 6017, message: expect.stringContaining('gender') });
  });

  it('with AllowAny, addFriend answers code 0 and both lists update', async () => {
    const D = user('dan');
    const { chat: d, events: dEv } = await server.login(D);
    try {
      const m = dEv.mark();
      const r = await d.addFriend({ to: A, source: 'AddSource_Type_Web' });
      expect(r.data.code).toBe(0);
      await dEv.next(EVENT.FRIEND_LIST_UPDATED, (l) => l.some((f: any) => f.userID === A), 10_000, m);
      await aEv.next(EVENT.FRIEND_LIST_UPDATED, (l) => l.some((f: any) => f.userID === D));
    } finally {
      await d.logout();
    }
  });
});
