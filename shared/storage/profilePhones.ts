import type { ItemPhone } from '../models/itemPhone';
import type { Containers } from './cosmos';
import { DEFAULT_STORAGE_TIMING, type StorageTiming } from './timing';
import { UserDocuments } from './userDocument';

/** A user's profile phones: one document per user, so the quota and every change are one conditional write. */
export type ProfilePhoneStore = UserDocuments<'phones', ItemPhone>;

export function profilePhoneStore(
  containers: Containers,
  timing: StorageTiming = DEFAULT_STORAGE_TIMING,
  now: () => Date = () => new Date(),
): ProfilePhoneStore {
  return new UserDocuments(containers.profilePhones, 'phones', timing, () => now().getTime());
}
