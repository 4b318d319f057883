// Conversion between Parley's protocol objects and Tencent's Web SDK objects.

import { TYPES, allowTypeByIndex, genderByIndex, remindTypeByRecvOpt } from './constants.js';
import type { Conversation, CustomField, Friend, FriendApplication, Group, LastMessage, Message, MessagePayload, Profile } from './types.js';

const PROFILE_CUSTOM = 'Tag_Profile_Custom_';
const FRIEND_CUSTOM = 'Tag_SNS_Custom_';

/** `C2Calice` (Tencent) ↔ `c2c_alice` (Parley). */
export function toProtocolConversationID(id: string): string {
  if (id.startsWith(TYPES.CONV_C2C)) return 'c2c_' + id.slice(TYPES.CONV_C2C.length);
  if (id.startsWith(TYPES.CONV_GROUP)) return 'group_' + id.slice(TYPES.CONV_GROUP.length);
  return id;
}
export function fromProtocolConversationID(id: string): string {
  if (id.startsWith('c2c_')) return TYPES.CONV_C2C + id.slice(4);
  if (id.startsWith('group_')) return TYPES.CONV_GROUP + id.slice(6);
  return id;
}
/** The peer of a one-to-one conversation ID in Tencent's form, or '' for another kind. */
export function peerOf(conversationID: string): string {
  return conversationID.startsWith(TYPES.CONV_C2C) ? conversationID.slice(TYPES.CONV_C2C.length) : '';
}

export function seqOfMsgKey(key: string): number {
  const n = Number(key.split('_')[0]);
  return Number.isFinite(n) ? n : 0;
}

export function toProfile(u: any): Profile {
  return {
    userID: u.userID,
    nick: u.nickName ?? '',
    gender: genderByIndex[u.gender] ?? TYPES.GENDER_UNKNOWN,
    birthday: u.birthday ?? 0,
    location: u.location ?? '',
    selfSignature: u.selfSignature ?? '',
    allowType: allowTypeByIndex[u.allowType] ?? TYPES.ALLOW_TYPE_NEED_CONFIRM,
    language: u.language ?? 0,
    avatar: u.faceURL ?? '',
    messageSettings: 0,
    adminForbidType: 'AdminForbid_Type_None',
    level: u.level ?? 0,
    role: u.role ?? 0,
    lastUpdatedNumber: 0,
    profileCustomField: Object.entries(u.customInfo ?? {}).map(([k, v]) => ({ key: PROFILE_CUSTOM + k, value: v as string })),
  };
}

export function emptyProfile(userID: string): Profile {
  return toProfile({ userID });
}

/** updateMyProfile's options → user.setSelf's data. Unknown enum values throw. */
export function toSetSelf(o: Record<string, any>): Record<string, unknown> {
  const d: Record<string, unknown> = {};
  const idx = (list: readonly string[], v: string, what: string) => {
    const i = list.indexOf(v);
    if (i < 0) throw new Error(`${what}: ${v} is not one of ${list.join(', ')}`);
    return i;
  };
  if (o.nick !== undefined) d.nickName = o.nick;
  if (o.avatar !== undefined) d.faceURL = o.avatar;
  if (o.selfSignature !== undefined) d.selfSignature = o.selfSignature;
  if (o.gender !== undefined) d.gender = idx(genderByIndex, o.gender, 'gender');
  if (o.allowType !== undefined) d.allowType = idx(allowTypeByIndex, o.allowType, 'allowType');
  for (const k of ['birthday', 'location', 'language', 'level', 'role']) if (o[k] !== undefined) d[k] = o[k];
  if (Array.isArray(o.profileCustomField)) {
    const ci: Record<string, string> = {};
    for (const f of o.profileCustomField as CustomField[]) {
      ci[String(f.key).startsWith(PROFILE_CUSTOM) ? String(f.key).slice(PROFILE_CUSTOM.length) : String(f.key)] = String(f.value);
    }
    d.customInfo = ci;
  }
  return d;
}

