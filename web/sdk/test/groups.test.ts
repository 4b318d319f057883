// Groups against a real server: management (create, join, applications,
// invite, kick, roles, mute, profile, owner, quit, dismiss), the group tips
// and system notices other members and the user concerned see, group
// messages to several users and instances, unread counts, recall, and a
// reconnect after the server is killed.
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

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await sleep(20);
  }
}

function received(ev: Recorder, pred: (m: Message) => boolean = () => true): Message[] {
  return ev
    .of(EVENT.MESSAGE_RECEIVED)
    .flatMap((e) => e.data as Message[])
    .filter(pred);
}
const tipsOf = (ev: Recorder, groupID: string) => received(ev, (m) => m.type === TYPES.MSG_GRP_TIP && m.conversationID === 'GROUP' + groupID);
const noticesOf = (ev: Recorder, groupID: string) => received(ev, (m) => m.type === TYPES.MSG_GRP_SYS_NOTICE && (m.payload as any).groupProfile.groupID === groupID);

function nextMessage(ev: Recorder, pred: (m: Message) => boolean, mark = 0) {
  return ev.next(EVENT.MESSAGE_RECEIVED, (d: Message[]) => d.some(pred), 10_000, mark).then((e) => (e.data as Message[]).find(pred)!);
}

async function logoutAll(...chats: ChatSDK[]) {
  for (const c of chats) await c.logout();
}

