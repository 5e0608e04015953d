import { app } from '@azure/functions';
import { getConfig } from '../shared/config';
import { createHandler } from '../shared/http/handle';
import { createPhoneMethodBody, phoneMethodFromBody } from '../shared/models/phoneAuthenticationMethod';
import { createPhoneMethod as storePhoneMethod } from '../shared/storage/phoneMethods';

/** POST /beta/users/{userId}/authentication/phoneMethods: add a phone authentication method. */
export const createPhoneMethod = createHandler({
  permission: 'phoneMethods',
  route: 'users/{userId}/authentication/phoneMethods',
  collectionPath: 'authentication/phoneMethods',
  body: createPhoneMethodBody,
  async create({ userId, body, now }) {
    const method = phoneMethodFromBody(body, { smsSignInEnabled: getConfig().smsSignInEnabled, now });
    await storePhoneMethod(userId, method);
    return method;
  },
});

app.http('createPhoneMethod', {
  methods: ['POST'],
  // The JWT is verified in code (shared/auth); the Functions key is not part of Graph's contract.
  authLevel: 'anonymous',
  route: 'users/{userId}/authentication/phoneMethods',
  handler: createPhoneMethod,
});
