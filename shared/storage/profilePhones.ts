import type { ItemPhone } from '../models/itemPhone';
import type { Containers } from './cosmos';
import { DEFAULT_STORAGE_TIMING, type StorageTiming } from './timing';
import { UserDocuments } from './userDocument';

/** A user's profile phones: one document per user, so the quota and every change are one conditional write. */
export type ProfilePhoneStore = UserDocuments<'phones', ItemPhone>;

/**
 * The most one stored profile phone can weigh in UTF-8 JSON, comma included: every text property at
 * its limit in 3-byte characters (number 64, displayName 256, 8 source types of 64, the creator's and
 * the app's display names 256 each in createdBy and lastModifiedBy), every flag of allowedAudiences,
 * the longest type. Such a phone is 6,357 bytes (docs/design.md shows the sum; a test keeps it true).
 */
export const MAX_STORED_PHONE_BYTES = 6400;
/** Slack above the quota's worth of the largest phones (the list's brackets and a margin). */
export const DOCUMENT_OVERHEAD_BYTES = 1024;

/**
 * The bound on one user's stored profile phones at a quota: what a user at the quota with every
 * phone at its largest needs, so the quota and the property limits are what a caller meets, never
 * this (100 phones: 641,024 bytes; 250: 1,601,024, under Cosmos DB's 2 MB item limit together with
 * the document's bounded list of recent write ids).
 */
export const profilePhoneDocumentLimit = (maxPhonesPerUser: number) =>
  maxPhonesPerUser * MAX_STORED_PHONE_BYTES + DOCUMENT_OVERHEAD_BYTES;

export function profilePhoneStore(
  containers: Containers,
  maxPhonesPerUser: number,
  timing: StorageTiming = DEFAULT_STORAGE_TIMING,
  now: () => Date = () => new Date(),
): ProfilePhoneStore {
  return new UserDocuments(
    containers.profilePhones,
    'phones',
    timing,
    () => now().getTime(),
    profilePhoneDocumentLimit(maxPhonesPerUser),
  );
}
