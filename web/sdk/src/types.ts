// Parley's own types for what the SDK hands back. Field names are those of
// Tencent's Web SDK objects (Message, Conversation, Profile, Friend, ...);
// the type test checks they cover Tencent's declarations.

/** What every promise of the SDK resolves to. */
export interface ChatResponse<T> {
  code: 0;
  data: T;
}

/** A failed call: the Tencent (or protocol) error code and its text. */
export interface ChatErrorShape {
  code: number;
  message: string;
  data?: unknown;
}

export interface CreateOptions {
  SDKAppID: number;
  /**
   * Parley: the server to connect to, `http(s)://host:port` or `ws(s)://host:port`.
   * In a browser it defaults to the page's own origin.
   */
  server?: string;
  /** Parley: the platform announced at login (default `Web`). */
  platform?: 'Web' | 'Android' | 'iOS' | 'iPad' | 'Windows' | 'Mac';
  /** Parley: the first and the largest delay between reconnect attempts, in ms (500 and 30000). */
  reconnectMinDelay?: number;
  reconnectMaxDelay?: number;
  /** Parley: how long a request may wait for its answer, in ms (15000). */
  requestTimeout?: number;
  /** Parley: a WebSocket constructor, where the runtime has no global one. */
  WebSocket?: WebSocketConstructor;
  // Accepted for compatibility with Tencent's options; unused by Parley.
  proxyServer?: string | String;
  fileUploadProxy?: string | String;
  fileDownloadProxy?: string | String;
  scene?: string | String;
}

