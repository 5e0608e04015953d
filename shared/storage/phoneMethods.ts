import { badRequest, conflict } from '../http/graphErrors';
import { PHONE_METHOD_IDS, type PhoneAuthenticationMethod } from '../models/phoneAuthenticationMethod';
import { getContainers, storageFailure, storageStatus } from './cosmos';
import { toDocument } from './documents';

/**
 * Stores a phone method under its type's fixed id in the user's partition. Cosmos ids are unique per
 * partition, so of any number of concurrent creates of one type exactly one succeeds: the rest get 409.
 */
export async function createPhoneMethod(userId: string, method: PhoneAuthenticationMethod): Promise<void> {
  const { phoneMethods } = getContainers();
  if (method.phoneType === 'alternateMobile' && !(await hasMethod(userId, PHONE_METHOD_IDS.mobile))) {
    throw badRequest('An alternateMobile phone method requires a mobile phone method first.', [
      { code: 'invalidValue', target: 'phoneType', message: 'Add a mobile phone method before an alternateMobile one.' },
    ]);
  }
  try {
    await phoneMethods.items.create(toDocument(userId, method));
  } catch (error) {
    if (storageStatus(error) === 409) {
      throw conflict(`A phone method of type '${method.phoneType}' already exists for this user.`);
    }
    throw storageFailure(error);
  }
}

async function hasMethod(userId: string, methodId: string): Promise<boolean> {
  try {
    const { resource } = await getContainers().phoneMethods.item(methodId, userId).read();
    return resource !== undefined;
  } catch (error) {
    if (storageStatus(error) === 404) return false;
    throw storageFailure(error);
  }
}