export function toFriend(f: any): Friend {
  return {
    userID: f.userID,
    remark: f.remark ?? '',
    groupList: f.groups ?? [],
    source: f.addSource ?? '',
    wording: f.addWording ?? '',
    addTime: f.addTime ?? 0,
    profile: f.profile ? toProfile(f.profile) : emptyProfile(f.userID),
    friendCustomField: Object.entries(f.customInfo ?? {}).map(([k, v]) => ({ key: FRIEND_CUSTOM + k, value: v as string | number })),
  };
}

export function friendCustomInfo(fields: CustomField[]): Record<string, string | number> {
  const ci: Record<string, string | number> = {};
  for (const f of fields) ci[f.key.startsWith(FRIEND_CUSTOM) ? f.key.slice(FRIEND_CUSTOM.length) : f.key] = f.value;
  return ci;
}

export function toFriendApplication(r: any, profile?: Profile): FriendApplication {
  return {
    userID: r.userID,
    avatar: profile?.avatar ?? '',
    nick: profile?.nick ?? '',
    time: r.addTime ?? 0,
    source: r.addSource ?? '',
    wording: r.addWording ?? '',
    remark: r.remark ?? '',
    groupName: r.groupName ?? '',
    type: r.type === 'send_out' ? TYPES.SNS_APPLICATION_SENT_BY_ME : TYPES.SNS_APPLICATION_SENT_TO_ME,
    isRead: !!r.read,
  };
}

// Message elements: Tencent's payload ↔ the REST/protocol MsgContent.
export function payloadOf(type: string, c: any): MessagePayload {
  c = c ?? {};
  switch (type) {
    case TYPES.MSG_TEXT:
      return { text: c.Text ?? '' };
    case TYPES.MSG_IMAGE:
      return {
        uuid: c.UUID ?? '',
        imageFormat: c.ImageFormat ?? 0,
        imageInfoArray: (c.ImageInfoArray ?? []).map((i: any) => ({
          url: i.URL ?? '',
          width: i.Width ?? 0,
          height: i.Height ?? 0,
          size: i.Size ?? 0,
          type: (i.Type ?? 1) - 1,
        })),
      };
    case TYPES.MSG_FILE:
      return { uuid: c.UUID ?? '', fileName: c.FileName ?? '', fileUrl: c.Url ?? '', fileSize: c.FileSize ?? 0 };
    case TYPES.MSG_CUSTOM:
      return { data: c.Data ?? '', description: c.Desc ?? '', extension: c.Ext ?? '' };
    default:
      return { ...c };
  }
}

export function contentOf(type: string, p: any): Record<string, unknown> {
  switch (type) {
    case TYPES.MSG_TEXT:
      return { Text: p.text };
    case TYPES.MSG_IMAGE:
      return {
        UUID: p.uuid,
        ImageFormat: p.imageFormat,
        ImageInfoArray: p.imageInfoArray.map((i: any) => ({ Type: i.type + 1, Size: i.size, Width: i.width, Height: i.height, URL: i.url })),
      };
    case TYPES.MSG_FILE:
      return { UUID: p.uuid, Url: p.fileUrl, FileName: p.fileName, FileSize: p.fileSize, Download_Flag: 2 };
    case TYPES.MSG_CUSTOM:
      return { Data: p.data, Desc: p.description, Ext: p.extension };
    default:
      return { ...p };
  }
}

export function messageForShow(type: string, p: any): string {
  switch (type) {
    case TYPES.MSG_TEXT:
      return p.text;
    case TYPES.MSG_IMAGE:
      return '[Image]';
    case TYPES.MSG_FILE:
      return '[File]';
    case TYPES.MSG_CUSTOM:
      return '[Custom Messages]';
    case TYPES.MSG_GRP_TIP:
      return '[Group Notification]';
    default:
      return '[Message]';
  }
}

