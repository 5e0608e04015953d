import { z } from 'zod';
import { graphEnum, graphObject, plainText, serverManaged } from './graphTypes';
import { DEFAULT_ALLOWED_AUDIENCES, itemFacetClientProperties, itemFacetServerProperties } from './itemFacet';

export const ITEM_PHONE_TYPE = 'microsoft.graph.itemPhone';

/** microsoft.graph.phoneType */
export const phoneType = graphEnum('phoneType', [
  'home',
  'business',
  'mobile',
  'other',
  'assistant',
  'homeFax',
  'businessFax',
  'otherFax',
  'pager',
  'radio',
]);

/** A phone number as a person writes it: free form, but it has to contain a digit. */
const phoneNumberText = plainText(64)
  .trim()
  .min(1, { message: 'is required and must not be empty.', abort: true })
  .refine((text) => /\d/.test(text), 'must contain at least one digit.');

/** The properties of microsoft.graph.itemPhone a caller sets, each declared once. */
const itemPhoneClientProperties = {
  ...itemFacetClientProperties,
  displayName: plainText(256).nullable(),
  type: phoneType.nullable(),
  number: phoneNumberText,
};

/** What both bodies share: server-managed properties are checked, then replaced; the rest may be left out. */
const optionalBodyProperties = {
  ...serverManaged(itemFacetServerProperties),
  allowedAudiences: itemPhoneClientProperties.allowedAudiences.nullable().optional(),
  inference: itemPhoneClientProperties.inference.optional(),
  source: itemPhoneClientProperties.source.optional(),
  displayName: itemPhoneClientProperties.displayName.optional(),
  type: itemPhoneClientProperties.type.optional(),
};

/** POST body: `number` required. */
export const createItemPhoneBody = graphObject('itemPhone', {
  ...optionalBodyProperties,
  number: itemPhoneClientProperties.number,
});
type CreateItemPhoneBody = z.infer<typeof createItemPhoneBody>;

/**
 * PATCH body: only what is sent changes. `number` may not be cleared; the other properties may be set
 * to null (allowedAudiences back to its default).
 */
export const updateItemPhoneBody = graphObject('itemPhone', {
  ...optionalBodyProperties,
  number: itemPhoneClientProperties.number.optional(),
});
type UpdateItemPhoneBody = z.infer<typeof updateItemPhoneBody>;

/** The resource as returned and stored: every property present. */
export const itemPhoneResource = z.object({
  '@odata.type': z.literal(`#${ITEM_PHONE_TYPE}`),
  ...itemFacetServerProperties,
  ...itemPhoneClientProperties,
});
export type ItemPhone = z.infer<typeof itemPhoneResource>;

/** Every property of an itemPhone, in the order it is answered (what `$select` may name). */
export const ITEM_PHONE_PROPERTIES = Object.keys(itemPhoneResource.shape).filter(
  (name) => name !== '@odata.type',
) as Array<Exclude<keyof ItemPhone, '@odata.type'>>;

type ServerSet = Pick<ItemPhone, 'id' | 'createdDateTime' | 'createdBy' | 'lastModifiedDateTime' | 'lastModifiedBy'>;

/** Fills in what the caller left out with Graph's defaults. */
export function itemPhoneFromBody(body: CreateItemPhoneBody, server: ServerSet): ItemPhone {
  return {
    '@odata.type': `#${ITEM_PHONE_TYPE}`,
    id: server.id,
    allowedAudiences: body.allowedAudiences ?? DEFAULT_ALLOWED_AUDIENCES,
    inference: body.inference ? withoutODataType(body.inference) : null,
    source: body.source ? withoutODataType(body.source) : null,
    createdDateTime: server.createdDateTime,
    createdBy: server.createdBy,
    lastModifiedDateTime: server.lastModifiedDateTime,
    lastModifiedBy: server.lastModifiedBy,
    displayName: body.displayName ?? null,
    type: body.type ?? null,
    number: body.number,
  };
}

/** Merge semantics: the properties sent change, the others keep their values; id and creation never change. */
export function patchItemPhone(
  phone: ItemPhone,
  body: UpdateItemPhoneBody,
  modified: Pick<ItemPhone, 'lastModifiedDateTime' | 'lastModifiedBy'>,
): ItemPhone {
  const sent = <K extends keyof UpdateItemPhoneBody>(name: K) => Object.hasOwn(body, name) && body[name] !== undefined;
  return {
    ...phone,
    ...(sent('allowedAudiences') ? { allowedAudiences: body.allowedAudiences ?? DEFAULT_ALLOWED_AUDIENCES } : {}),
    ...(sent('inference') ? { inference: body.inference ? withoutODataType(body.inference) : null } : {}),
    ...(sent('source') ? { source: body.source ? withoutODataType(body.source) : null } : {}),
    ...(sent('displayName') ? { displayName: body.displayName ?? null } : {}),
    ...(sent('type') ? { type: body.type ?? null } : {}),
    ...(body.number !== undefined ? { number: body.number } : {}),
    lastModifiedDateTime: modified.lastModifiedDateTime,
    lastModifiedBy: modified.lastModifiedBy,
  };
}

function withoutODataType<T extends { '@odata.type'?: string }>(value: T): Omit<T, '@odata.type'> {
  const { '@odata.type': _ignored, ...rest } = value;
  return rest;
}