describe('group management', () => {
  it('creates a work group with members, who hear they were added; lists, profiles and member lists read back', async () => {
    const A = user('gwa');
    const B = user('gwb');
    const a = await server.login(A);
    const b = await server.login(B);
    try {
      const created = await a.chat.createGroup({ type: TYPES.GRP_WORK, name: 'Work room', introduction: 'hello', memberList: [{ userID: B }] });
      expect(created.code).toBe(0);
      const g = created.data.group;
      expect(g).toMatchObject({ name: 'Work room', type: TYPES.GRP_WORK, introduction: 'hello', ownerID: A, memberCount: 2, joinOption: TYPES.JOIN_OPTIONS_DISABLE_APPLY });
      expect(created.data.overLimitUserIDList).toEqual([]);

      // The creator hears "created" (6), the member added "invited" (7) by the creator, and both a new group list.
      const mine = await nextMessage(a.events, (m) => m.type === TYPES.MSG_GRP_SYS_NOTICE);
      expect(mine).toMatchObject({ conversationID: TYPES.CONV_SYSTEM, conversationType: TYPES.CONV_SYSTEM, payload: { operationType: 6, operatorID: A, groupProfile: { groupID: g.groupID } } });
      const theirs = await nextMessage(b.events, (m) => m.type === TYPES.MSG_GRP_SYS_NOTICE);
      expect(theirs.payload).toMatchObject({ operationType: 7, operatorID: A, groupProfile: { groupID: g.groupID, name: 'Work room' } });
      const listed = await b.events.next(EVENT.GROUP_LIST_UPDATED, (l) => l.some((x: any) => x.groupID === g.groupID));
      expect(listed.data.find((x: any) => x.groupID === g.groupID).selfInfo.role).toBe(TYPES.GRP_MBR_ROLE_MEMBER);

      // The group's conversation before any message: empty, with the group's profile.
      const empty = await b.chat.getConversationProfile('GROUP' + g.groupID);
      expect(empty.data.conversation).toMatchObject({ conversationID: 'GROUP' + g.groupID, type: TYPES.CONV_GROUP, unreadCount: 0, lastMessage: null, groupProfile: { groupID: g.groupID, name: 'Work room' } });
      await expect(b.chat.getConversationProfile('GROUPno_such_group_here')).rejects.toMatchObject({ code: 10010 });

      const list = await b.chat.getGroupList();
      expect(list.data.groupList.map((x) => x.groupID)).toContain(g.groupID);
      const profile = await b.chat.getGroupProfile({ groupID: g.groupID });
      expect(profile.data.group).toMatchObject({ groupID: g.groupID, name: 'Work room', ownerID: A });
      const members = await a.chat.getGroupMemberList({ groupID: g.groupID, count: 100 });
      expect(members.data.memberList.map((m) => [m.userID, m.role]).sort()).toEqual([[A, TYPES.GRP_MBR_ROLE_OWNER], [B, TYPES.GRP_MBR_ROLE_MEMBER]].sort());
      expect(members.data.offset).toBe(0);
      const owners = await a.chat.getGroupMemberList({ groupID: g.groupID, role: TYPES.GRP_MBR_ROLE_OWNER });
      expect(owners.data.memberList.map((m) => m.userID)).toEqual([A]);
      const one = await a.chat.getGroupMemberProfile({ groupID: g.groupID, userIDList: [B, 'nobody_at_all'] });
      expect(one.data.memberList.map((m) => m.userID)).toEqual([B]);

      // The owner of a work group may not dismiss it (Tencent: only the app's admin); a member quits, the owner hears it.
      await expect(a.chat.dismissGroup(g.groupID)).rejects.toMatchObject({ code: 10007 });
      const mark = a.events.mark();
      expect((await b.chat.quitGroup(g.groupID)).data).toEqual({ groupID: g.groupID });
      const quit = await nextMessage(a.events, (m) => m.type === TYPES.MSG_GRP_TIP, mark);
      expect(quit.payload).toMatchObject({ operationType: TYPES.GRP_TIP_MBR_QUIT, operatorID: B, userIDList: [B] });
      await b.events.next(EVENT.GROUP_LIST_UPDATED, (l) => !l.some((x: any) => x.groupID === g.groupID));
    } finally {
      await logoutAll(a.chat, b.chat);
    }
  });

  it("a quit on one instance reaches the user's other instance as the quit notice and a new group list", async () => {
    const A = user('gqa');
    const B = user('gqb');
    const a = await server.login(A);
    const b1 = await server.login(B);
    const b2 = await server.login(B, { platform: 'Android' });
    try {
      const { data } = await a.chat.createGroup({ type: TYPES.GRP_WORK, name: 'Leave', memberList: [{ userID: B }] });
      const id = data.group.groupID;
      await b2.events.next(EVENT.GROUP_LIST_UPDATED, (l) => l.some((x: any) => x.groupID === id));
      const mark = b2.events.mark();
      await b1.chat.quitGroup(id);
      const quit = await nextMessage(b2.events, (m) => m.type === TYPES.MSG_GRP_SYS_NOTICE, mark);
      expect(quit.payload).toMatchObject({ operationType: 8, operatorID: B, groupProfile: { groupID: id, name: 'Leave' } });
      await b2.events.next(EVENT.GROUP_LIST_UPDATED, (l) => !l.some((x: any) => x.groupID === id), 10_000, mark);
      expect((await b2.chat.getGroupList()).data.groupList).toEqual([]);
    } finally {
      await logoutAll(a.chat, b1.chat, b2.chat);
    }
  });

  it('bad input is refused with a clear code before anything is sent', async () => {
    const A = user('gbad');
    const a = await server.login(A);
    try {
      await expect(a.chat.createGroup({ name: '', type: TYPES.GRP_WORK })).rejects.toMatchObject({ code: 6017 });
      await expect(a.chat.createGroup({ name: 'x', type: 'Nope' })).rejects.toMatchObject({ code: 6017 });
      await expect(a.chat.setGroupMemberRole({ groupID: 'g', userID: 'u', role: TYPES.GRP_MBR_ROLE_OWNER })).rejects.toMatchObject({ code: 6017 });
      await expect(a.chat.setGroupMemberMuteTime({ groupID: 'g', userID: 'u', muteTime: -1 })).rejects.toMatchObject({ code: 6017 });
      await expect(a.chat.handleGroupApplication({ handleAction: 'Maybe' })).rejects.toMatchObject({ code: 6017 });
      await expect(a.chat.getGroupProfile({ groupID: 'no_such_group_here' })).rejects.toMatchObject({ code: 10010 });
      await expect(a.chat.joinGroup({ groupID: 'no_such_group_here' })).rejects.toMatchObject({ code: 10010 });
    } finally {
      await a.chat.logout();
    }
  });

  it('join applications: the owner gets the notice, handles it with the message, the applicant hears the outcome', async () => {
    const A = user('gpa');
    const B = user('gpb');
    const C = user('gpc');
    const a = await server.login(A);
    const b = await server.login(B);
    const c = await server.login(C);
    try {
      const { data } = await a.chat.createGroup({ type: TYPES.GRP_PUBLIC, name: 'Public', joinOption: TYPES.JOIN_OPTIONS_NEED_PERMISSION });
      const id = data.group.groupID;
      expect(data.group.joinOption).toBe(TYPES.JOIN_OPTIONS_NEED_PERMISSION);
      expect((await b.chat.searchGroupByID(id)).data.group.name).toBe('Public');

      expect((await b.chat.joinGroup({ groupID: id, applyMessage: 'let me in' })).data).toEqual({ status: TYPES.JOIN_STATUS_WAIT_APPROVAL });
      const ask = await nextMessage(a.events, (m) => m.type === TYPES.MSG_GRP_SYS_NOTICE && (m.payload as any).operationType === 1);
      expect(ask.payload).toMatchObject({ operatorID: B, handleMessage: 'let me in', groupProfile: { groupID: id } });
      const apps = await a.chat.getGroupApplicationList();
      expect(apps.data.applicationList).toEqual([expect.objectContaining({ groupID: id, applicant: B, note: 'let me in', applicationType: 0 })]);

      const handled = await a.chat.handleGroupApplication({ handleAction: 'Agree', handleMessage: 'welcome', message: ask });
      expect(handled.data.group.memberCount).toBe(2);
      const outcome = await nextMessage(b.events, (m) => m.type === TYPES.MSG_GRP_SYS_NOTICE);
      expect(outcome.payload).toMatchObject({ operationType: 2, operatorID: A, groupProfile: { groupID: id } });
      await b.events.next(EVENT.GROUP_LIST_UPDATED, (l) => l.some((x: any) => x.groupID === id));
      // Once handled no handler can take it again.
      await expect(a.chat.handleGroupApplication({ handleAction: 'Reject', message: ask })).rejects.toMatchObject({ code: 10007 });

      // A refusal, from the list entry.
      expect((await c.chat.joinGroup({ groupID: id })).data.status).toBe(TYPES.JOIN_STATUS_WAIT_APPROVAL);
      await until('the application is listed', async () => (await a.chat.getGroupApplicationList()).data.applicationList.length === 1);
      const [app] = (await a.chat.getGroupApplicationList()).data.applicationList;
      await a.chat.handleGroupApplication({ handleAction: 'Reject', application: app });
      const refused = await nextMessage(c.events, (m) => m.type === TYPES.MSG_GRP_SYS_NOTICE);
      expect(refused.payload).toMatchObject({ operationType: 3, operatorID: A });
      expect((await c.chat.getGroupList()).data.groupList).toEqual([]);

      // A free join after the option changes: already a member, joined.
      await a.chat.updateGroupProfile({ groupID: id, joinOption: TYPES.JOIN_OPTIONS_FREE_ACCESS });
      const beforeJoin = b.events.mark();
      expect((await c.chat.joinGroup({ groupID: id })).data).toMatchObject({ status: TYPES.JOIN_STATUS_SUCCESS, group: { groupID: id } });
      expect((await b.chat.joinGroup({ groupID: id })).data.status).toBe(TYPES.JOIN_STATUS_ALREADY_IN_GROUP);
      const entered = await nextMessage(b.events, (m) => m.type === TYPES.MSG_GRP_TIP && (m.payload as any).operationType === TYPES.GRP_TIP_MBR_JOIN, beforeJoin);
      expect(entered.payload).toMatchObject({ operatorID: C, userIDList: [C] });

      // Dismissed by its owner: every member hears it once (it comes logged and pushed).
      await a.chat.dismissGroup(id);
      await nextMessage(b.events, (m) => m.type === TYPES.MSG_GRP_SYS_NOTICE && (m.payload as any).operationType === 5);
      await b.events.next(EVENT.GROUP_LIST_UPDATED, (l) => !l.some((x: any) => x.groupID === id));
      await sleep(300);
      expect(noticesOf(b.events, id).filter((m) => (m.payload as any).operationType === 5)).toHaveLength(1);
      expect(noticesOf(c.events, id).filter((m) => (m.payload as any).operationType === 5)).toHaveLength(1);
    } finally {
      await logoutAll(a.chat, b.chat, c.chat);
    }
  });

  it('invite, roles, mute, name card, profile, owner change and kick, each seen by the others as a tip', async () => {
    const A = user('gca');
    const B = user('gcb');
    const C = user('gcc');
    const a = await server.login(A);
    const b = await server.login(B);
    const c = await server.login(C);
    try {
      const { data } = await a.chat.createGroup({ type: TYPES.GRP_COMMUNITY, name: 'Club', memberList: [{ userID: B }] });
      const id = data.group.groupID;

      let mark = b.events.mark();
      const cMark = c.events.mark();
      const added = await a.chat.addGroupMember({ groupID: id, userIDList: [C, B] });
      expect(added.data).toMatchObject({ successUserIDList: [C], existedUserIDList: [B], failureUserIDList: [] });
      expect(added.data.group.memberCount).toBe(3);
      const joined = await nextMessage(b.events, (m) => m.type === TYPES.MSG_GRP_TIP, mark);
      expect(joined).toMatchObject({ conversationID: 'GROUP' + id, conversationType: TYPES.CONV_GROUP, to: id, payload: { operationType: TYPES.GRP_TIP_MBR_JOIN, operatorID: A, userIDList: [C] } });
      await nextMessage(c.events, (m) => m.type === TYPES.MSG_GRP_SYS_NOTICE && (m.payload as any).operationType === 7, cMark);

      // B made an admin: C sees the tip, B the notice and its new role in the group list.
      mark = c.events.mark();
      const role = await a.chat.setGroupMemberRole({ groupID: id, userID: B, role: TYPES.GRP_MBR_ROLE_ADMIN });
      expect(role.data.member).toMatchObject({ userID: B, role: TYPES.GRP_MBR_ROLE_ADMIN });
      const adminTip = await nextMessage(c.events, (m) => m.type === TYPES.MSG_GRP_TIP && (m.payload as any).operationType === TYPES.GRP_TIP_MBR_SET_ADMIN, mark);
      expect(adminTip.payload).toMatchObject({ operationType: TYPES.GRP_TIP_MBR_SET_ADMIN, operatorID: A, userIDList: [B] });
      await nextMessage(b.events, (m) => m.type === TYPES.MSG_GRP_SYS_NOTICE && (m.payload as any).operationType === 9);
      await b.events.next(EVENT.GROUP_LIST_UPDATED, (l) => l.some((x: any) => x.groupID === id && x.selfInfo.role === TYPES.GRP_MBR_ROLE_ADMIN));

      // C muted by the admin B: C cannot speak (10017), A sees how long.
      mark = a.events.mark();
      const muted = await b.chat.setGroupMemberMuteTime({ groupID: id, userID: C, muteTime: 600 });
      expect(muted.data.member!.muteUntil).toBeGreaterThan(Date.now() / 1000 + 500);
      const muteTip = await nextMessage(a.events, (m) => m.type === TYPES.MSG_GRP_TIP, mark);
      expect(muteTip.payload).toMatchObject({ operationType: TYPES.GRP_TIP_MBR_PROFILE_UPDATED, operatorID: B, userIDList: [C] });
      expect((muteTip.payload as any).memberList[0].muteTime).toBeGreaterThan(500);
      const text = c.chat.createTextMessage({ to: id, conversationType: TYPES.CONV_GROUP, payload: { text: 'can I?' } });
      await expect(c.chat.sendMessage(text)).rejects.toMatchObject({ code: 10017 });
      await b.chat.setGroupMemberMuteTime({ groupID: id, userID: C, muteTime: 0 });
      expect((await c.chat.sendMessage(c.chat.createTextMessage({ to: id, conversationType: TYPES.CONV_GROUP, payload: { text: 'now' } }))).data.message.status).toBe('success');

      // C's own name card.
      const card = await c.chat.setGroupMemberNameCard({ groupID: id, nameCard: 'Cee' });
      expect(card.data.member).toMatchObject({ userID: C, nameCard: 'Cee' });

      // The profile: members see what changed, by Tencent's Group field names.
      mark = b.events.mark();
      const upd = await a.chat.updateGroupProfile({ groupID: id, name: 'Club 2', notification: 'rules', muteAllMembers: true });
      expect(upd.data.group).toMatchObject({ name: 'Club 2', notification: 'rules', muteAllMembers: true });
      const infoTip = await nextMessage(b.events, (m) => m.type === TYPES.MSG_GRP_TIP && (m.payload as any).newGroupProfile?.name === 'Club 2', mark);
      expect(infoTip.payload).toMatchObject({ operationType: TYPES.GRP_TIP_GRP_PROFILE_UPDATED, operatorID: A });
      await nextMessage(b.events, (m) => m.type === TYPES.MSG_GRP_TIP && (m.payload as any).newGroupProfile?.muteAllMembers === true, mark);
      await b.events.next(EVENT.GROUP_LIST_UPDATED, (l) => l.some((x: any) => x.groupID === id && x.name === 'Club 2'), 10_000, mark);

      // Kicked by the owner: the kicked hears it as a notice, the others as a tip.
      mark = b.events.mark();
      const kicked = await a.chat.deleteGroupMember({ groupID: id, userIDList: [C], reason: 'bye' });
      expect(kicked.data).toMatchObject({ userIDList: [C], group: { memberCount: 2 } });
      const kickTip = await nextMessage(b.events, (m) => m.type === TYPES.MSG_GRP_TIP && (m.payload as any).operationType === TYPES.GRP_TIP_MBR_KICKED_OUT, mark);
      expect(kickTip.payload).toMatchObject({ operatorID: A, userIDList: [C] });
      const kickNotice = await nextMessage(c.events, (m) => m.type === TYPES.MSG_GRP_SYS_NOTICE && (m.payload as any).operationType === 4);
      expect(kickNotice.payload).toMatchObject({ operatorID: A, groupProfile: { groupID: id } });
      await c.events.next(EVENT.GROUP_LIST_UPDATED, (l) => !l.some((x: any) => x.groupID === id));

      // The owner hands the group over.
      mark = b.events.mark();
      const moved = await a.chat.changeGroupOwner({ groupID: id, newOwnerID: B });
      expect(moved.data.group.ownerID).toBe(B);
      const ownerTip = await nextMessage(b.events, (m) => m.type === TYPES.MSG_GRP_TIP && (m.payload as any).newGroupProfile?.ownerID === B, mark);
      expect(ownerTip.payload).toMatchObject({ operationType: TYPES.GRP_TIP_GRP_PROFILE_UPDATED });
      const roles = await b.chat.getGroupMemberList({ groupID: id });
      expect(Object.fromEntries(roles.data.memberList.map((m) => [m.userID, m.role]))).toEqual({ [A]: TYPES.GRP_MBR_ROLE_MEMBER, [B]: TYPES.GRP_MBR_ROLE_OWNER });
      // Nobody hears a tip of their own operation.
      expect(tipsOf(a.events, id).filter((m) => (m.payload as any).operatorID === A)).toEqual([]);
      expect(tipsOf(a.events, id).length).toBeGreaterThan(0); // B's mute and unmute of C
    } finally {
      await logoutAll(a.chat, b.chat, c.chat);
    }
  });
});

