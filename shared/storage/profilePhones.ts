import type { ItemPhone } from '../models/itemPhone';
import { compensate, getContainers, isAmbiguousWriteFailure, storageFailure, withDeadline } from './cosmos';
import { toDocument } from './documents';

/**
 * Stores a new profile phone (a fresh GUID id) in the user's partition. When the write fails without
 * a definite answer it may still have landed; the id is this request's alone, so the document is
 * deleted again: a failed request writes nothing (contract section 5).
 */
export async function createProfilePhone(userId: string, phone: ItemPhone): Promise<void> {
  const { profilePhones } = getContainers();
  try {
    await profilePhones.items.create(toDocument(userId, phone), withDeadline());
  } catch (error) {
    if (isAmbiguousWriteFailure(error)) await compensate(() => profilePhones.item(phone.id, userId).delete(withDeadline()));
    throw storageFailure(error);
  }
}
