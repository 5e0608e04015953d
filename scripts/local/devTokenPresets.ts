import { GLOBAL_READER } from '../../shared/auth/permissions';
import type { TokenRequest } from '../devIssuer';

/**
 * The sample callers of the development tenant: the API page offers a token for each, and the banner
 * and README use the same ones, so one user id works in every example. Fixed object ids, so a token
 * chosen in the page and a curl line from the banner act on the same user.
 */
export interface DevTokenPreset {
  id: string;
  label: string;
  request: TokenRequest;
}

/** The sample user acted on in the examples (the API page offers it as the `userId`). */
export const SAMPLE_USER_ID = '8f0f2b5e-4c2a-4a55-9c55-7b6c1c0f6e11';
export const SAMPLE_USER_UPN = 'adele@contoso.example';
const SAMPLE_ADMIN_ID = '3c8f7e0a-2d7b-4f1e-9a64-5b0d2c1e8f42';

export const DEV_TOKEN_PRESETS: readonly DevTokenPreset[] = [
  {
    id: 'admin',
    label: 'Authentication Administrator (delegated): every operation on any user',
    // The issuer's defaults: User.ReadWrite.All, UserAuthenticationMethod.ReadWrite.All and the role.
    request: { oid: SAMPLE_ADMIN_ID, upn: 'admin@contoso.example', name: 'Alex Admin' },
  },
  {
    id: 'user',
    label: `Adele, a user (delegated User.ReadWrite UserAuthenticationMethod.ReadWrite): her own data, id ${SAMPLE_USER_ID}`,
    request: {
      oid: SAMPLE_USER_ID,
      upn: SAMPLE_USER_UPN,
      name: 'Adele Vance',
      scp: 'User.ReadWrite UserAuthenticationMethod.ReadWrite',
      wids: [],
    },
  },
  {
    id: 'reader',
    label: 'Global Reader (delegated User.Read.All UserAuthenticationMethod.Read.All): reads any user',
    request: {
      upn: 'reader@contoso.example',
      name: 'Gale Reader',
      scp: 'User.Read.All UserAuthenticationMethod.Read.All',
      wids: [GLOBAL_READER],
    },
  },
  {
    id: 'app',
    label: 'Application (roles UserAuthenticationMethod.ReadWrite.All, User.Read.All): app-only',
    request: { idtyp: 'app', roles: ['UserAuthenticationMethod.ReadWrite.All', 'User.Read.All'], name: 'Sample App' },
  },
];
