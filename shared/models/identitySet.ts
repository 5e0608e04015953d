import { z } from 'zod';
import type { Caller } from '../auth/caller';
import { graphObject, plainText } from './graphTypes';

/** microsoft.graph.identity: who did something (a user, an application or a device). */
export const identity = graphObject('identity', {
  id: plainText(256).nullable().optional(),
  displayName: plainText(256).nullable().optional(),
});

/** microsoft.graph.identitySet */
export const identitySet = graphObject('identitySet', {
  application: identity.nullable().optional(),
  device: identity.nullable().optional(),
  user: identity.nullable().optional(),
});
type IdentitySet = z.infer<typeof identitySet>;

/** Who made a change, from the token: the signed-in user and, where the token names one, the client app. */
export function identitySetOf(caller: Caller): IdentitySet {
  return {
    user: { id: caller.objectId, displayName: caller.displayName ?? null },
    ...(caller.appId ? { application: { id: caller.appId, displayName: caller.appDisplayName ?? null } } : {}),
  };
}
