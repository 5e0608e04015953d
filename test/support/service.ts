import { loadServiceWith, type IsolatedService } from './isolated';

let shared: IsolatedService | undefined;

/** The test file's service, built from the test environment on first use and disposed after the file. */
export function testService(): IsolatedService {
  shared ??= loadServiceWith();
  return shared;
}

export function disposeTestService(): void {
  shared?.dispose();
  shared = undefined;
}
