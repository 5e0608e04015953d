import type { Json } from './json';

/**
 * A body the service accepts, per operation that takes one: OpenAPI tools (the API page of
 * `npm start` among them) offer it as the body to send, so "Execute" works without editing. The
 * OpenAPI test parses each with the operation's own body schema.
 */
export const REQUEST_BODY_EXAMPLES: Readonly<Record<string, Json>> = {
  createProfilePhone: { number: '+1 (425) 555-0100', type: 'business', displayName: 'Desk' },
  updateProfilePhone: { displayName: 'Front desk' },
  createPhoneMethod: { phoneNumber: '+1 2065550100', phoneType: 'mobile' },
  updatePhoneMethod: { phoneNumber: '+1 2065550111' },
};
