// User status: Tencent's Web API (setSelfStatus, getUserStatus,
// subscribeUserStatus, unsubscribeUserStatus) over the protocol's user.*Status
// ops, and USER_STATUS_UPDATED from the user.status_changed push. A user's
// status is per user, not per device. The server's subscriptions belong to
// the connection that made them, so this instance keeps its list (bounded as
// the server's: 200, the oldest dropped) and makes it again after a
// reconnect.

import { EVENT, TYPES } from './constants.js';
import { ChatError, CODE_INVALID } from './connection.js';
import type { ChatResponse, UserStatus, UserStatusFailure } from './types.js';

/** What the status module needs of the chat instance. */
export interface StatusHost {
  call(op: string, data?: unknown): Promise<any>;
  emit(name: string, data: unknown): void;
}

// The server's bounds.
const MAX_QUERY = 500;
const MAX_PER_CALL = 100;
const MAX_SUBSCRIPTIONS = 200;

// The protocol's statusType (V2TIM's: 0 unlogined, 1 online, 2 offline) as Tencent's Web TYPES.
const statusTypeByProtocol: Record<number, number> = {
  0: TYPES.USER_STATUS_UNLOGINED,
  1: TYPES.USER_STATUS_ONLINE,
  2: TYPES.USER_STATUS_OFFLINE,
};

export function toUserStatus(d: any): UserStatus {
  return {
    userID: String(d?.userID ?? ''),
    statusType: statusTypeByProtocol[d?.statusType] ?? TYPES.USER_STATUS_UNKNOWN,
    customStatus: String(d?.customStatus ?? ''),
  };
}

function toFailures(list: any): UserStatusFailure[] {
  return (list ?? []).map((f: any) => ({ userID: String(f.userID), code: Number(f.code), message: String(f.message ?? '') }));
}

function ok<T>(data: T): ChatResponse<T> {
  return { code: 0, data };
}

function checkList(userIDList: unknown, max: number, emptyOK: boolean): string[] {
  if (userIDList === undefined && emptyOK) return [];
  if (!Array.isArray(userIDList) || userIDList.some((u) => typeof u !== 'string')) {
    throw new ChatError(CODE_INVALID, 'userIDList: an array of userIDs is required');
  }
  if ((!emptyOK && userIDList.length === 0) || userIDList.length > max) {
    throw new ChatError(CODE_INVALID, `userIDList: ${emptyOK ? 0 : 1} to ${max} userIDs`);
  }
  return userIDList;
}

export class Statuses {
  private subscribed: string[] = []; // oldest first

  constructor(private readonly host: StatusHost) {}

  /** A new login: no subscriptions. */
  reset(): void {
    this.subscribed = [];
  }

  async setSelfStatus(options: { customStatus: string }): Promise<ChatResponse<UserStatus>> {
    const customStatus = options?.customStatus ?? '';
    if (typeof customStatus !== 'string') throw new ChatError(CODE_INVALID, 'setSelfStatus: customStatus must be a string');
    return ok(toUserStatus(await this.host.call('user.setSelfStatus', { customStatus })));
  }

  async getUserStatus(options: { userIDList: string[] }): Promise<ChatResponse<{ successUserList: UserStatus[]; failureUserList: UserStatusFailure[] }>> {
    const userIDs = checkList(options?.userIDList, MAX_QUERY, false);
    const d = await this.host.call('user.getStatus', { userIDs });
    return ok({ successUserList: (d.statuses ?? []).map(toUserStatus), failureUserList: toFailures(d.failures) });
  }

  async subscribeUserStatus(options: { userIDList: string[] }): Promise<ChatResponse<{ failureUserList: UserStatusFailure[] }>> {
    const userIDs = checkList(options?.userIDList, MAX_PER_CALL, false);
    const d = await this.host.call('user.subscribeStatus', { userIDs });
    const failureUserList = toFailures(d.failures);
    const failed = new Set(failureUserList.map((f) => f.userID));
    for (const u of userIDs) {
      if (failed.has(u)) continue;
      this.subscribed = this.subscribed.filter((x) => x !== u);
      this.subscribed.push(u);
    }
    if (this.subscribed.length > MAX_SUBSCRIPTIONS) this.subscribed = this.subscribed.slice(-MAX_SUBSCRIPTIONS);
    return ok({ failureUserList });
  }

  /** userIDList undefined or empty: every subscription ends. */
  async unsubscribeUserStatus(options?: { userIDList?: string[] }): Promise<ChatResponse<{ failureUserList: UserStatusFailure[] }>> {
    const userIDs = checkList(options?.userIDList, MAX_PER_CALL, true);
    await this.host.call('user.unsubscribeStatus', { userIDs });
    if (userIDs.length === 0) this.subscribed = [];
    else this.subscribed = this.subscribed.filter((u) => !userIDs.includes(u));
    return ok({ failureUserList: [] });
  }

  /** After a reconnect: the new connection subscribes again (the server's ended with the old one). */
  async resubscribe(): Promise<void> {
    const list = [...this.subscribed];
    for (let i = 0; i < list.length; i += MAX_PER_CALL) {
      try {
        await this.host.call('user.subscribeStatus', { userIDs: list.slice(i, i + MAX_PER_CALL) });
      } catch (e) {
        console.warn('parley chat: subscribing to user status again after a reconnect failed', e);
        return;
      }
    }
  }

  /** The user.status_changed push: USER_STATUS_UPDATED with the one user's status. */
  applyPush(d: any): void {
    if (!d?.userID) return;
    this.host.emit(EVENT.USER_STATUS_UPDATED, [toUserStatus(d)]);
  }
}
