import { maskPhoneNumber } from '../../../shared/auth/maskedNumbers';
import { sameStoredNumber } from '../../../scripts/bulk/journal';

describe('sameStoredNumber: the bulk command matches a number read back, whole or masked', () => {
  test.each([
    ['+1 2065550100', '+1 2065550100', true],
    ['+1 2065550100', '+12065550100', true],
    ['+1 2065550100', '+1 2065550101', false],
    ['+1 XXXXXXXX00', '+1 2065550100', true],
    ['+1 XXXXXXXX00', '+12065550100x123', true],
    ['+1 XXXXXXXX00', '+1 2065550101', false],
    ['+1 XXXXXXXX00', '+44 2065550100', false],
    ['+44 XXXXXXXXX00', '+1 2065550100', false],
  ])('stored %s, sent %s: %s', (stored, sent, expected) => {
    expect(sameStoredNumber(stored, sent)).toBe(expected);
  });

  test("the service's own masking of a number matches that number", () => {
    for (const number of ['+1 4255550123', '+44 2071838750', '+33 612345678x42'])
      expect(sameStoredNumber(maskPhoneNumber(number), number)).toBe(true);
  });
});
