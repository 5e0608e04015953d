import { z } from 'zod';
import { dateTimeOffset, graphFlags, graphObject, plainText } from './graphTypes';
import { identitySet } from './identitySet';

/** microsoft.graph.allowedAudiences (a flags enum). */
export const allowedAudiences = graphFlags('allowedAudiences', [
  'me',
  'family',
  'contacts',
  'groupMembers',
  'organization',
  'federatedOrganizations',
  'everyone',
]);
export const DEFAULT_ALLOWED_AUDIENCES = 'organization';

/** microsoft.graph.inferenceData */
export const inferenceData = graphObject('inferenceData', {
  confidenceScore: z
    .number({ error: 'must be a number between 0 and 1.' })
    .min(0, 'must be a number between 0 and 1.')
    .max(1, 'must be a number between 0 and 1.')
    .nullable()
    .optional(),
  userHasVerifiedAccuracy: z.boolean({ error: 'must be true or false.' }).nullable().optional(),
});

const dataSourceType = plainText(64).min(1, 'must be 1 to 64 characters.');

/**
 * microsoft.graph.personDataSource. Graph's documentation shows `type` as a string, the beta SDK sends
 * a list of strings: both are accepted and kept as sent.
 */
const personDataSource = graphObject('personDataSource', {
  type: z.union([dataSourceType, z.array(dataSourceType).max(8, 'must list at most 8 types.')], {
    error: 'must be a string or a list of strings of 1 to 64 characters.',
  }),
});

/** The properties every microsoft.graph.itemFacet has, which the server sets on create. */
export const itemFacetServerProperties = {
  id: z.string({ error: 'must be a string.' }),
  createdDateTime: dateTimeOffset,
  createdBy: identitySet,
  lastModifiedDateTime: dateTimeOffset,
  lastModifiedBy: identitySet,
};

/** The properties of microsoft.graph.itemFacet a caller sets. */
export const itemFacetClientProperties = {
  allowedAudiences,
  inference: inferenceData.nullable(),
  source: personDataSource.nullable(),
};
