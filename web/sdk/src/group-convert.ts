// Conversion between Parley's group objects (GroupInfo, GroupMember, group
// pushes) and Tencent's Web SDK objects (Group, GroupMember, group tips and
// group system notices).

import { TYPES } from './constants.js';
import type { CustomField, Group, GroupMember, GroupSystemNoticePayload, GroupTipPayload, Message, Profile } from './types.js';

/** Tencent's group types (GRP_WORK is 'Private', GRP_MEETING 'ChatRoom') ↔ the protocol's V2TIM names. */
const typeToProtocol: Record<string, string> = {
  [TYPES.GRP_WORK]: 'Work',
  [TYPES.GRP_PUBLIC]: 'Public',
  [TYPES.GRP_MEETING]: 'Meeting',
  [TYPES.GRP_AVCHATROOM]: 'AVChatRoom',
  [TYPES.GRP_COMMUNITY]: 'Community',
};
const typeFromProtocol: Record<string, string> = {
  Work: TYPES.GRP_WORK,
  Private: TYPES.GRP_WORK,
  Public: TYPES.GRP_PUBLIC,
  Meeting: TYPES.GRP_MEETING,
  ChatRoom: TYPES.GRP_MEETING,
  AVChatRoom: TYPES.GRP_AVCHATROOM,
  Community: TYPES.GRP_COMMUNITY,
};

/** The protocol's group type of a TYPES.GRP_* value, or '' for an unknown one. */
export function toProtocolGroupType(t: string): string {
  return typeToProtocol[t] ?? '';
}
export function toTencentGroupType(t: string): string {
  return typeFromProtocol[t] ?? t;
}

/** Roles: 400 owner, 300 admin, 200 member (V2TIM) ↔ TYPES.GRP_MBR_ROLE_*. */
export function toTencentRole(r: number): string {
  return r === 400 ? TYPES.GRP_MBR_ROLE_OWNER : r === 300 ? TYPES.GRP_MBR_ROLE_ADMIN : TYPES.GRP_MBR_ROLE_MEMBER;
}
/** The protocol's role of a TYPES.GRP_MBR_ROLE_* value, 0 for another one. */
export function toProtocolRole(r: string): number {
  return r === TYPES.GRP_MBR_ROLE_OWNER ? 400 : r === TYPES.GRP_MBR_ROLE_ADMIN ? 300 : r === TYPES.GRP_MBR_ROLE_MEMBER ? 200 : 0;
}
/** getGroupMemberList's role option → group.getMembers' filter (1 owner, 2 admins, 4 common members; 0 all). */
export function roleFilter(r: string | undefined): number {
  if (!r) return 0;
  return r === TYPES.GRP_MBR_ROLE_OWNER ? 1 : r === TYPES.GRP_MBR_ROLE_ADMIN ? 2 : r === TYPES.GRP_MBR_ROLE_MEMBER ? 4 : -1;
}

// Group and member custom fields are `[{key, value}]` in Tencent's API and `{key: value}` on the wire, keys as they are.
export function toCustomFields(ci: Record<string, string> | undefined): CustomField[] {
  return Object.entries(ci ?? {}).map(([key, value]) => ({ key, value }));
}
export function fromCustomFields(fields: { key: string; value: unknown }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields ?? []) out[String(f.key)] = String(f.value ?? '');
  return out;
}

/** A protocol GroupInfo as Tencent's Group; membership fields (role, nameCard, joinTime) fill selfInfo when present. */
export function toGroup(g: any, self?: { role?: number; nameCard?: string; joinTime?: number } | null): Group {
  const s = self ?? (g.role ? g : null);
  return {
    groupID: g.groupID,
    name: g.groupName ?? '',
    avatar: g.faceURL ?? '',
    type: toTencentGroupType(g.groupType ?? 'Work'),
    introduction: g.introduction ?? '',
    notification: g.notification ?? '',
    ownerID: g.owner ?? '',
    createTime: g.createTime ?? 0,
    infoSequence: g.infoTime ?? 0,
    lastInfoTime: g.infoTime ?? 0,
    selfInfo: s ? { role: toTencentRole(s.role ?? 200), messageRemindType: TYPES.MSG_REMIND_ACPT_AND_NOTE, joinTime: s.joinTime ?? 0, nameCard: s.nameCard ?? '' } : null,
    lastMessage: { lastTime: Math.floor((g.lastMessageTimeMs ?? 0) / 1000), lastSequence: g.lastSeq ?? 0, fromAccount: '', messageForShow: '' },
    nextMessageSeq: (g.lastSeq ?? 0) + 1,
    memberCount: g.memberCount ?? 0,
    memberNum: g.memberCount ?? 0,
    maxMemberCount: g.maxMemberCount ?? 0,
    maxMemberNum: g.maxMemberCount ?? 0,
    muteAllMembers: !!g.allMuted,
    joinOption: g.joinOption ?? '',
    groupCustomField: toCustomFields(g.customInfo),
    isSupportTopic: !!g.isSupportTopic,
  };
}

