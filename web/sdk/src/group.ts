// Groups: Tencent's Web group API (createGroup, joinGroup, getGroupMemberList,
// ...) over the protocol's group.* ops, and the group events: Parley's
// logged group changes (the user's own membership, join applications) become
// group system notices (MSG_GRP_SYS_NOTICE in @TIM#SYSTEM) and
// GROUP_LIST_UPDATED; the live group pushes to every online member become
// group tips (MSG_GRP_TIP in the group's conversation). Everything it tells
// runs on the chat instance's serial queue, so it is ordered with messages.

import { EVENT, TYPES } from './constants.js';
import { ChatError, CODE_INVALID } from './connection.js';
import {
  fromCustomFields,
  groupNotice,
  groupTip,
  NOTICE_APPLICATION_ACCEPTED,
  NOTICE_APPLICATION_REFUSED,
  NOTICE_CANCELED_ADMIN,
  NOTICE_CREATED,
  NOTICE_DISMISSED,
  NOTICE_INVITED,
  NOTICE_JOIN_APPLICATION,
  NOTICE_KICKED,
  NOTICE_QUIT,
  NOTICE_SET_ADMIN,
  roleFilter,
  toGroup,
  toGroupMember,
  toNewGroupProfile,
  toProtocolGroupType,
  toProtocolRole,
} from './group-convert.js';
import type { ChatResponse, Group, GroupApplication, GroupMember, GroupSystemNoticePayload, GroupTipPayload, Message, Profile } from './types.js';

/** What the group module needs of the chat instance. */
export interface GroupHost {
  me(): string;
  nowMs(): number;
  call(op: string, data?: unknown): Promise<any>;
  emit(name: string, data: unknown): void;
  profiles(userIDs: string[]): Promise<Map<string, Profile>>;
  conversationsChanged(): void;
  /** Messages of the conversation up to seq are not to be told (they are history). */
  seenAtLeast(conversationID: string, seq: number): void;
}

// Bounds: group profiles cached for the conversation list (it lists at most 1000 conversations), dismissals
// remembered to tell each once (it comes logged and pushed), what one call reads.
const MAX_CACHED_GROUPS = 1000;
const MAX_REMEMBERED_DISMISSALS = 1000;
const INFO_BATCH = 50;
const MEMBER_PAGE = 100;
const HISTORY_PAGE = 100;

function ok<T>(data: T): ChatResponse<T> {
  return { code: 0, data };
}

function need(cond: unknown, message: string): void {
  if (!cond) throw new ChatError(CODE_INVALID, message);
}

export interface CreateGroupOptions {
  name: string;
  type?: string;
  groupID?: string;
  introduction?: string;
  notification?: string;
  avatar?: string;
  maxMemberNum?: number;
  joinOption?: string;
  memberList?: { userID: string; role?: string; memberCustomField?: { key: string; value: unknown }[] }[];
  groupCustomField?: { key: string; value: unknown }[];
  isSupportTopic?: boolean;
}

export interface UpdateGroupProfileOptions {
  groupID: string;
  name?: string;
  avatar?: string;
  introduction?: string;
  notification?: string;
  muteAllMembers?: boolean;
  joinOption?: string;
  maxMemberNum?: number;
  groupCustomField?: { key: string; value: unknown }[];
}

/** handleGroupApplication takes the notice message of the request or an entry of getGroupApplicationList. */
export interface HandleGroupApplicationOptions {
  handleAction: string;
  handleMessage?: string;
  message?: { payload?: any };
  application?: any;
}

export class Groups {
  private profiles = new Map<string, Group>(); // by group ID, for conversations' groupProfile
  private listed: string | null = null; // the group list last told (JSON), null before the first read
  private dismissed = new Set<string>();

  constructor(private readonly host: GroupHost) {}

  /** A new session: nothing cached is known to hold. */
  reset(): void {
    this.profiles.clear();
    this.listed = null;
    this.dismissed.clear();
  }

  // ------------------------------------------------------------ reads

