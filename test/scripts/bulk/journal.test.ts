import { maskPhoneNumber } from '../../../shared/auth/maskedNumbers';
import { compareStoredNumber } from '../../../scripts/bulk/journal';

describe('compareStoredNumber: the bulk command compares a number read back, whole or masked', () => {
  test.each([
    ['+1 2065550100', '+1 2065550100', 'same'],
    ['+1 2065550100', '+12065550100', 'same'],
    ['+1 2065550100', '+1 2065550101', 'different'],
    ['+1 XXXXXXXX00', '+1 2065550100', 'agreesWhereShown'],
    ['+1 XXXXXXXX00', '+12065550100x123', 'agreesWhereShown'],
    ['+1 XXXXXXXX00', '+1 4255550100', 'agreesWhereShown'],
    ['+1 XXXXXXXX00', '+1 2065550101', 'different'],
    ['+1 XXXXXXXX00', '+44 2065550100', 'different'],
    ['+44 XXXXXXXXX00', '+1 2065550100', 'different'],
  ])('stored %s, sent %s: %s', (stored, sent, expected) => {
    expect(compareStoredNumber(stored, sent)).toBe(expected);
  });

  test("the service's own masking of a number agrees with that number where shown, never more", () => {
    for (const number of ['+1 4255550123', '+44 2071838750', '+33 612345678x42'])
      expect(compareStoredNumber(maskPhoneNumber(number), number)).toBe('agreesWhereShown');
  });
});
