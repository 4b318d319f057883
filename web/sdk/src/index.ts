// Parley's Web SDK: `TencentCloudChat.create({SDKAppID, server})` and the
// chat.* API of Tencent's Web SDK over Parley's protocol.

import { ChatSDK } from './chat.js';
import { EVENT, TYPES } from './constants.js';
import type { CreateOptions } from './types.js';

export { ChatSDK } from './chat.js';
export type { TextMessageOptions, ImageMessageOptions, FileMessageOptions, CustomMessageOptions } from './chat.js';
export type { CreateGroupOptions, UpdateGroupProfileOptions, HandleGroupApplicationOptions } from './group.js';
export { ChatError } from './connection.js';
export { EVENT, TYPES } from './constants.js';
export type * from './types.js';

function create(options: CreateOptions): ChatSDK {
  return new ChatSDK(options);
}

const TencentCloudChat = { create, EVENT, TYPES, VERSION: '0.1.0-parley' };
export default TencentCloudChat;
