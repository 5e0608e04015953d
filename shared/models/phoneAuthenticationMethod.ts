import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { z } from 'zod';
import { dateTimeOffset, graphEnum, graphObject, serverManaged } from './graphTypes';

export const PHONE_AUTHENTICATION_METHOD_TYPE = 'microsoft.graph.phoneAuthenticationMethod';

/** microsoft.graph.authenticationPhoneType */
export const authenticationPhoneType = graphEnum('authenticationPhoneType', ['mobile', 'alternateMobile', 'office']);
export type AuthenticationPhoneType = z.infer<typeof authenticationPhoneType>;

/** microsoft.graph.authenticationMethodSignInState */
export const authenticationMethodSignInState = graphEnum('authenticationMethodSignInState', [
  'notSupported',
  'notAllowedByPolicy',
  'notEnabled',
  'phoneNumberNotUnique',
  'ready',
  'notConfigured',
]);

/** Graph gives each phone type one fixed method id, which is what makes "one per type" a key constraint. */
export const PHONE_METHOD_IDS: Record<AuthenticationPhoneType, string> = {
  mobile: '3179e48a-750b-4051-897c-87b9720928f7',
  alternateMobile: 'b6332ec1-7057-4abe-9331-3d72feddfe41',
  office: 'e37fc753-ff3b-4958-9484-eaa9425c82bc',
};

const PHONE_NUMBER_FORMAT = '+{country code} {number}, optionally followed by x{extension}';
/** `+1 2065550100`, `+12065550100`, `+1 2065550100x123`: digits only apart from the one space and 'x'. */
const PHONE_NUMBER_SHAPE = /^\+(\d{1,3}) ?(\d{2,17})(?:x(\d{1,10}))?$/;

/**
 * Graph's phone authentication number: parsed with libphonenumber's metadata, required to be a
 * possible number for its country calling code, and normalized to `+{cc} {national}[x{ext}]`.
 */
const authenticationPhoneNumber = z
  .string({ error: `must be a string in the form ${PHONE_NUMBER_FORMAT}.` })
  .transform((text, ctx) => {
    const trimmed = text.trim();
    const shape = PHONE_NUMBER_SHAPE.exec(trimmed);
    const parsed = shape ? parsePhoneNumberFromString(trimmed.replace(' ', '')) : undefined;
    const spaceSplitMatches = !trimmed.includes(' ') || parsed?.countryCallingCode === shape?.[1];
    if (!shape || !parsed || !spaceSplitMatches || !parsed.isPossible()) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a possible phone number in the form ${PHONE_NUMBER_FORMAT}.`,
      });
      return z.NEVER;
    }
    const extension = parsed.ext ? `x${parsed.ext}` : '';
    return `+${parsed.countryCallingCode} ${parsed.nationalNumber}${extension}`;
  });

/** The properties of microsoft.graph.phoneAuthenticationMethod, each declared once. */
const serverProperties = {
  id: z.string({ error: 'must be a string.' }),
  smsSignInState: authenticationMethodSignInState,
  createdDateTime: dateTimeOffset,
};
const clientProperties = {
  phoneNumber: authenticationPhoneNumber,
  phoneType: authenticationPhoneType,
};

/** POST body: phoneNumber and phoneType required; server-managed properties are checked, then replaced. */
export const createPhoneMethodBody = graphObject('phoneAuthenticationMethod', {
  ...serverManaged(serverProperties),
  ...clientProperties,
});
type CreatePhoneMethodBody = z.infer<typeof createPhoneMethodBody>;

/** The resource as returned and stored. */
export const phoneAuthenticationMethodResource = z.object({
  '@odata.type': z.literal(`#${PHONE_AUTHENTICATION_METHOD_TYPE}`),
  ...serverProperties,
  ...clientProperties,
  // A stored number is already normalized; the response schema checks its form, not re-parses it. An
  // Authentication Administrator reads other users' numbers masked: `+1 XXXXXXXX00` (no extension).
  phoneNumber: z.string().regex(/^\+\d{1,3} (\d{2,17}(x\d{1,10})?|X{0,15}\d{2})$/),
});
export type PhoneAuthenticationMethod = z.infer<typeof phoneAuthenticationMethodResource>;

/** PATCH body: phoneNumber as for create; phoneType only restating the method's own type (checked by the operation). */
export const updatePhoneMethodBody = graphObject('phoneAuthenticationMethod', {
  ...serverManaged(serverProperties),
  phoneNumber: authenticationPhoneNumber.optional(),
  phoneType: authenticationPhoneType.optional(),
});

export type SmsSignInState = z.infer<typeof authenticationMethodSignInState>;

/**
 * The state a new method is stored with before any number claim: only the mobile can sign in by SMS.
 * With the tenant policy off a mobile is stored `notEnabled`, so turning the policy on later shows it
 * as not enabled; with the policy on the operation replaces this with the outcome of its number claim.
 */
function smsSignInStateFor(phoneType: AuthenticationPhoneType, smsSignInEnabled: boolean): SmsSignInState {
  if (phoneType !== 'mobile') return 'notSupported';
  return smsSignInEnabled ? 'ready' : 'notEnabled';
}

/** What a stored method reports: with the tenant policy off every mobile is `notAllowedByPolicy`. */
export function presentPhoneMethod(
  stored: PhoneAuthenticationMethod,
  smsSignInEnabled: boolean,
): PhoneAuthenticationMethod {
  if (stored.phoneType !== 'mobile')
    return stored.smsSignInState === 'notSupported' ? stored : { ...stored, smsSignInState: 'notSupported' };
  if (!smsSignInEnabled) return { ...stored, smsSignInState: 'notAllowedByPolicy' };
  // A mobile stored while the policy was off (or by an earlier version) that claimed nothing.
  if (stored.smsSignInState === 'notAllowedByPolicy' || stored.smsSignInState === 'notSupported') {
    return { ...stored, smsSignInState: 'notEnabled' };
  }
  return stored;
}

/** The order Graph lists phone methods in. */
export const PHONE_TYPE_ORDER: readonly AuthenticationPhoneType[] = ['mobile', 'alternateMobile', 'office'];

/** The phone type whose fixed method id this is (any letter case), if any. */
export function phoneTypeOfId(id: string): AuthenticationPhoneType | undefined {
  const lower = id.toLowerCase();
  return PHONE_TYPE_ORDER.find((type) => PHONE_METHOD_IDS[type] === lower);
}

/** The number as a claim document id: the normalized number without its space (`+12065550100`). */
export function smsNumberKey(phoneNumber: string): string {
  return phoneNumber.replace(' ', '');
}

export function phoneMethodFromBody(
  body: CreatePhoneMethodBody,
  options: { smsSignInEnabled: boolean; now: Date },
): PhoneAuthenticationMethod {
  return {
    '@odata.type': `#${PHONE_AUTHENTICATION_METHOD_TYPE}`,
    id: PHONE_METHOD_IDS[body.phoneType],
    phoneNumber: body.phoneNumber,
    phoneType: body.phoneType,
    smsSignInState: smsSignInStateFor(body.phoneType, options.smsSignInEnabled),
    createdDateTime: options.now.toISOString(),
  };
}
