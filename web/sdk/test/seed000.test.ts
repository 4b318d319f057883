// Every code sample of seed 000 (Tencent's Web SDK guide, Friend Management),
// run against Parley with only the import and the server address changed.
// The samples report through console.warn and their own branches; each test
// captures the promise the sample made and what it warned, and checks the
// outcome on the server. (The guide prints `wording: 'I'm user0'` with a
// typographic quote lost; it is written "I'm user0" here.)
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import TencentCloudChat, { type ChatSDK } from '../src/index.js';
import { Server } from './helpers.js';

let server: Server;
let chat: ChatSDK;
let user1: ChatSDK;

beforeAll(async () => {
  server = await Server.start();
  // The guide's users: user0 is logged in, user1 and user2 exist.
  ({ chat } = await server.login('user0'));
  ({ chat: user1 } = await server.login('user1'));
  await server.rest('im_open_login_svc/account_import', { UserID: 'user2' });
});
afterAll(async () => {
  await chat?.logout();
  await user1?.logout();
  await server?.stop();
});

function capture(method: keyof ChatSDK) {
  const spy = vi.spyOn(chat, method as any);
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  return {
    async settle() {
      expect(spy).toHaveBeenCalledTimes(1);
      const result = await (spy.mock.results[0].value as Promise<any>).catch((e) => e);
      await new Promise((r) => setTimeout(r, 0)); // the sample's then/catch ran
      const warned = warn.mock.calls.slice();
      spy.mockRestore();
      warn.mockRestore();
      return { result, warned };
    },
  };
}