describe('group messages', () => {
  it('reach every member and every instance once; unread counts, read, history and recall', async () => {
    const A = user('gma');
    const B = user('gmb');
    const C = user('gmc');
    const a = await server.login(A);
    const b1 = await server.login(B);
    const b2 = await server.login(B, { platform: 'iOS' });
    const c = await server.login(C);
    try {
      const { data } = await a.chat.createGroup({ type: TYPES.GRP_WORK, name: 'Chat', memberList: [{ userID: B }, { userID: C }] });
      const id = data.group.groupID;
      const conv = 'GROUP' + id;
      await b1.events.next(EVENT.GROUP_LIST_UPDATED, (l) => l.some((x: any) => x.groupID === id));
      await b2.events.next(EVENT.GROUP_LIST_UPDATED, (l) => l.some((x: any) => x.groupID === id));
      await c.events.next(EVENT.GROUP_LIST_UPDATED, (l) => l.some((x: any) => x.groupID === id));

      const sent: Message[] = [];
      for (let i = 1; i <= 3; i++) {
        const m = a.chat.createTextMessage({ to: id, conversationType: TYPES.CONV_GROUP, payload: { text: `g${i}` } });
        expect(m.conversationID).toBe(conv);
        const r = await a.chat.sendMessage(m);
        expect(r.data.message).toMatchObject({ status: 'success', sequence: i, conversationID: conv, to: id });
        sent.push(r.data.message);
      }
      const groupMsgs = (ev: Recorder) => received(ev, (m) => m.conversationID === conv && m.type === TYPES.MSG_TEXT);
      for (const ev of [b1.events, b2.events, c.events]) await until('three messages', () => groupMsgs(ev).length >= 3);
      await sleep(200);
      for (const ev of [b1.events, b2.events, c.events]) {
        expect(groupMsgs(ev).map((m) => [m.sequence, (m.payload as any).text, m.from, m.flow, m.conversationType])).toEqual(
          [1, 2, 3].map((i) => [i, `g${i}`, A, 'in', TYPES.CONV_GROUP]),
        );
      }
      expect(groupMsgs(a.events)).toEqual([]); // the sender's instance is not told its own sends

      // Unread counts in the conversation list, with the group's profile.
      await until('B sees 3 unread', async () => {
        const l = await b1.chat.getConversationList();
        return l.data.conversationList.find((x) => x.conversationID === conv)?.unreadCount === 3;
      });
      const { data: list } = await b1.chat.getConversationList();
      const gc = list.conversationList.find((x) => x.conversationID === conv)!;
      expect(gc).toMatchObject({ type: TYPES.CONV_GROUP, groupProfile: { groupID: id, name: 'Chat', type: TYPES.GRP_WORK }, lastMessage: { messageForShow: 'g3', fromAccount: A } });
      expect(b1.chat.getTotalUnreadMessageCount()).toBe(3);
      const own = (await a.chat.getConversationList()).data.conversationList.find((x) => x.conversationID === conv)!;
      expect(own.unreadCount).toBe(0);
      expect((await c.chat.getConversationProfile(conv)).data.conversation).toMatchObject({ conversationID: conv, unreadCount: 3, groupProfile: { groupID: id } });

      // History, oldest first, in pages.
      const h = await c.chat.getMessageList({ conversationID: conv });
      expect(h.data.messageList.map((m) => (m.payload as any).text)).toEqual(['g1', 'g2', 'g3']);
      expect(h.data.isCompleted).toBe(true);

      // Read on one instance: the other instance's count follows.
      await b1.chat.setMessageRead({ conversationID: conv });
      await until('B2 sees 0 unread', () => b2.chat.getTotalUnreadMessageCount() === 0 && b2.events.of(EVENT.TOTAL_UNREAD_MESSAGE_COUNT_UPDATED).length > 0);
      expect((await b1.chat.getConversationList()).data.conversationList.find((x) => x.conversationID === conv)!.unreadCount).toBe(0);

      // Recall: everyone else hears MESSAGE_REVOKED for the group conversation.
      await a.chat.revokeMessage(sent[1]);
      for (const ev of [b1.events, b2.events, c.events]) {
        const r = await ev.next(EVENT.MESSAGE_REVOKED);
        expect(r.data[0]).toMatchObject({ ID: sent[1].ID, conversationID: conv, isRevoked: true });
      }
      const after = await c.chat.getMessageList({ conversationID: conv });
      expect(after.data.messageList.map((m) => m.isRevoked)).toEqual([false, true, false]);
      // What the protocol has only for one-to-one conversations is refused clearly, not sent.
      await expect(a.chat.modifyMessage(sent[0])).rejects.toMatchObject({ code: 6017 });
      await expect(a.chat.deleteMessage([sent[0]])).rejects.toMatchObject({ code: 6017 });

      // B replies: A and C hear it, B's other instance too (flow out), B's sending instance not.
      const reply = await b1.chat.sendMessage(b1.chat.createTextMessage({ to: id, conversationType: TYPES.CONV_GROUP, payload: { text: 'reply' } }));
      expect(reply.data.message.sequence).toBe(4);
      const atA = await nextMessage(a.events, (m) => m.conversationID === conv && m.sequence === 4);
      expect(atA).toMatchObject({ from: B, flow: 'in' });
      const atB2 = await nextMessage(b2.events, (m) => m.conversationID === conv && m.sequence === 4);
      expect(atB2.flow).toBe('out');
      await nextMessage(c.events, (m) => m.conversationID === conv && m.sequence === 4);
      await sleep(200);
      expect(groupMsgs(b1.events).map((m) => m.sequence)).toEqual([1, 2, 3]);
      // A non-member may not speak.
      const D = user('gmd');
      const d = await server.login(D);
      await expect(d.chat.sendMessage(d.chat.createTextMessage({ to: id, conversationType: TYPES.CONV_GROUP, payload: { text: 'x' } }))).rejects.toMatchObject({ code: 10007 });
      await d.chat.logout();
    } finally {
      await logoutAll(a.chat, b1.chat, b2.chat, c.chat);
    }
  });
});