  private async loadList(): Promise<Group[]> {
    const d = await this.host.call('group.getJoinedList', {});
    const list: Group[] = (d.groups ?? []).map((g: any) => toGroup(g));
    for (const g of list) this.cache(g);
    return list;
  }

  private cache(g: Group): void {
    if (this.profiles.size >= MAX_CACHED_GROUPS && !this.profiles.has(g.groupID)) this.profiles.clear();
    this.profiles.set(g.groupID, g);
  }

  /** Reads groups by ID (50 per call); per group the profile or the server's code (10010 no such group, ...). */
  private async loadInfo(groupIDs: string[]): Promise<{ groupID: string; code: number; message: string; group?: Group }[]> {
    const out: { groupID: string; code: number; message: string; group?: Group }[] = [];
    for (let i = 0; i < groupIDs.length; i += INFO_BATCH) {
      const d = await this.host.call('group.getInfo', { groupIDs: groupIDs.slice(i, i + INFO_BATCH) });
      for (const r of d.results ?? []) {
        const g = r.groupInfo ? toGroup(r.groupInfo) : undefined;
        if (g) {
          const known = this.profiles.get(g.groupID);
          if (known?.selfInfo) g.selfInfo = known.selfInfo;
          this.cache(g);
        }
        out.push({ groupID: r.groupID, code: r.code ?? 0, message: r.message ?? '', group: g });
      }
    }
    return out;
  }

  private async one(groupID: string): Promise<Group> {
    need(typeof groupID === 'string' && groupID, 'groupID is required');
    const [r] = await this.loadInfo([groupID]);
    if (!r || r.code || !r.group) throw new ChatError(r?.code || 10010, r?.message || 'no such group: ' + groupID);
    return r.group;
  }

  /** The groups of these conversations are cached (for groupProfile), reading the missing ones. */
  async ensureProfiles(groupIDs: string[]): Promise<void> {
    const missing = [...new Set(groupIDs)].filter((g) => g && !this.profiles.has(g));
    if (missing.length) await this.loadInfo(missing);
  }

  profileOf(groupID: string): Group | null {
    return this.profiles.get(groupID) ?? null;
  }

  private async member(groupID: string, userID: string): Promise<GroupMember | undefined> {
    const d = await this.host.call('group.getMemberInfo', { groupID, userIDs: [userID] });
    const raw = (d.members ?? [])[0];
    if (!raw) return undefined;
    const profiles = await this.host.profiles([raw.userID]);
    return toGroupMember(raw, profiles.get(raw.userID));
  }

  private async members(raw: any[]): Promise<GroupMember[]> {
    const profiles = await this.host.profiles(raw.map((m) => m.userID));
    return raw.map((m) => toGroupMember(m, profiles.get(m.userID)));
  }

  // ------------------------------------------------------------ the API

  async createGroup(options: CreateGroupOptions): Promise<ChatResponse<{ group: Group; overLimitUserIDList: string[] }>> {
    need(options && typeof options.name === 'string' && options.name, 'createGroup: name is required');
    const groupType = toProtocolGroupType(options.type ?? TYPES.GRP_WORK);
    need(groupType, 'createGroup: type must be a TYPES.GRP_* value');
    const req: Record<string, unknown> = { groupType, groupName: options.name };
    if (options.groupID) req.groupID = options.groupID;
    if (options.introduction !== undefined) req.introduction = options.introduction;
    if (options.notification !== undefined) req.notification = options.notification;
    if (options.avatar !== undefined) req.faceURL = options.avatar;
    if (options.maxMemberNum) req.maxMemberCount = options.maxMemberNum;
    if (options.joinOption) req.joinOption = options.joinOption;
    if (options.groupCustomField?.length) req.customInfo = fromCustomFields(options.groupCustomField);
    if (options.isSupportTopic) req.isSupportTopic = true;
    if (options.memberList?.length) {
      req.memberList = options.memberList.map((m) => {
        need(m?.userID, 'createGroup: every memberList entry needs a userID');
        return m.role ? { userID: m.userID, role: toProtocolRole(m.role) } : { userID: m.userID };
      });
    }
    const d = await this.host.call('group.create', req);
    return ok({ group: await this.one(d.groupID), overLimitUserIDList: d.overLimitUserIDs ?? [] });
  }

