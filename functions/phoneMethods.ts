import { badRequest, conflict } from '../shared/http/graphErrors';
import { defineOperation, type UserRoutes } from '../shared/http/operation';
import { created } from '../shared/http/results';
import {
  createPhoneMethodBody,
  phoneAuthenticationMethodResource,
  phoneMethodFromBody,
} from '../shared/models/phoneAuthenticationMethod';
import { phoneMethodStore } from '../shared/storage/phoneMethods';

const users: UserRoutes = { collections: ['users'] };
const collectionPath = 'authentication/phoneMethods';

export const createPhoneMethod = defineOperation({
  name: 'createPhoneMethod',
  summary: 'Add a phone authentication method',
  method: 'POST',
  users,
  collectionPath,
  path: collectionPath,
  permission: 'phoneMethodsWrite',
  body: createPhoneMethodBody,
  response: { status: 201, schema: phoneAuthenticationMethodResource },
  async run({ userId, body, now, services }) {
    const method = phoneMethodFromBody(body, { smsSignInEnabled: services.config.smsSignInEnabled, now });
    await phoneMethodStore(services.containers).update(userId, (methods) => {
      if (methods.some((existing) => existing.phoneType === method.phoneType)) {
        throw conflict(`A phone method of type '${method.phoneType}' already exists for this user.`);
      }
      if (method.phoneType === 'alternateMobile' && !methods.some((existing) => existing.phoneType === 'mobile')) {
        throw badRequest('An alternateMobile phone method requires a mobile phone method first.', [
          { code: 'invalidValue', target: 'phoneType', message: 'Add a mobile phone method before an alternateMobile one.' },
        ]);
      }
      return { items: [...methods, method], answer: undefined };
    });
    return created(method);
  },
});

export const phoneMethodOperations = [createPhoneMethod];