describe('joining a group with history', () => {
  it('tells only the messages after the join, while history shows the earlier ones', async () => {
    const A = user('gha');
    const C = user('ghc');
    const a = await server.login(A);
    const c = await server.login(C);
    try {
      const { data } = await a.chat.createGroup({ type: TYPES.GRP_COMMUNITY, name: 'Old talk' });
      const id = data.group.groupID;
      const conv = 'GROUP' + id;
      const send = (text: string) => a.chat.sendMessage(a.chat.createTextMessage({ to: id, conversationType: TYPES.CONV_GROUP, payload: { text } }));
      for (const t of ['old1', 'old2', 'old3']) await send(t);
      // Join times are whole seconds: the join comes in a later second than the old messages.
      await sleep(1050 - (Date.now() % 1000));
      expect((await c.chat.joinGroup({ groupID: id })).data.status).toBe(TYPES.JOIN_STATUS_SUCCESS);
      await c.events.next(EVENT.GROUP_LIST_UPDATED, (l) => l.some((x: any) => x.groupID === id));
      await send('new1');
      await nextMessage(c.events, (m) => m.conversationID === conv && m.type === TYPES.MSG_TEXT);
      await sleep(300);
      expect(received(c.events, (m) => m.conversationID === conv && m.type === TYPES.MSG_TEXT).map((m) => (m.payload as any).text)).toEqual(['new1']);
      const h = await c.chat.getMessageList({ conversationID: conv });
      expect(h.data.messageList.map((m) => (m.payload as any).text)).toEqual(['old1', 'old2', 'old3', 'new1']);
      const listed = (await c.chat.getConversationList()).data.conversationList.find((x) => x.conversationID === conv)!;
      expect(listed.unreadCount).toBe(1);
    } finally {
      await logoutAll(a.chat, c.chat);
    }
  });
});