  async dismissGroup(groupID: string): Promise<ChatResponse<{ groupID: string }>> {
    need(typeof groupID === 'string' && groupID, 'dismissGroup: groupID is required');
    await this.host.call('group.dismiss', { groupID });
    return ok({ groupID });
  }

  async updateGroupProfile(options: UpdateGroupProfileOptions): Promise<ChatResponse<{ group: Group }>> {
    need(options?.groupID, 'updateGroupProfile: groupID is required');
    const req: Record<string, unknown> = { groupID: options.groupID };
    if (options.name !== undefined) req.groupName = options.name;
    if (options.avatar !== undefined) req.faceURL = options.avatar;
    if (options.introduction !== undefined) req.introduction = options.introduction;
    if (options.notification !== undefined) req.notification = options.notification;
    if (options.joinOption !== undefined) req.joinOption = options.joinOption;
    if (options.maxMemberNum !== undefined) req.maxMemberCount = options.maxMemberNum;
    if (options.groupCustomField) req.customInfo = fromCustomFields(options.groupCustomField);
    // Mute-all is its own op on the wire; the profile fields go first.
    if (Object.keys(req).length > 1 || options.muteAllMembers === undefined) await this.host.call('group.setInfo', req);
    if (options.muteAllMembers !== undefined) await this.host.call('group.muteAll', { groupID: options.groupID, mute: !!options.muteAllMembers });
    return ok({ group: await this.one(options.groupID) });
  }

  /** The user's groups (not AVChatRooms nor topic-enabled communities), with selfInfo. */
  async getGroupList(_options?: { groupProfileFilter?: string[] }): Promise<ChatResponse<{ groupList: Group[] }>> {
    return ok({ groupList: await this.loadList() });
  }

  async getGroupProfile(options: { groupID: string; groupCustomFieldFilter?: string[] }): Promise<ChatResponse<{ group: Group }>> {
    const group = await this.one(options?.groupID);
    if (options.groupCustomFieldFilter?.length) {
      const keep = new Set(options.groupCustomFieldFilter);
      group.groupCustomField = group.groupCustomField.filter((f) => keep.has(f.key));
    }
    return ok({ group });
  }

  async searchGroupByID(groupID: string): Promise<ChatResponse<{ group: Group }>> {
    return ok({ group: await this.one(groupID) });
  }

  async joinGroup(options: { groupID: string; applyMessage?: string; type?: string }): Promise<ChatResponse<{ status: string; group?: Group }>> {
    need(options?.groupID, 'joinGroup: groupID is required');
    const d = await this.host.call('group.join', { groupID: options.groupID, message: options.applyMessage ?? '' });
    if (d.status === 'awaitingApproval') return ok({ status: TYPES.JOIN_STATUS_WAIT_APPROVAL });
    const status = d.status === 'alreadyMember' ? TYPES.JOIN_STATUS_ALREADY_IN_GROUP : TYPES.JOIN_STATUS_SUCCESS;
    return ok({ status, group: await this.one(options.groupID) });
  }

  async quitGroup(groupID: string): Promise<ChatResponse<{ groupID: string }>> {
    need(typeof groupID === 'string' && groupID, 'quitGroup: groupID is required');
    await this.host.call('group.quit', { groupID });
    return ok({ groupID });
  }

  /** A page of members: count ≤ 100 (default 15, as Tencent's), offset the previous answer's (0 first); offset 0 in the answer is the last page. */
  async getGroupMemberList(options: { groupID: string; count?: number; offset?: number | string; filter?: number; role?: string }): Promise<ChatResponse<{ memberList: GroupMember[]; offset: number }>> {
    need(options?.groupID, 'getGroupMemberList: groupID is required');
    const filter = roleFilter(options.role);
    need(filter >= 0, 'getGroupMemberList: role must be a TYPES.GRP_MBR_ROLE_* value');
    const count = Math.min(MEMBER_PAGE, Math.max(1, Math.floor(Number(options.count ?? 15)) || 15));
    const nextSeq = Math.max(0, Math.floor(Number(options.offset ?? 0)) || 0);
    const d = await this.host.call('group.getMembers', { groupID: options.groupID, filter, nextSeq, count });
    return ok({ memberList: await this.members(d.members ?? []), offset: d.nextSeq ?? 0 });
  }

