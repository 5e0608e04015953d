// Also the setup file that drops @azure/functions' test-mode warnings (it runs before each test file).
import './quietFunctionsTestMode';
import { disposeTestService } from './service';
import { checkOneDocumentPerUser, disposeTestClient } from './storage';

// Every user the file read back has only its own document; then the keep-alive sockets are released
// so each test file ends cleanly.
afterAll(async () => {
  try {
    await checkOneDocumentPerUser();
  } finally {
    disposeTestService();
    disposeTestClient();
  }
});