describe('groups across a server restart', () => {
  it('a member away while the server was killed gets every group message once, in order, and the new group list', async () => {
    const A = user('gra');
    const B = user('grb');
    // B comes back well after the restart, so everything below happens while it is away.
    const slow = { reconnectMinDelay: 4000, reconnectMaxDelay: 5000 };
    const a = await server.login(A);
    const b = await server.login(B, slow);
    try {
      const { data } = await a.chat.createGroup({ type: TYPES.GRP_WORK, name: 'Restart', memberList: [{ userID: B }] });
      const id = data.group.groupID;
      const conv = 'GROUP' + id;
      await b.events.next(EVENT.GROUP_LIST_UPDATED, (l) => l.some((x: any) => x.groupID === id));
      const send = (i: number) => a.chat.sendMessage(a.chat.createTextMessage({ to: id, conversationType: TYPES.CONV_GROUP, payload: { text: `r${i}` } }));
      for (let i = 1; i <= 3; i++) await send(i);
      const seqs = () => received(b.events, (m) => m.conversationID === conv && m.type === TYPES.MSG_TEXT).map((m) => m.sequence);
      await until('live messages', () => seqs().length === 3);

      await server.kill();
      await b.events.next(EVENT.NET_STATE_CHANGE, (d) => d.state === TYPES.NET_STATE_CONNECTING);
      await server.run();
      // While B is still away: messages in the group over REST and by A, and B is added to a second group.
      for (let i = 4; i <= 6; i++) {
        const r = await server.rest('group_open_http_svc/send_group_msg', { GroupId: id, From_Account: A, Random: 5000 + i, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: `r${i}` } }] });
        expect(r.ErrorCode).toBe(0);
      }
      for (let i = 7; i <= 8; i++) await send(i);
      const second = await a.chat.createGroup({ type: TYPES.GRP_WORK, name: 'Second', memberList: [{ userID: B }] });
      expect(b.events.of(EVENT.NET_STATE_CHANGE).map((e) => e.data.state)).toEqual([TYPES.NET_STATE_CONNECTED, TYPES.NET_STATE_CONNECTING]);

      await until('every message', () => seqs().length >= 8, 20_000);
      await sleep(300);
      expect(seqs()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      const bodies = received(b.events, (m) => m.conversationID === conv && m.type === TYPES.MSG_TEXT).map((m) => (m.payload as any).text);
      expect(bodies).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((i) => `r${i}`));
      // The group added while away came back through the change log: its notice once, and the list.
      await b.events.next(EVENT.GROUP_LIST_UPDATED, (l) => l.some((x: any) => x.groupID === second.data.group.groupID));
      expect(noticesOf(b.events, second.data.group.groupID).map((m) => (m.payload as any).operationType)).toEqual([7]);
      await until('unread 8', () => b.chat.getTotalUnreadMessageCount() === 8);
      expect(b.events.of(EVENT.NET_STATE_CHANGE).map((e) => e.data.state)).toEqual([TYPES.NET_STATE_CONNECTED, TYPES.NET_STATE_CONNECTING, TYPES.NET_STATE_CONNECTED]);
    } finally {
      await logoutAll(a.chat, b.chat);
    }
  });

  it('a group push missed while away (a rename) is not replayed as a tip; the group list read after the reconnect tells it', async () => {
    const A = user('gna');
    const B = user('gnb');
    const a = await server.login(A);
    const b = await server.login(B, { reconnectMinDelay: 4000, reconnectMaxDelay: 5000 });
    try {
      const { data } = await a.chat.createGroup({ type: TYPES.GRP_WORK, name: 'Before', memberList: [{ userID: B }] });
      const id = data.group.groupID;
      await b.events.next(EVENT.GROUP_LIST_UPDATED, (l) => l.some((x: any) => x.groupID === id));
      await a.chat.sendMessage(a.chat.createTextMessage({ to: id, conversationType: TYPES.CONV_GROUP, payload: { text: 'hi' } }));
      await until('the group conversation is listed', async () => (await b.chat.getConversationList()).data.conversationList.some((c) => c.groupProfile?.name === 'Before'));
      const told = b.events.of(EVENT.GROUP_LIST_UPDATED).length;

      await server.kill();
      await b.events.next(EVENT.NET_STATE_CHANGE, (d) => d.state === TYPES.NET_STATE_CONNECTING);
      await server.run();
      await a.chat.updateGroupProfile({ groupID: id, name: 'After' });
      expect(b.events.of(EVENT.NET_STATE_CHANGE)).toHaveLength(2); // still away

      const ev = await b.events.next(EVENT.GROUP_LIST_UPDATED, (l) => l.some((x: any) => x.groupID === id && x.name === 'After'), 15_000);
      expect(ev.data.find((x: any) => x.groupID === id).name).toBe('After');
      await sleep(300);
      expect(b.events.of(EVENT.GROUP_LIST_UPDATED)).toHaveLength(told + 1);
      expect(tipsOf(b.events, id)).toEqual([]);
      const conv = (await b.chat.getConversationList()).data.conversationList.find((c) => c.conversationID === 'GROUP' + id);
      expect(conv?.groupProfile?.name).toBe('After'); // the conversation shows the group's profile read afresh
    } finally {
      await logoutAll(a.chat, b.chat);
    }
  });
});