/** A protocol GroupMember as Tencent's GroupMember, with the user's nick and avatar when known. */
export function toGroupMember(m: any, profile: Profile | undefined): GroupMember {
  return {
    userID: m.userID,
    nick: profile?.nick ?? '',
    avatar: profile?.avatar ?? '',
    role: toTencentRole(m.role ?? 200),
    joinTime: m.joinTime ?? 0,
    nameCard: m.nameCard ?? '',
    muteUntil: m.muteUntil ?? 0,
    memberCustomField: toCustomFields(m.customInfo),
  };
}

/** group.info_changed's fields → the changed fields of Tencent's Group (a tip's newGroupProfile). */
export function toNewGroupProfile(d: any): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (d.name !== undefined) out.name = d.name;
  if (d.introduction !== undefined) out.introduction = d.introduction;
  if (d.notification !== undefined) out.notification = d.notification;
  if (d.faceURL !== undefined) out.avatar = d.faceURL;
  if (d.joinOption !== undefined) out.joinOption = d.joinOption;
  if (d.maxMemberCount !== undefined) out.maxMemberNum = d.maxMemberCount;
  if (d.muteAll !== undefined) out.muteAllMembers = !!d.muteAll;
  if (d.owner !== undefined) out.ownerID = d.owner;
  if (d.custom !== undefined) out.groupCustomField = toCustomFields(d.custom);
  return out;
}

// Group system notices: Tencent's operationType values (GroupSystemNoticePayload).
export const NOTICE_JOIN_APPLICATION = 1; // to the owner and admins
export const NOTICE_APPLICATION_ACCEPTED = 2; // to the applicant
export const NOTICE_APPLICATION_REFUSED = 3; // to the applicant
export const NOTICE_KICKED = 4; // to the kicked member
export const NOTICE_DISMISSED = 5; // to every member
export const NOTICE_CREATED = 6; // to the creator
export const NOTICE_INVITED = 7; // to the member added by another
export const NOTICE_QUIT = 8; // to the member who quit (their other instances)
export const NOTICE_SET_ADMIN = 9; // to the member made an admin
export const NOTICE_CANCELED_ADMIN = 10; // to the admin made a common member

let localTip = 0;

function baseMessage(me: string, id: string, type: string, conversationID: string, conversationType: string, to: string, from: string, nowMs: number): Message {
  return {
    ID: id,
    type,
    payload: {},
    conversationID,
    conversationType,
    to,
    from,
    flow: from === me ? 'out' : 'in',
    time: Math.floor(nowMs / 1000),
    status: 'success',
    isRevoked: false,
    priority: TYPES.MSG_PRIORITY_NORMAL,
    nick: '',
    avatar: '',
    isPeerRead: false,
    nameCard: '',
    atUserList: [],
    cloudCustomData: '',
    isDeleted: false,
    isModified: false,
    needReadReceipt: false,
    readReceiptInfo: { readCount: 0, unreadCount: 0 },
    isBroadcastMessage: false,
    isSupportExtension: false,
    revoker: '',
    revokerInfo: { userID: '', nick: '', avatar: '' },
    revokeReason: '',
    sequence: 0,
    timeMs: nowMs,
    version: 0,
    hasRiskContent: false,
    random: 0,
  };
}

/**
 * A group tip (MSG_GRP_TIP) in the group's conversation. Parley's group pushes are live only (seq 0, not stored), so
 * a tip has sequence 0 and a local ID.
 */
export function groupTip(me: string, groupID: string, payload: GroupTipPayload, nowMs: number): Message {
  const m = baseMessage(me, `tip-${groupID}-${nowMs}-${localTip++}`, TYPES.MSG_GRP_TIP, TYPES.CONV_GROUP + groupID, TYPES.CONV_GROUP, groupID, payload.operatorID || TYPES.CONV_SYSTEM, nowMs);
  m.payload = payload as unknown as Record<string, unknown>;
  return m;
}

/** A group system notice (MSG_GRP_SYS_NOTICE) in the system conversation (@TIM#SYSTEM), to this user. */
export function groupNotice(me: string, payload: GroupSystemNoticePayload, nowMs: number): Message {
  const m = baseMessage(me, `notice-${payload.groupProfile.groupID}-${nowMs}-${localTip++}`, TYPES.MSG_GRP_SYS_NOTICE, TYPES.CONV_SYSTEM, TYPES.CONV_SYSTEM, me, TYPES.CONV_SYSTEM, nowMs);
  m.payload = payload as unknown as Record<string, unknown>;
  return m;
}

/** What a msg.* request names: a one-to-one conversation's peer, or a group (Tencent's conversation ID). */
export function targetOf(conversationID: string): { userID: string } | { groupID: string } | null {
  if (conversationID.startsWith(TYPES.CONV_C2C) && conversationID.length > TYPES.CONV_C2C.length) return { userID: conversationID.slice(TYPES.CONV_C2C.length) };
  if (conversationID.startsWith(TYPES.CONV_GROUP) && conversationID.length > TYPES.CONV_GROUP.length) return { groupID: conversationID.slice(TYPES.CONV_GROUP.length) };
  return null;
}
