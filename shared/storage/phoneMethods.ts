import { badRequest, conflict } from '../http/graphErrors';
import { PHONE_METHOD_IDS, type PhoneAuthenticationMethod } from '../models/phoneAuthenticationMethod';
import { compensate, getContainers, isAmbiguousWriteFailure, storageFailure, storageStatus, withDeadline } from './cosmos';
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
    await phoneMethods.items.create(toDocument(userId, method), withDeadline());
  } catch (error) {
    if (storageStatus(error) === 409) {
      throw conflict(`A phone method of type '${method.phoneType}' already exists for this user.`);
    }
    if (isAmbiguousWriteFailure(error)) await compensate(() => removeIfOurs(userId, method));
    throw storageFailure(error);
  }
}

/**
 * Undoes a write that may have landed without us hearing back. The id is fixed per type, so a
 * concurrent request may own the document: it is deleted only when it is the one this request wrote
 * (same creation time and number) and unchanged since it was read (If-Match on its etag).
 */
async function removeIfOurs(userId: string, method: PhoneAuthenticationMethod): Promise<void> {
  const item = getContainers().phoneMethods.item(method.id, userId);
  const { resource } = await item.read<PhoneAuthenticationMethod & { _etag: string }>(withDeadline());
  if (resource?.createdDateTime !== method.createdDateTime || resource.phoneNumber !== method.phoneNumber) return;
  await item.delete({ ...withDeadline(), accessCondition: { type: 'IfMatch', condition: resource._etag } });
}

async function hasMethod(userId: string, methodId: string): Promise<boolean> {
  try {
    const { resource } = await getContainers().phoneMethods.item(methodId, userId).read(withDeadline());
    return resource !== undefined;
  } catch (error) {
    if (storageStatus(error) === 404) return false;
    throw storageFailure(error);
  }
}
