// Type test (tsc --noEmit, run by `npm run typecheck`): Parley's SDK
// satisfies Tencent's typings (@tencentcloud/chat 3.6.6, a dev-only
// reference) for every method it implements, and its EVENT and TYPES values
// are Tencent's.
//
// Tencent declares its constants as enums, so its Message says
// `type: TencentCloudChat.TYPES`; no other type (a string, another enum) is
// assignable to an enum. The check reads Tencent's class with every
// enum-typed field of an option object or a Message as a string
// (EnumsAsStrings), nothing else changed, and checks Parley's methods against
// a Pick of it as properties, i.e. parameters contravariantly: Parley accepts
// every option object Tencent's typings allow, and returns a Message with
// every field of Tencent's.
import type TencentCloudChat from '@tencentcloud/chat';
import type { ChatSDK as TencentChatSDK, Message as TencentMessage } from '@tencentcloud/chat';
import type Parley from '../src/index.js';
import type { ChatResponse, ChatSDK, Conversation, EVENT, Friend, FriendApplication, FriendGroup, Group, GroupApplication, GroupMember, Profile, TYPES, UserResult, UserStatus } from '../src/index.js';

type Eq<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;

// ---- Tencent's class with its enum-typed options and Message fields read as strings.
// TYPES mixes string and number members, so the enum as a whole is no string: an option typed
// `TencentCloudChat.TYPES` is read as the string value it is given.
type EnumsAsStrings<T> = { [K in keyof T]: Eq<Exclude<T[K], undefined>, TencentCloudChat.TYPES> extends true ? string | Extract<T[K], undefined> : T[K] };
type TMessage = EnumsAsStrings<TencentMessage>;
type Param<A> = A extends TencentMessage ? TMessage : A extends TencentMessage[] ? TMessage[] : A extends object ? EnumsAsStrings<A> : A;
type Result<R> = R extends TencentMessage ? TMessage : R;
type WithMessages<F> = F extends (...a: infer P) => infer R ? (...a: { [I in keyof P]: Param<P[I]> }) => Result<R> : never;
type TencentAsStrings = { [K in keyof TencentChatSDK]: WithMessages<TencentChatSDK[K]> };

// ---- every method Parley implements but logout, checked as properties (parameters contravariantly).
type Plain =
  | 'login' | 'getLoginUser' | 'getServerTime' | 'isReady' | 'destroy' | 'on' | 'off'
  | 'getMyProfile' | 'getUserProfile' | 'updateMyProfile'
  | 'getFriendList' | 'addFriend' | 'deleteFriend' | 'checkFriend' | 'getFriendProfile' | 'updateFriend'
  | 'getFriendApplicationList' | 'acceptFriendApplication' | 'refuseFriendApplication' | 'deleteFriendApplication' | 'setFriendApplicationRead'
  | 'getBlacklist' | 'addToBlacklist' | 'removeFromBlacklist'
  | 'getFriendGroupList' | 'createFriendGroup' | 'deleteFriendGroup' | 'addToFriendGroup' | 'removeFromFriendGroup' | 'renameFriendGroup'
  | 'getMessageList' | 'setMessageRead'
  | 'getConversationList' | 'getConversationProfile' | 'deleteConversation' | 'pinConversation' | 'getTotalUnreadMessageCount' | 'setConversationDraft'
  | 'clearHistoryMessage' | 'markConversation' | 'setMessageRemindType'
  | 'getConversationGroupList' | 'createConversationGroup' | 'deleteConversationGroup' | 'renameConversationGroup' | 'addConversationsToGroup' | 'deleteConversationsFromGroup';
declare const parley: ChatSDK;
export const asTencent: Pick<TencentAsStrings, Plain> = parley;

type MessageMethods = 'createTextMessage' | 'createImageMessage' | 'createFileMessage' | 'createCustomMessage' | 'sendMessage' | 'revokeMessage' | 'modifyMessage' | 'deleteMessage' | 'sendMessageReadReceipt';
// Tencent's create* take MESSAGE_OPTIONS, whose payload is `any`; Parley's payloads are typed (by URL for files).
export const withMessages: Pick<TencentAsStrings, MessageMethods> = parley;