  async getGroupMemberProfile(options: { groupID: string; userIDList: string[]; memberCustomFieldFilter?: string[] }): Promise<ChatResponse<{ memberList: GroupMember[] }>> {
    need(options?.groupID && Array.isArray(options.userIDList), 'getGroupMemberProfile: groupID and userIDList are required');
    // Tencent's SDK queries the first 50 and drops the rest.
    const d = await this.host.call('group.getMemberInfo', { groupID: options.groupID, userIDs: options.userIDList.slice(0, 50) });
    const memberList = await this.members(d.members ?? []);
    if (options.memberCustomFieldFilter?.length) {
      const keep = new Set(options.memberCustomFieldFilter);
      for (const m of memberList) m.memberCustomField = m.memberCustomField.filter((f) => keep.has(f.key));
    }
    return ok({ memberList });
  }

  async addGroupMember(options: { groupID: string; userIDList: string[] }) {
    need(options?.groupID && options.userIDList?.length, 'addGroupMember: groupID and userIDList are required');
    const d = await this.host.call('group.invite', { groupID: options.groupID, userIDs: options.userIDList });
    const results: any[] = d.results ?? [];
    return ok({
      successUserIDList: results.filter((r) => r.result === 1).map((r) => r.userID as string),
      failureUserIDList: results.filter((r) => r.result === 0).map((r) => r.userID as string),
      existedUserIDList: results.filter((r) => r.result === 2).map((r) => r.userID as string),
      overLimitUserIDList: [] as string[],
      group: await this.one(options.groupID),
    });
  }

  async deleteGroupMember(options: { groupID: string; userIDList: string[]; reason?: string; duration?: number }) {
    need(options?.groupID && options.userIDList?.length, 'deleteGroupMember: groupID and userIDList are required');
    await this.host.call('group.kick', { groupID: options.groupID, userIDs: options.userIDList, reason: options.reason ?? '' });
    return ok({ group: await this.one(options.groupID), userIDList: options.userIDList });
  }

  private async memberResult(groupID: string, userID: string) {
    const [group, member] = await Promise.all([this.one(groupID), this.member(groupID, userID)]);
    return ok({ group, member: member ?? null });
  }

  async setGroupMemberRole(options: { groupID: string; userID: string; role: string }) {
    const role = toProtocolRole(options?.role);
    need(options?.groupID && options.userID && (role === 200 || role === 300), 'setGroupMemberRole: groupID, userID and role (GRP_MBR_ROLE_ADMIN or GRP_MBR_ROLE_MEMBER) are required');
    await this.host.call('group.setMemberInfo', { groupID: options.groupID, userID: options.userID, role });
    return this.memberResult(options.groupID, options.userID);
  }

  /** muteTime in seconds from now; 0 unmutes. */
  async setGroupMemberMuteTime(options: { groupID: string; userID: string; muteTime: number }) {
    need(options?.groupID && options.userID && Number.isInteger(options.muteTime) && options.muteTime >= 0, 'setGroupMemberMuteTime: groupID, userID and muteTime (whole seconds ≥ 0) are required');
    await this.host.call('group.mute', { groupID: options.groupID, userID: options.userID, seconds: options.muteTime });
    return this.memberResult(options.groupID, options.userID);
  }

  async setGroupMemberNameCard(options: { groupID: string; nameCard: string; userID?: string }) {
    need(options?.groupID && typeof options.nameCard === 'string', 'setGroupMemberNameCard: groupID and nameCard are required');
    const userID = options.userID || this.host.me();
    await this.host.call('group.setMemberInfo', { groupID: options.groupID, userID, nameCard: options.nameCard });
    return this.memberResult(options.groupID, userID);
  }

