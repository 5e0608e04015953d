import { disposeTestService } from './service';
import { disposeTestClient } from './storage';

// Release keep-alive sockets so each test file ends cleanly.
afterAll(() => {
  disposeTestService();
  disposeTestClient();
});