type GroupMethods =
  | 'createGroup' | 'dismissGroup' | 'updateGroupProfile' | 'getGroupList' | 'getGroupProfile' | 'searchGroupByID' | 'joinGroup' | 'quitGroup'
  | 'getGroupMemberList' | 'getGroupMemberProfile' | 'addGroupMember' | 'deleteGroupMember' | 'setGroupMemberRole' | 'setGroupMemberMuteTime'
  | 'setGroupMemberNameCard' | 'setGroupMemberCustomField' | 'changeGroupOwner' | 'handleGroupApplication' | 'getGroupApplicationList';
export const withGroups: Pick<TencentAsStrings, GroupMethods> = parley;

type StatusMethods = 'setSelfStatus' | 'getUserStatus' | 'subscribeUserStatus' | 'unsubscribeUserStatus';
export const withStatus: Pick<TencentAsStrings, StatusMethods> = parley;

// ---- logout: Tencent's class says Promise<void>, its guide resolves `imResponse`; Parley resolves {code, data}.
export type LogoutParams = Assert<Eq<Parameters<ChatSDK['logout']>, Parameters<TencentChatSDK['logout']>>>;
export type LogoutResult = Assert<Eq<ReturnType<ChatSDK['logout']>, Promise<ChatResponse<{}>>>>;

// ---- the factory and the constants.
type TencentCreateOptions = Parameters<typeof TencentCloudChat.create>[0];
export const createAccepts = (o: TencentCreateOptions & { server: string }) => (null as unknown as typeof Parley).create(o);
type SameValues<Ours, Theirs> = { [K in keyof Ours]: K extends keyof Theirs ? Eq<Ours[K], Theirs[K] extends string | number ? `${Theirs[K]}` extends `${infer L extends number}` ? L : `${Theirs[K]}` : never> : false };
type AllTrue<T> = T[keyof T] extends true ? true : false;
export type EventsAreTencents = Assert<AllTrue<SameValues<typeof EVENT, typeof TencentCloudChat.EVENT>>>;
export type TypesAreTencents = Assert<AllTrue<SameValues<typeof TYPES, typeof TencentCloudChat.TYPES>>>;

// ---- Parley's own response types, not `any`.
export type R1 = Assert<Eq<Awaited<ReturnType<ChatSDK['getFriendList']>>, ChatResponse<Friend[]>>>;
export type R2 = Assert<Eq<Awaited<ReturnType<ChatSDK['getMyProfile']>>, ChatResponse<Profile>>>;
export type R3 = Assert<Eq<Awaited<ReturnType<ChatSDK['addFriend']>>, ChatResponse<UserResult>>>;
export type R4 = Assert<Eq<Awaited<ReturnType<ChatSDK['getFriendGroupList']>>['data'], FriendGroup[]>>;
export type R5 = Assert<Eq<Awaited<ReturnType<ChatSDK['getFriendApplicationList']>>['data']['friendApplicationList'], FriendApplication[]>>;
export type R6 = Assert<Eq<Awaited<ReturnType<ChatSDK['getConversationList']>>['data']['conversationList'], Conversation[]>>;
export type R7 = Assert<Eq<ReturnType<ChatSDK['getTotalUnreadMessageCount']>, number>>;
export type R8 = Assert<Eq<Awaited<ReturnType<ChatSDK['getGroupList']>>['data']['groupList'], Group[]>>;
export type R9 = Assert<Eq<Awaited<ReturnType<ChatSDK['getGroupMemberList']>>['data']['memberList'], GroupMember[]>>;
export type R10 = Assert<Eq<Awaited<ReturnType<ChatSDK['getGroupApplicationList']>>['data']['applicationList'], GroupApplication[]>>;
export type R11 = Assert<Eq<Conversation['groupProfile'], Group | null>>;
export type R12 = Assert<Eq<Awaited<ReturnType<ChatSDK['getUserStatus']>>['data']['successUserList'], UserStatus[]>>;