  async setGroupMemberCustomField(options: { groupID: string; memberCustomField: { key: string; value: unknown }[]; userID?: string }) {
    need(options?.groupID && Array.isArray(options.memberCustomField), 'setGroupMemberCustomField: groupID and memberCustomField are required');
    const userID = options.userID || this.host.me();
    await this.host.call('group.setMemberInfo', { groupID: options.groupID, userID, customInfo: fromCustomFields(options.memberCustomField) });
    return this.memberResult(options.groupID, userID);
  }

  async changeGroupOwner(options: { groupID: string; newOwnerID: string }): Promise<ChatResponse<{ group: Group }>> {
    need(options?.groupID && options.newOwnerID, 'changeGroupOwner: groupID and newOwnerID are required');
    await this.host.call('group.transferOwner', { groupID: options.groupID, userID: options.newOwnerID });
    return ok({ group: await this.one(options.groupID) });
  }

  /** Pending join requests to the groups this user owns or administers (at most 100). */
  async getGroupApplicationList(): Promise<ChatResponse<{ applicationList: GroupApplication[] }>> {
    const d = await this.host.call('group.getApplications', {});
    const apps: any[] = d.applications ?? [];
    const profiles = await this.host.profiles(apps.map((a) => a.fromUser));
    return ok({
      applicationList: apps.map((a) => ({
        groupID: a.groupID,
        applicant: a.fromUser,
        applicantNick: profiles.get(a.fromUser)?.nick ?? '',
        applicantAvatar: profiles.get(a.fromUser)?.avatar ?? '',
        note: a.requestMsg ?? '',
        time: a.addTime ?? 0,
        applicationType: 0,
      })),
    });
  }

  async handleGroupApplication(options: HandleGroupApplicationOptions): Promise<ChatResponse<{ group: Group }>> {
    const action = options?.handleAction;
    need(action === 'Agree' || action === 'Reject', "handleGroupApplication: handleAction must be 'Agree' or 'Reject'");
    let groupID = '';
    let fromUser = '';
    const p = options.message?.payload;
    if (p && p.operationType === NOTICE_JOIN_APPLICATION) {
      groupID = p.groupProfile?.groupID ?? '';
      fromUser = p.operatorID ?? '';
    } else if (options.application) {
      groupID = options.application.groupID ?? '';
      fromUser = options.application.applicant ?? options.application.fromUser ?? '';
    }
    need(groupID && fromUser, 'handleGroupApplication: give the join request notice as message, or an entry of getGroupApplicationList as application');
    await this.host.call(action === 'Agree' ? 'group.acceptApplication' : 'group.refuseApplication', { groupID, fromUser });
    return ok({ group: await this.one(groupID) });
  }

  // ------------------------------------------------------------ events (on the serial queue)

  /**
   * This user became a member: the group's messages from before the join are history, not news, even where the type
   * shows them in history. The boundary is the member's join time against the messages' times, looked up below the
   * group's last seq as read now; a message sent after that read is above it and told as usual, so none is lost (one
   * sent within the join's second may be told although it came just before).
   */
  private async joined(groupID: string): Promise<void> {
    try {
      const [info] = await this.loadInfo([groupID]);
      const last = info?.group?.lastMessage.lastSequence ?? 0;
      if (!last) return;
      const d = await this.host.call('group.getMemberInfo', { groupID, userIDs: [this.host.me()] });
      const joinMs = ((d.members ?? [])[0]?.joinTime ?? 0) * 1000;
      const h = await this.host.call('msg.history', { groupID, seq: last, count: HISTORY_PAGE });
      const msgs: any[] = h.messages ?? []; // newest first
      const before = msgs.find((m) => (m.timeMs ?? 0) < joinMs);
      // None before the join among the newest: the boundary is below the oldest read (or nothing was visible).
      const boundary = before ? before.seq : msgs.length ? msgs[msgs.length - 1].seq - 1 : 0;
      if (boundary > 0) this.host.seenAtLeast(TYPES.CONV_GROUP + groupID, boundary);
    } catch {
      // Gone meanwhile (quit, kicked, dismissed): nothing to tell of it.
    }
  }