describe('seed 000: Friend Management', () => {
  it('Adding a friend', async () => {
    const c = capture('addFriend');
    let branch = '';
    // Add a friend
    let promise = chat.addFriend({
      to: 'user1',
      source: 'AddSource_Type_Web',
      remark: 'Jane',
      groupName: 'Friend',
      wording: "I'm user0",
      type: TencentCloudChat.TYPES.SNS_ADD_TYPE_BOTH,
    });
    promise.then(function(imResponse) {
      // Sent the friend request successfully
      const { code } = imResponse.data;
      if (code === 30539) {
        // 30539 indicates that user1 has set the friend request processing method
        // to manually accept friend requests received.
        // The SDK will trigger the TencentCloudChat.EVENT.FRIEND_APPLICATION_LIST_UPDATED event.
        branch = 'pending';
      } else if (code === 0) {
        // 0 indicates that user1 has set the friend request processing method
        // to automatically accept all friend requests received.
        // The SDK will trigger the TencentCloudChat.EVENT.FRIEND_LIST_UPDATED event.
        branch = 'added';
      }
    }).catch(function(imError) {
      console.warn('addFriend error:', imError); // Failed to add the friend
    });
    const { result, warned } = await c.settle();
    expect(warned).toEqual([]);
    // Parley's default AllowType is "need confirm", as Tencent's.
    expect(branch).toBe('pending');
    expect(result).toEqual({ code: 0, data: { userID: 'user1', code: 30539, message: expect.any(String) } });
    const apps = await user1.getFriendApplicationList();
    expect(apps.data.friendApplicationList).toMatchObject([
      { userID: 'user0', type: TencentCloudChat.TYPES.SNS_APPLICATION_SENT_TO_ME, wording: "I'm user0", source: 'AddSource_Type_Web' },
    ]);
    await user1.acceptFriendApplication({ userID: 'user0', type: TencentCloudChat.TYPES.SNS_APPLICATION_AGREE_AND_ADD });
  });

  it('Getting contacts', async () => {
    const c = capture('getFriendList');
    let seen: any;
    let promise = chat.getFriendList();
    promise.then(function(imResponse) {
      const friendList = imResponse.data; // Contacts
      seen = friendList;
    }).catch(function(imError) {
      console.warn('getFriendList error:', imError); // Failed to obtain contacts
    });
    const { warned } = await c.settle();
    expect(warned).toEqual([]);
    expect(seen).toMatchObject([{ userID: 'user1', remark: 'Jane', groupList: ['Friend'], source: 'AddSource_Type_Web', profile: { userID: 'user1' } }]);
  });

  it('Checking the friend relationship', async () => {
    const c = capture('checkFriend');
    const relations: Record<string, string> = {};
    const failures: any[] = [];
    let promise = chat.checkFriend({
      userIDList: ['user0','user1'],
      type: TencentCloudChat.TYPES.SNS_CHECK_TYPE_BOTH,
    });
    promise.then(function(imResponse) {
      const { successUserIDList, failureUserIDList } = imResponse.data;
      // List of the `userID` values that passed the verification
      successUserIDList.forEach((item) => {
        const { userID, code, relation } = item; // The value of code is always 0.
        relations[userID] = relation;
        expect(code).toBe(0);
      });
      // List of the `userID` values that failed the verification
      failureUserIDList.forEach((item) => {
        const { userID, code, message } = item;
        failures.push({ userID, code, message });
      });
    }).catch(function(imError) {
      console.warn('checkFriend error:', imError);
    });
    const { warned } = await c.settle();
    expect(warned).toEqual([]);
    expect(relations.user1).toBe(TencentCloudChat.TYPES.SNS_TYPE_BOTH_WAY);
    // Checking oneself is an item of its own: either no relation or a per-item failure, never a rejection.
    expect(relations.user0 === TencentCloudChat.TYPES.SNS_TYPE_NO_RELATION || failures.some((f) => f.userID === 'user0')).toBe(true);
  });

  it('Deleting a friend', async () => {
    const c = capture('deleteFriend');
    const ok: string[] = [];
    const failed: any[] = [];
    let promise = chat.deleteFriend({
      userIDList: ['user1','user2'],
      type: TencentCloudChat.TYPES.SNS_DELETE_TYPE_BOTH
    });
    promise.then(function(imResponse) {
      const { successUserIDList, failureUserIDList } = imResponse.data;
      // List of successfully deleted `userID` values
      successUserIDList.forEach((item) => {
        const { userID } = item;
        ok.push(userID);
      });
      // List of `userID` values failed to be deleted
      failureUserIDList.forEach((item) => {
        const { userID, code, message } = item;
        failed.push({ userID, code, message });
      });
      // If the contacts are updated,
      // the SDK will trigger the TencentCloudChat.EVENT.FRIEND_LIST_UPDATED event.
    }).catch(function(imError) {
      console.warn('removeFromFriendList error:', imError);
    });
    const { warned } = await c.settle();
    expect(warned).toEqual([]);
    expect(ok).toEqual(['user1']);
    expect(failed).toMatchObject([{ userID: 'user2', code: expect.any(Number) }]);
    expect(failed[0].code).not.toBe(0);
    expect((await chat.getFriendList()).data).toEqual([]);
    expect((await user1.getFriendList()).data).toEqual([]);
  });
});

describe('README: the SDK example', () => {
  it('runs as written, with the server address and a minted UserSig', async () => {
    const bob = await server.login('bob');
    const userSig = server.userSig('alice');
    const logged: unknown[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((x) => void logged.push(x));
    try {
      const chat = TencentCloudChat.create({ SDKAppID: server.sdkAppID, server: server.address });
      chat.on(TencentCloudChat.EVENT.MESSAGE_RECEIVED, (event) => console.log(event.data)); // Message[]
      await chat.login({ userID: 'alice', userSig });  // a UserSig minted with `parley usersig`
      await chat.addFriend({ to: 'bob', source: 'AddSource_Type_Web', type: TencentCloudChat.TYPES.SNS_ADD_TYPE_BOTH });
      const message = chat.createTextMessage({ to: 'bob', conversationType: TencentCloudChat.TYPES.CONV_C2C, payload: { text: 'hi' } });
      await chat.sendMessage(message);

      const ev = await bob.events.next(TencentCloudChat.EVENT.MESSAGE_RECEIVED);
      expect(ev.data).toMatchObject([{ from: 'alice', payload: { text: 'hi' } }]);
      expect((await bob.chat.getFriendApplicationList()).data.friendApplicationList).toMatchObject([{ userID: 'alice' }]);
      expect(logged).toEqual([]); // alice's own message is not news to her
      await chat.logout();
    } finally {
      log.mockRestore();
      await bob.chat.logout();
    }
  });
});
