import { disposeCosmosClient } from '../../shared/storage/cosmos';
import { disposeTestClient } from './storage';

// Release keep-alive sockets so each test file ends cleanly.
afterAll(() => {
  disposeCosmosClient();
  disposeTestClient();
});
