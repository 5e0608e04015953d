import type { ItemPhone } from '../models/itemPhone';
import { getContainers, storageFailure } from './cosmos';
import { toDocument } from './documents';

/** Stores a new profile phone (a fresh GUID id) in the user's partition. */
export async function createProfilePhone(userId: string, phone: ItemPhone): Promise<void> {
  try {
    await getContainers().profilePhones.items.create(toDocument(userId, phone));
  } catch (error) {
    throw storageFailure(error);
  }
}
