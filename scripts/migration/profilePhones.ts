import { ITEM_PHONE_TYPE, type ItemPhone } from '../../shared/models/itemPhone';
import type { Services } from '../../shared/services';
import { profilePhoneStore } from '../../shared/storage/profilePhones';
import { foldEachUser, resourceOf, type StoredDocument } from './legacyDocuments';
import type { ContainerRun } from './report';

const isLegacyProfilePhone = (doc: StoredDocument) =>
  doc['@odata.type'] === `#${ITEM_PHONE_TYPE}` &&
  typeof doc.number === 'string' &&
  typeof doc.createdDateTime === 'string';

/** Folds each user's first-release profile phones into the user's document, by id. */
export async function migrateProfilePhones(services: Services, run: ContainerRun): Promise<void> {
  const phones = profilePhoneStore(
    services.containers,
    services.config.maxProfilePhonesPerUser,
    services.storageTiming,
    () => services.now(),
  );
  const phoneCounts = run.report.profilePhones;
  await foldEachUser(
    services.containers.profilePhones,
    isLegacyProfilePhone,
    run,
    phoneCounts,
    async (userId, docs) => {
      const items = docs.map((doc) => resourceOf<ItemPhone>(doc));
      const fold = (current: ItemPhone[]) => {
        const present = new Set(current.map((phone) => phone.id));
        const added = items.filter((item) => !present.has(item.id));
        const result = [...current, ...added];
        return {
          added,
          skipped: items.length - added.length,
          overQuota: result.length > services.config.maxProfilePhonesPerUser,
          result,
        };
      };
      const outcome = run.dryRun
        ? fold(await phones.read(userId))
        : await phones.update(userId, (current) => {
            const folded = fold(current);
            return folded.added.length > 0 ? { items: folded.result, answer: folded } : { answer: folded };
          });
      phoneCounts.migrated += outcome.added.length;
      phoneCounts.skipped += outcome.skipped;
      if (outcome.overQuota) phoneCounts.usersOverQuota += 1;
    },
  );
}