  /**
   * The first login: the group list now is the baseline, not news. A failure must not keep SDK_READY back: the
   * baseline stays unknown and the next read tells the list.
   */
  async prime(): Promise<void> {
    try {
      this.listed = JSON.stringify(await this.loadList());
    } catch {
      this.listed = null;
    }
  }

  /** Reads the group list and tells GROUP_LIST_UPDATED when it differs from what was told (or force). */
  private async tellList(force: boolean): Promise<void> {
    const list = await this.loadList();
    const json = JSON.stringify(list);
    if (!force && json === this.listed) return;
    this.listed = json;
    this.host.emit(EVENT.GROUP_LIST_UPDATED, list);
  }

  /** After a reconnect: group pushes are live only, so the groups are read afresh and a changed list is told. */
  async resync(): Promise<void> {
    this.profiles.clear();
    try {
      await this.tellList(false);
    } catch {
      // Told by the next resync (or change), which compares with the same list last told.
    }
    this.host.conversationsChanged();
  }

  private notice(groupID: string, operationType: number, operatorID: string, handleMessage = ''): Message {
    const known = this.profiles.get(groupID);
    const payload: GroupSystemNoticePayload = {
      groupProfile: known ? { ...known } : { groupID },
      operationType,
      operatorID,
      handleMessage,
      userDefinedField: '',
    };
    return groupNotice(this.host.me(), payload, this.host.nowMs());
  }

  private rememberDismissed(groupID: string): boolean {
    if (this.dismissed.has(groupID)) return false;
    if (this.dismissed.size >= MAX_REMEMBERED_DISMISSALS) this.dismissed.clear();
    this.dismissed.add(groupID);
    return true;
  }

  /**
   * Logged group changes of this user ({kind, userIDs: [group_<id>, operator or applicant]}), in log order: each
   * becomes its system notice (one MESSAGE_RECEIVED per entry), then the group list is read once and told.
   */
  async applyLog(events: { kind: string; userIDs?: string[] }[]): Promise<void> {
    const me = this.host.me();
    let applications: any[] | null = null;
    let listChanged = false;
    for (const e of events) {
      const [conv, other = ''] = e.userIDs ?? [];
      if (!conv?.startsWith('group_')) {
        listChanged = true; // a reset of the log (no IDs): the list is read afresh
        continue;
      }
      const groupID = conv.slice('group_'.length);
      let notice: Message | null = null;
      switch (e.kind) {
        case 'group.created':
          this.dismissed.delete(groupID);
          await this.joined(groupID);
          await this.ensureProfiles([groupID]).catch(() => {});
          notice = this.notice(groupID, NOTICE_CREATED, other || me);
          listChanged = true;
          break;
        case 'group.joined':
          this.dismissed.delete(groupID);
          await this.joined(groupID);
          await this.ensureProfiles([groupID]).catch(() => {});
          // Joining by oneself is answered by joinGroup; being added by another is Tencent's "invited" notice.
          if (other && other !== me) notice = this.notice(groupID, NOTICE_INVITED, other);
          listChanged = true;
          break;
        case 'group.quit':
          notice = this.notice(groupID, NOTICE_QUIT, me);
          listChanged = true;
          break;
        case 'group.kicked':
          notice = this.notice(groupID, NOTICE_KICKED, other);
          listChanged = true;
          break;
        case 'group.dismissed':
          if (this.rememberDismissed(groupID)) notice = this.notice(groupID, NOTICE_DISMISSED, other);
          listChanged = true;
          break;
        case 'group.application': {
          // The applicant's message is in the pending list (gone if handled meanwhile: the notice still tells).
          applications ??= ((await this.host.call('group.getApplications', {}).catch(() => ({}))).applications ?? []) as any[];
          const a = applications.find((x) => x.groupID === groupID && x.fromUser === other);
          await this.ensureProfiles([groupID]).catch(() => {});
          notice = this.notice(groupID, NOTICE_JOIN_APPLICATION, other, a?.requestMsg ?? '');
          break;
        }
        case 'group.application_accepted':
        case 'group.application_refused': {
          const accepted = e.kind === 'group.application_accepted';
          if (accepted) {
            this.dismissed.delete(groupID);
            await this.joined(groupID);
          }
          await this.ensureProfiles([groupID]).catch(() => {});
          notice = this.notice(groupID, accepted ? NOTICE_APPLICATION_ACCEPTED : NOTICE_APPLICATION_REFUSED, other);
          if (accepted) listChanged = true;
          break;
        }
      }
      if (notice) this.host.emit(EVENT.MESSAGE_RECEIVED, [notice]);
    }
    if (listChanged) {
      await this.tellList(true);
      this.host.conversationsChanged(); // the group conversation comes or goes
    }
  }