/** A protocol Message as Tencent's Message, seen by `me`. */
export function toMessage(m: any, me: string): Message {
  const elem = m.body?.MsgBody?.[0] ?? { MsgType: TYPES.MSG_TEXT, MsgContent: { Text: '' } };
  const out = m.from === me;
  const peer = out ? m.to : m.from;
  return {
    ID: m.msgKey,
    type: elem.MsgType,
    payload: payloadOf(elem.MsgType, elem.MsgContent),
    conversationID: m.groupID ? TYPES.CONV_GROUP + m.groupID : TYPES.CONV_C2C + peer,
    conversationType: m.groupID ? TYPES.CONV_GROUP : TYPES.CONV_C2C,
    to: m.groupID ? m.groupID : m.to,
    from: m.from,
    flow: out ? 'out' : 'in',
    time: Math.floor((m.timeMs ?? 0) / 1000),
    status: 'success',
    isRevoked: m.status === 'recalled',
    priority: TYPES.MSG_PRIORITY_NORMAL,
    nick: '',
    avatar: '',
    isPeerRead: !!m.isPeerRead,
    nameCard: '',
    atUserList: [],
    cloudCustomData: m.body?.CloudCustomData ?? '',
    isDeleted: false,
    isModified: (m.version ?? 0) > 0 && m.status !== 'recalled',
    needReadReceipt: ((m.flags ?? 0) & 4) !== 0,
    readReceiptInfo: { readCount: m.isPeerRead ? 1 : 0, unreadCount: m.isPeerRead ? 0 : 1 },
    isBroadcastMessage: false,
    isSupportExtension: false,
    revoker: m.status === 'recalled' ? m.from : '',
    revokerInfo: { userID: m.status === 'recalled' ? m.from : '', nick: '', avatar: '' },
    revokeReason: '',
    sequence: m.seq ?? 0,
    timeMs: m.timeMs ?? 0,
    version: m.version ?? 0,
    hasRiskContent: false,
    random: m.random ?? 0,
  };
}

export function toLastMessage(m: Message): LastMessage {
  return {
    ID: m.ID,
    lastTime: m.time,
    lastSequence: m.sequence,
    fromAccount: m.from,
    type: m.type,
    payload: m.payload,
    messageForShow: m.isRevoked ? 'Message recalled' : messageForShow(m.type, m.payload),
    cloudCustomData: m.cloudCustomData,
    isRevoked: m.isRevoked,
    revoker: m.revoker,
    onlineOnlyFlag: false,
  };
}

export function toConversation(c: any, me: string, profile: Profile | null, remark: string, group: Group | null = null): Conversation {
  const last = c.lastMessage ? toLastMessage(toMessage(c.lastMessage, me)) : null;
  return {
    conversationID: fromProtocolConversationID(c.conversationID),
    type: c.type === 'group' ? TYPES.CONV_GROUP : TYPES.CONV_C2C,
    userID: c.userID ?? '',
    unreadCount: c.unreadCount ?? 0,
    lastMessage: last,
    groupProfile: group,
    userProfile: profile,
    groupAtInfoList: [],
    remark,
    isPinned: !!c.pinned,
    messageRemindType: remindTypeByRecvOpt[c.recvOpt ?? 0] ?? TYPES.MSG_REMIND_ACPT_AND_NOTE,
    markList: (c.markList ?? []).map(toTencentMark),
    customData: c.customMark ?? '',
    conversationGroupList: c.groupNames ?? [],
    draftText: c.draftText ?? '',
    lastSequence: c.lastSeq ?? 0,
    readSequence: c.readSeq ?? 0,
  };
}

// Conversation marks: Tencent's typings number fold 3 and hide 4 (TYPES.CONV_MARK_TYPE_*), the protocol's bits are
// 1 star, 2 unread, 4 fold, 8 hide; the app's own marks (1<<32 and up) are the same on both.
const markToProtocol: Record<number, number> = { 1: 1, 2: 2, 3: 4, 4: 8 };
const markFromProtocol: Record<number, number> = { 1: 1, 2: 2, 4: 3, 8: 4 };
export function toProtocolMark(m: number): number {
  return markToProtocol[m] ?? m;
}
export function toTencentMark(m: number): number {
  return markFromProtocol[m] ?? m;
}
