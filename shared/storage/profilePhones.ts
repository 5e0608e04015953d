import type { ItemPhone } from '../models/itemPhone';
import type { Containers } from './cosmos';
import { UserDocuments } from './userDocument';

/** A user's profile phones: one document per user, so the quota and every change are one conditional write. */
type ProfilePhoneStore = UserDocuments<'phones', ItemPhone>;

export function profilePhoneStore(containers: Containers): ProfilePhoneStore {
  return new UserDocuments(containers.profilePhones, 'phones');
}
