/**
 * The most Cosmos requests (network round trips) one successful, uncontended request of each operation
 * may make, as the benchmark's fixtures exercise them: a read is one point read; a write of a user's
 * document reads it and writes it conditionally; a mobile made `ready` (create, enableSmsSignIn) adds
 * the claim's create; freeing a number (disableSmsSignIn, deleting a `ready` mobile) reads the claim
 * and deletes it conditionally; a `ready` mobile's number change does both.
 * test/resilience/roundTrips.test.ts holds the service to the same table.
 */
export const ROUND_TRIP_TARGETS: Readonly<Record<string, number>> = {
  listProfilePhones: 1,
  getProfilePhone: 1,
  createProfilePhone: 2,
  updateProfilePhone: 2,
  deleteProfilePhone: 2,
  listPhoneMethods: 1,
  getPhoneMethod: 1,
  /** A mobile with SMS sign-in on (a method without a claim: 2). */
  createPhoneMethod: 3,
  /** A `ready` mobile's number (a method without a claim: 2). */
  updatePhoneMethod: 5,
  /** A `ready` mobile (a method without a claim: 2). */
  deletePhoneMethod: 4,
  enableSmsSignIn: 3,
  disableSmsSignIn: 4,
  // `/authentication/methods` runs the phone methods' code.
  listAuthenticationMethods: 1,
  getAuthenticationMethod: 1,
  enableAuthenticationMethodSmsSignIn: 3,
  disableAuthenticationMethodSmsSignIn: 4,
};