  /** A live group push (seq 0) to the online members: a group tip in the group's conversation, and what it changes. */
  async applyPush(kind: string, d: any): Promise<void> {
    const groupID: string = d?.groupID;
    if (!groupID) return;
    const me = this.host.me();
    const users: string[] = d.userIDs ?? [];
    const tip = (operationType: number, operatorID: string, userIDList: string[], extra: Partial<GroupTipPayload> = {}) => {
      const payload: GroupTipPayload = { operationType, operatorID, userIDList, newGroupProfile: null, memberList: [], ...extra };
      this.host.emit(EVENT.MESSAGE_RECEIVED, [groupTip(me, groupID, payload, this.host.nowMs())]);
    };
    switch (kind) {
      case 'group.member_entered':
        tip(TYPES.GRP_TIP_MBR_JOIN, d.operator || users[0] || '', users);
        break;
      case 'group.member_invited':
        tip(TYPES.GRP_TIP_MBR_JOIN, d.operator ?? '', users);
        break;
      case 'group.member_left':
        for (const m of d.members ?? []) tip(TYPES.GRP_TIP_MBR_QUIT, m.userID, [m.userID]);
        break;
      case 'group.member_kicked':
        tip(TYPES.GRP_TIP_MBR_KICKED_OUT, d.operator ?? '', users);
        break;
      case 'group.member_changed': {
        const nowS = this.host.nowMs() / 1000;
        const memberList = (d.members ?? []).map((m: any) => ({ userID: m.userID, muteTime: Math.max(0, Math.round((m.muteUntil ?? 0) - nowS)), nameCard: m.nameCard ?? '' }));
        tip(TYPES.GRP_TIP_MBR_PROFILE_UPDATED, d.operator ?? '', memberList.map((m: any) => m.userID), { memberList });
        break;
      }
      case 'group.info_changed': {
        tip(TYPES.GRP_TIP_GRP_PROFILE_UPDATED, d.operator ?? '', [], { newGroupProfile: toNewGroupProfile(d) });
        this.profiles.delete(groupID);
        await this.tellList(false);
        this.host.conversationsChanged(); // conversations show the group's profile
        break;
      }
      case 'group.admin_granted':
      case 'group.admin_revoked': {
        const granted = kind === 'group.admin_granted';
        tip(granted ? TYPES.GRP_TIP_MBR_SET_ADMIN : TYPES.GRP_TIP_MBR_CANCELED_ADMIN, d.operator ?? '', users);
        if (users.includes(me)) {
          this.host.emit(EVENT.MESSAGE_RECEIVED, [this.notice(groupID, granted ? NOTICE_SET_ADMIN : NOTICE_CANCELED_ADMIN, d.operator ?? '')]);
          await this.tellList(false); // selfInfo.role changed
        }
        break;
      }
      case 'group.dismissed':
        if (this.rememberDismissed(groupID)) this.host.emit(EVENT.MESSAGE_RECEIVED, [this.notice(groupID, NOTICE_DISMISSED, d.operator ?? '')]);
        break;
    }
  }
}