export interface WebSocketLike {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface CustomField {
  key: string;
  value: string | number;
}

export interface Profile {
  userID: string;
  nick: string;
  gender: string;
  birthday: number;
  location: string;
  selfSignature: string;
  allowType: string;
  language: number;
  avatar: string;
  messageSettings: number;
  adminForbidType: string;
  level: number;
  role: number;
  lastUpdatedNumber: number;
  profileCustomField: CustomField[];
}

export interface Friend {
  userID: string;
  remark: string;
  groupList: string[];
  source: string;
  wording: string;
  /** Unix seconds. */
  addTime: number;
  profile: Profile;
  friendCustomField: CustomField[];
}

export interface FriendApplication {
  userID: string;
  avatar: string;
  nick: string;
  /** Unix seconds. */
  time: number;
  source: string;
  wording: string;
  remark: string;
  groupName: string;
  /** TYPES.SNS_APPLICATION_SENT_TO_ME or TYPES.SNS_APPLICATION_SENT_BY_ME. */
  type: string;
  isRead: boolean;
}

export interface FriendGroup {
  name: string;
  userIDList: string[];
  count: number;
}

export interface UserResult {
  userID: string;
  code: number;
  message: string;
}

export interface ImageInfo {
  url: string;
  width: number;
  height: number;
  size: number;
  /** 0 original, 1 large, 2 thumbnail. */
  type: number;
}

export interface TextPayload {
  text: string;
}
export interface ImagePayload {
  uuid: string;
  imageFormat: number;
  imageInfoArray: ImageInfo[];
}
export interface FilePayload {
  uuid: string;
  fileName: string;
  fileUrl: string;
  fileSize: number;
}
export interface CustomPayload {
  data: string;
  description: string;
  extension: string;
}
export type MessagePayload = TextPayload | ImagePayload | FilePayload | CustomPayload | Record<string, unknown>;

export interface UserInfo {
  userID: string;
  nick: string;
  avatar: string;
}

export interface Message {
  /** Before sending, a local ID; once the server has the message, its msgKey (`<seq>_<random>_<time>`). */
  ID: string;
  type: string;
  payload: MessagePayload;
  conversationID: string;
  conversationType: string;
  to: string;
  from: string;
  /** in or out. */
  flow: string;
  /** Unix seconds. */
  time: number;
  /** unSend, success, fail. */
  status: string;
  isRevoked: boolean;
  priority: string;
  nick: string;
  avatar: string;
  isPeerRead: boolean;
  nameCard: string;
  atUserList: string[];
  cloudCustomData: string;
  isDeleted: boolean;
  isModified: boolean;
  needReadReceipt: boolean;
  readReceiptInfo: { readCount: number; unreadCount: number };
  isBroadcastMessage: boolean;
  isSupportExtension: boolean;
  revoker: string;
  revokerInfo: UserInfo;
  revokeReason: string;
  /** The conversation's seq, shared by both users. */
  sequence: number;
  hasRiskContent: boolean;
  // Parley's own fields, optional so that a message object made elsewhere in Tencent's shape is accepted too.
  /** Unix ms. */
  timeMs?: number;
  /** The modification version, what modifyMessage sends back (0 when absent). */
  version?: number;
  /** The random the message was sent with. */
  random?: number;
}

export interface LastMessage {
  ID: string;
  lastTime: number;
  lastSequence: number;
  fromAccount: string;
  type: string;
  payload: MessagePayload;
  messageForShow: string;
  cloudCustomData: string;
  isRevoked: boolean;
  revoker: string;
  onlineOnlyFlag: boolean;
}

export interface Conversation {
  conversationID: string;
  type: string;
  /** Parley: the peer of a one-to-one conversation. */
  userID: string;
  unreadCount: number;
  lastMessage: LastMessage | null;
  /** The group of a group conversation (GROUP<groupID>), null for a one-to-one one. */
  groupProfile: Group | null;
  userProfile: Profile | null;
  groupAtInfoList: unknown[];
  remark: string;
  isPinned: boolean;
  messageRemindType: string;
  markList: number[];
  customData: string;
  conversationGroupList: string[];
  draftText: string;
  /** Parley: the conversation's last seq and this user's read seq. */
  lastSequence: number;
  readSequence: number;
}

export interface NetStateEvent {
  state: string;
}
export interface KickedOutEvent {
  /** TYPES.KICKED_OUT_*. */
  type: string;
}

/** The argument of every listener: `{name, data}` as in Tencent's SDK. */
export interface ChatEvent<T = unknown> {
  name: string;
  data: T;
}

/** This user's membership in a group (Group.selfInfo). */
export interface GroupSelfInfo {
  role: string;
  messageRemindType: string;
  /** Unix seconds. */
  joinTime: number;
  nameCard: string;
}

/** Tencent's Group. Parley has both spellings of the counts: the typings' memberCount and the guide's memberNum. */
export interface Group {
  groupID: string;
  name: string;
  avatar: string;
  /** TYPES.GRP_*. */
  type: string;
  introduction: string;
  notification: string;
  ownerID: string;
  /** Unix seconds. */
  createTime: number;
  infoSequence: number;
  lastInfoTime: number;
  /** In getGroupList answers (null where the membership was not read). */
  selfInfo: GroupSelfInfo | null;
  lastMessage: { lastTime: number; lastSequence: number; fromAccount: string; messageForShow: string };
  nextMessageSeq: number;
  memberCount: number;
  memberNum: number;
  maxMemberCount: number;
  maxMemberNum: number;
  muteAllMembers: boolean;
  /** TYPES.JOIN_OPTIONS_*. */
  joinOption: string;
  groupCustomField: CustomField[];
  isSupportTopic: boolean;
}

export interface GroupMember {
  userID: string;
  nick: string;
  avatar: string;
  /** TYPES.GRP_MBR_ROLE_*. */
  role: string;
  /** Unix seconds. */
  joinTime: number;
  nameCard: string;
  /** Unix seconds; 0 or past: not muted. */
  muteUntil: number;
  memberCustomField: CustomField[];
}

/** A pending join request (getGroupApplicationList), what handleGroupApplication takes as `application`. */
export interface GroupApplication {
  groupID: string;
  applicant: string;
  applicantNick: string;
  applicantAvatar: string;
  /** The applicant's message. */
  note: string;
  /** Unix seconds. */
  time: number;
  /** 0: a request to join (Parley has no invitations that wait for the invitee). */
  applicationType: number;
}

/** The payload of a MSG_GRP_TIP message. */
export interface GroupTipPayload {
  /** TYPES.GRP_TIP_*. */
  operationType: number;
  operatorID: string;
  userIDList: string[];
  /** GRP_TIP_GRP_PROFILE_UPDATED: the changed fields of the Group, by its field names. */
  newGroupProfile: Record<string, unknown> | null;
  /** GRP_TIP_MBR_PROFILE_UPDATED: the members changed; muteTime is the seconds left muted (0: unmuted). */
  memberList: { userID: string; muteTime: number; nameCard?: string }[];
}

/** The payload of a MSG_GRP_SYS_NOTICE message (conversation @TIM#SYSTEM). */
export interface GroupSystemNoticePayload {
  /** The group as known when the notice was made (after a dismissal or a kick: its ID and what was cached). */
  groupProfile: Partial<Group> & { groupID: string };
  /** 1 join request, 2 accepted, 3 refused, 4 kicked, 5 dismissed, 6 created, 7 invited, 8 quit, 9 made admin, 10 admin revoked. */
  operationType: number;
  operatorID: string;
  /** The applicant's message (1), or the handler's (2, 3) where Parley has it. */
  handleMessage: string;
  userDefinedField: string;
}

/** A user's status (Tencent's getUserStatus / USER_STATUS_UPDATED items); statusType is a TYPES.USER_STATUS_* value. */
export interface UserStatus {
  userID: string;
  statusType: number;
  customStatus: string;
}

/** A user a status call did not serve. */
export interface UserStatusFailure {
  userID: string;
  code: number;
  message: string;
}
