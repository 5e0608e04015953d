// Also the setup file that drops @azure/functions' test-mode warnings (it runs before each test file).
import './quietFunctionsTestMode';
import { disposeTestService } from './service';
import { disposeTestClient } from './storage';

// Release keep-alive sockets so each test file ends cleanly.
afterAll(() => {
  disposeTestService();
  disposeTestClient();
});
