export const TEST_TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const TEST_AUDIENCE = 'api://graph-phones-test';
export const TEST_CLIENT_APP_ID = '9b2c5a48-1d7e-4a8e-9f3c-2b6f1e0d4c11';
export const AUTHENTICATION_ADMINISTRATOR = 'c4e39bd9-1100-46d3-8c65-fb160da0071f';
export const PRIVILEGED_AUTHENTICATION_ADMINISTRATOR = '7be44c8a-adaf-4e2a-84d6-ab2649e08a13';
export const MOBILE_ID = '3179e48a-750b-4051-897c-87b9720928f7';
export const ALTERNATE_MOBILE_ID = 'b6332ec1-7057-4abe-9331-3d72feddfe41';
export const OFFICE_ID = 'e37fc753-ff3b-4958-9484-eaa9425c82bc';
/** The client id of the app's user-assigned managed identity in the tests (AZURE_CLIENT_ID). */
export const TEST_MANAGED_IDENTITY_CLIENT_ID = '5c1a3e2f-8b7d-4f60-9a1e-0d2c3b4a5f69';
