/**
 * Checks of the infrastructure code (infra/*.bicep) against the security baseline and against the
 * service's configuration contract, made on what Azure receives: the ARM JSON that the real Bicep
 * compiler produces. The compiler is found as $BICEP_PATH, `bicep` on PATH, or `az bicep` (in that
 * order); `scripts/bicep.sh` installs the pinned one and prints its path. Without a compiler the
 * compile-based tests are skipped with one warning, unless BICEP_REQUIRED=1 (set by .ci/run), where a
 * missing compiler fails the suite.
 *
 * In the compiled template every module is a nested `Microsoft.Resources/deployments` resource whose
 * parameters are ARM expressions; a resource property that reads a module parameter is followed back
 * to what main.bicep passes (and to main.bicep's defaults), so a property that is missing, wrong or
 * set from an unexpected value makes the check fail.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { configVariableNames } from '../../shared/config';
import {
  allResources,
  appSettings,
  at,
  collectStrings,
  compileInfra,
  findBicep,
  identityModule,
  infraDir,
  mainDefault,
  mainTemplate,
  moduleFile,
  modules,
  PARAMETER,
  repoRoot,
  resourceIdOf,
  resources,
  site,
  templateText,
  theCompiled,
  theResource,
  traced,
  variable,
  withVariables,
  type Json,
  type Located,
} from '../support/armTemplate';

const indexingPolicyFile = path.join(repoRoot, 'shared', 'storage', 'indexingPolicy.json');
const localSettingsSampleFile = path.join(repoRoot, 'local.settings.sample.json');

const bicep = findBicep();
const bicepRequired = process.env.BICEP_REQUIRED === '1';
if (!bicep && !bicepRequired) {
  // One plain line (console.warn would add Jest's source excerpt around it).
  process.stderr.write(
    'test/infra: no Bicep CLI found (BICEP_PATH, bicep on PATH, or az bicep): the compiled-template checks are skipped. Run scripts/bicep.sh to install it.\n',
  );
}
/** `describe` when there is a compiler (or one is required, so its absence fails), else skipped. */
const describeCompiled = bicep || bicepRequired ? describe : describe.skip;

beforeAll(() => {
  if (!bicep) {
    if (bicepRequired) {
      throw new Error(
        'BICEP_REQUIRED=1 but no Bicep CLI was found: set BICEP_PATH (scripts/bicep.sh prints it), put bicep on PATH, or install az bicep',
      );
    }
    return;
  }
  compileInfra(bicep);
}, 300_000);

// ---------------------------------------------------------------------------------------------
// Expectations
// ---------------------------------------------------------------------------------------------

const STORAGE_BLOB_DATA_OWNER = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b';
const MONITORING_METRICS_PUBLISHER = '3913510d-42f4-4e42-8a64-420c390055eb';
const COSMOS_DATA_CONTRIBUTOR = '00000000-0000-0000-0000-000000000002';

/** Service variables that must never be set in Azure. */
const LOCAL_ONLY = new Set(['COSMOS_KEY', 'PORT']);

/** Settings of the platform rather than of the service (contract section 6 lists only the service). */
function isPlatformSetting(name: string): boolean {
  return (
    name === 'AzureWebJobsStorage' ||
    name.startsWith('AzureWebJobsStorage__') ||
    name.startsWith('APPLICATIONINSIGHTS_') ||
    name.startsWith('FUNCTIONS_') ||
    name.startsWith('WEBSITE_') ||
    name === 'AZURE_CLIENT_ID'
  );
}

/** App settings Flex Consumption rejects or that would bring back secrets. */
const FORBIDDEN_IN_AZURE = [
  'AzureWebJobsStorage',
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_EXTENSION_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
  'WEBSITE_CONTENTSHARE',
  'WEBSITE_NODE_DEFAULT_VERSION',
  'APPINSIGHTS_INSTRUMENTATIONKEY',
  'COSMOS_KEY',
];

// ---------------------------------------------------------------------------------------------

describeCompiled('infra: Bicep files', () => {
  it('compile and lint with no error or warning', () => {
    const { buildOutput, lintOutput } = theCompiled();
    expect({ build: buildOutput.trim(), lint: lintOutput.trim() }).toEqual({ build: '', lint: '' });
  });

  it('main.bicep deploys every module under infra/ exactly once', () => {
    const deployed = [...modules().keys()].map(moduleFile).sort();
    const files = [...theCompiled().files.keys()].filter((file) => file !== 'main.bicep').sort();
    expect(deployed).toEqual(files);
  });

  it('use GA API versions (no -preview) on every resource', () => {
    const all = allResources();
    expect(all.length).toBeGreaterThan(10);
    for (const { resource } of all) expect(`${resource.type}@${resource.apiVersion}`).toMatch(/@\d{4}-\d{2}-\d{2}$/);
  });

  it('never read or emit keys or connection strings with secrets', () => {
    const strings = collectStrings(mainTemplate() as unknown as Json);
    const hits = strings.filter(
      (s) =>
        (s.startsWith('[') && /\blist\w*\(/i.test(s)) ||
        /AccountKey=|primaryMasterKey|listConnectionStrings|InstrumentationKey=/i.test(s),
    );
    expect(hits).toEqual([]);
    // No output or parameter is a secure value that would carry a secret around.
    const types = [
      ...Object.values(mainTemplate().parameters ?? {}),
      ...Object.values(mainTemplate().outputs ?? {}),
    ].map((p) => p.type);
    expect(types.filter((t) => /^secure/i.test(t))).toEqual([]);
  });
});

describeCompiled('infra: function app', () => {
  it('runs on the Flex Consumption plan (FC1) with Node.js 22 and blob deployment storage', () => {
    const plan = theResource('Microsoft.Web/serverfarms');
    expect(at(plan, 'sku.name')).toBe('FC1');
    expect(at(plan, 'sku.tier')).toBe('FlexConsumption');
    expect(at(plan, 'properties.reserved')).toBe(true);
    const app = site();
    expect(app.template).toBe(plan.template);
    expect(at(app, 'kind')).toBe('functionapp,linux');
    expect(at(app, 'properties.serverFarmId')).toBe(resourceIdOf(plan));
    expect(at(app, 'properties.functionAppConfig.runtime.name')).toBe('node');
    expect(at(app, 'properties.functionAppConfig.runtime.version')).toBe('22');
    expect(at(app, 'properties.functionAppConfig.deployment.storage.type')).toBe('blobContainer');
    expect(at(app, 'properties.functionAppConfig.scaleAndConcurrency.instanceMemoryMB')).toBeDefined();
    const alwaysReady = templateText(at(app, 'properties.functionAppConfig.scaleAndConcurrency.alwaysReady'));
    expect(alwaysReady).toContain("createObject('name', 'http', 'instanceCount', parameters(");
    // The always-ready count is a parameter whose default in main.bicep is 0 (scale to zero).
    const countParameter = /'instanceCount', (parameters\('\w+'\))/.exec(alwaysReady)?.[1] ?? '';
    expect(mainDefault(traced(app, `[${countParameter}]`))).toBe(0);
  });

  it('is HTTPS only with TLS 1.2, FTP(S) disabled and remote debugging off', () => {
    const app = site();
    expect(at(app, 'properties.httpsOnly')).toBe(true);
    expect(at(app, 'properties.siteConfig.minTlsVersion')).toBe('1.2');
    expect(at(app, 'properties.siteConfig.scmMinTlsVersion')).toBe('1.2');
    expect(at(app, 'properties.siteConfig.ftpsState')).toBe('Disabled');
    expect(at(app, 'properties.siteConfig.remoteDebuggingEnabled')).toBe(false);
  });

  it('disables basic publishing credentials for both ftp and scm', () => {
    const app = site();
    const appNameArgument = /^\[(.*)\]$/.exec(app.resource.name)?.[1] ?? '';
    const policies = resources('Microsoft.Web/sites/basicPublishingCredentialsPolicies');
    for (const name of ['ftp', 'scm']) {
      const matching = policies.filter((p) => p.resource.name === `[format('{0}/{1}', ${appNameArgument}, '${name}')]`);
      expect({ name, count: matching.length }).toEqual({ name, count: 1 });
      const policy = matching[0] as Located;
      expect({
        name,
        sameTemplate: policy.template === app.template,
        condition: policy.resource.condition,
        allow: at(policy, 'properties.allow'),
      }).toEqual({
        name,
        sameTemplate: true,
        condition: undefined,
        allow: false,
      });
    }
  });

  it('runs under the user-assigned identity, which also authenticates the deployment storage', () => {
    const app = site();
    expect(at(app, 'identity.type')).toBe('UserAssigned');
    const identities = at(app, 'identity.userAssignedIdentities');
    const keys =
      identities && typeof identities === 'object' && !Array.isArray(identities) ? Object.keys(identities) : [];
    expect(keys).toHaveLength(1);
    const identityParameter = /^\[format\('\{0\}', parameters\('(\w+)'\)\)\]$|^\[parameters\('(\w+)'\)\]$/.exec(
      keys[0] ?? '',
    );
    const identityId = `[parameters('${identityParameter?.[1] ?? identityParameter?.[2] ?? ''}')]`;
    expect(traced(app, identityId)).toBe(`${identityModule()}.outputs.id`);
    expect(at(app, 'properties.functionAppConfig.deployment.storage.authentication.type')).toBe('UserAssignedIdentity');
    expect(
      at(app, 'properties.functionAppConfig.deployment.storage.authentication.userAssignedIdentityResourceId'),
    ).toBe(identityId);
  });

  it('is tagged for the azd service `api`', () => {
    const app = site();
    const tags = templateText(at(app, 'tags'));
    const tag = /createObject\('azd-service-name', (parameters\('\w+'\)|'[^']*')\)/.exec(tags)?.[1] ?? '';
    const value = tag.startsWith("'") ? tag.slice(1, -1) : traced(app, `[${tag}]`);
    expect(value).toBe('api');
    expect(fs.readFileSync(path.join(repoRoot, 'azure.yaml'), 'utf8')).toMatch(
      /\n {2}api:\n(?: {4}.*\n)*? {4}host: function\n/,
    );
  });
});

describeCompiled('infra: host storage and monitoring', () => {
  it('storage account: no shared keys, no public blobs, TLS 1.2, HTTPS only', () => {
    const storage = theResource('Microsoft.Storage/storageAccounts');
    expect(at(storage, 'properties.allowSharedKeyAccess')).toBe(false);
    expect(at(storage, 'properties.allowBlobPublicAccess')).toBe(false);
    expect(at(storage, 'properties.minimumTlsVersion')).toBe('TLS1_2');
    expect(at(storage, 'properties.supportsHttpsTrafficOnly')).toBe(true);
  });

  it('the host reaches storage and Application Insights by identity only', () => {
    const settings = appSettings();
    const app = site();
    expect(settings.get('AzureWebJobsStorage__credential')).toBe('managedidentity');
    // AzureWebJobsStorage__accountName names the storage account that the storage module hardens.
    const storage = theResource('Microsoft.Storage/storageAccounts');
    expect(traced(app, settings.get('AzureWebJobsStorage__accountName'))).toBe(`${storage.module}.outputs.name`);
    expect(storage.template.outputs?.name?.value).toBe(storage.resource.name);
    const clientId = settings.get('AzureWebJobsStorage__clientId');
    expect(traced(app, clientId)).toBe(`${identityModule()}.outputs.clientId`);
    expect(settings.get('AZURE_CLIENT_ID')).toBe(clientId);
    const clientIdParameter = PARAMETER.exec(templateText(clientId))?.[1];
    expect(settings.get('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')).toBe(
      `[format('ClientId={0};Authorization=AAD', parameters('${clientIdParameter}'))]`,
    );
    expect(settings.get('APPLICATIONINSIGHTS_CONNECTION_STRING')).toMatch(
      /^\[reference\(resourceId\('Microsoft\.Insights\/components', .*\)\.ConnectionString\]$/,
    );
    for (const name of FORBIDDEN_IN_AZURE)
      expect({ name, present: settings.has(name) }).toEqual({ name, present: false });
    // Settings live in the appsettings resource only: a siteConfig.appSettings list would be replaced by it.
    expect(at(app, 'properties.siteConfig.appSettings')).toBeUndefined();
  });

  it('Application Insights: local (key) authentication disabled, workspace-based', () => {
    const appInsights = theResource('Microsoft.Insights/components');
    expect(at(appInsights, 'properties.DisableLocalAuth')).toBe(true);
    const workspace = theResource('Microsoft.OperationalInsights/workspaces');
    expect(workspace.template).toBe(appInsights.template);
    expect(at(appInsights, 'properties.WorkspaceResourceId')).toBe(resourceIdOf(workspace));
  });

  it('grants the app identity exactly Storage Blob Data Owner (storage) and Monitoring Metrics Publisher (App Insights)', () => {
    const identity = `${identityModule()}.outputs.principalId`;
    const assignments = resources('Microsoft.Authorization/roleAssignments').map((ra) => {
      const role = withVariables(ra.template, templateText(at(ra, 'properties.roleDefinitionId')));
      const ids = [...new Set(role.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi) ?? [])];
      if (ids.length !== 1) throw new Error(`cannot tell the role of role assignment ${ra.resource.name}: ${role}`);
      expect(role).toMatch(/^\[subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions', /);
      return {
        role: (ids[0] as string).toLowerCase(),
        scope: ra.resource.scope,
        principal: traced(ra, at(ra, 'properties.principalId')),
        principalType: at(ra, 'properties.principalType'),
        condition: ra.resource.condition,
      };
    });
    const storage = theResource('Microsoft.Storage/storageAccounts');
    const appInsights = theResource('Microsoft.Insights/components');
    expect(assignments).toEqual(
      expect.arrayContaining([
        {
          role: STORAGE_BLOB_DATA_OWNER,
          scope: resourceIdOf(storage),
          principal: identity,
          principalType: 'ServicePrincipal',
          condition: undefined,
        },
        {
          role: MONITORING_METRICS_PUBLISHER,
          scope: resourceIdOf(appInsights),
          principal: identity,
          principalType: 'ServicePrincipal',
          condition: undefined,
        },
      ]),
    );
    // Least privilege: no queue, table, contributor or owner roles anywhere.
    expect(new Set(assignments.map((a) => a.role))).toEqual(
      new Set([STORAGE_BLOB_DATA_OWNER, MONITORING_METRICS_PUBLISHER]),
    );
  });
});

describeCompiled('infra: Cosmos DB', () => {
  it('account: keys disabled for data and metadata, TLS 1.2, serverless by default', () => {
    const account = theResource('Microsoft.DocumentDB/databaseAccounts');
    expect(at(account, 'properties.disableLocalAuth')).toBe(true);
    expect(at(account, 'properties.disableKeyBasedMetadataWriteAccess')).toBe(true);
    expect(at(account, 'properties.minimalTlsVersion')).toBe('Tls12');
    const capabilities = templateText(at(account, 'properties.capabilities'));
    expect(capabilities).toContain("createObject('name', 'EnableServerless')");
    const mode = /equals\((parameters\('\w+'\)), 'serverless'\)/.exec(capabilities)?.[1] ?? '';
    expect(mainDefault(traced(account, `[${mode}]`))).toBe('serverless');
  });

  it('database and containers: contract names, hash partitioning (/userId; /id for SMS sign-in numbers), the shared indexing policy', () => {
    const database = theResource('Microsoft.DocumentDB/databaseAccounts/sqlDatabases');
    const lastParameter = (name: string): string =>
      `[parameters('${/parameters\('(\w+)'\)\)\]$/.exec(name)?.[1] ?? ''}')]`;
    expect(mainDefault(traced(database, lastParameter(database.resource.name)))).toBe('graph-phones');

    const sharedPolicy = JSON.parse(fs.readFileSync(indexingPolicyFile, 'utf8')) as Json;
    const containers = resources('Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers').map((c) => {
      const nameParameter = lastParameter(c.resource.name);
      const policy = templateText(at(c, 'properties.resource.indexingPolicy'));
      const policyVariable = /^\[variables\('([^']+)'\)\]$/.exec(policy)?.[1];
      return {
        name: mainDefault(traced(c, nameParameter)),
        id: at(c, 'properties.resource.id'),
        idIsName: at(c, 'properties.resource.id') === nameParameter,
        partitionKey: at(c, 'properties.resource.partitionKey'),
        indexingPolicy: policyVariable ? variable(c.template, policyVariable) : policy,
      };
    });
    const expected = (name: string, keyPath: string) => ({
      name,
      id: expect.any(String) as unknown,
      idIsName: true,
      partitionKey: { paths: [keyPath], kind: 'Hash', version: 2 },
      indexingPolicy: sharedPolicy,
    });
    expect(containers.sort((a, b) => templateText(a.name).localeCompare(templateText(b.name)))).toEqual([
      expected('phoneMethods', '/userId'),
      expected('profilePhones', '/userId'),
      expected('smsSignInNumbers', '/id'),
    ]);
    // The compiled policy is the file itself, loaded at compile time: one definition for infra and bootstrap.
    const cosmosSource = fs.readFileSync(
      path.join(infraDir, moduleFile(theResource('Microsoft.DocumentDB/databaseAccounts').module ?? '')),
      'utf8',
    );
    const loaded = /loadJsonContent\('([^']+)'\)/.exec(cosmosSource)?.[1] ?? '';
    expect(path.resolve(infraDir, 'modules', loaded)).toBe(indexingPolicyFile);
  });

  it('grants the built-in Data Contributor role to the app identity (and only to the optional user besides)', () => {
    const account = theResource('Microsoft.DocumentDB/databaseAccounts');
    const assignments = resources('Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments');
    expect(assignments.length).toBeGreaterThanOrEqual(1);
    for (const ra of assignments) {
      expect(templateText(at(ra, 'properties.roleDefinitionId'))).toMatch(
        new RegExp(
          `^\\[resourceId\\('Microsoft\\.DocumentDB/databaseAccounts/sqlRoleDefinitions', .*'${COSMOS_DATA_CONTRIBUTOR}'\\)\\]$`,
        ),
      );
      expect(at(ra, 'properties.scope')).toBe(resourceIdOf(account));
    }
    const app = assignments.filter(
      (ra) => traced(ra, at(ra, 'properties.principalId')) === `${identityModule()}.outputs.principalId`,
    );
    expect(app).toHaveLength(1);
    expect((app[0] as Located).resource.condition).toBeUndefined();
    for (const other of assignments.filter((ra) => !app.includes(ra))) {
      // The deploying user's assignment exists only when a principal id is given, and only if asked for.
      const principal = templateText(at(other, 'properties.principalId'));
      expect(other.resource.condition).toBe(`[not(empty(${/^\[(.*)\]$/.exec(principal)?.[1] ?? ''}))]`);
      const argument = templateText(traced(other, principal));
      expect(argument).toMatch(
        /^(param:principalId|\[if\(parameters\('grantDeployerDataAccess'\), createObject\('value', parameters\('principalId'\)\), createObject\('value', ''\)\)\])$/,
      );
    }
  });
});

describeCompiled('infra: configuration names', () => {
  const service = (names: Iterable<string>): string[] => [...names].filter((n) => !isPlatformSetting(n)).sort();

  it('the function app sets every service variable except the local-only ones, and nothing else', () => {
    const expected = configVariableNames.filter((n) => !LOCAL_ONLY.has(n)).sort();
    expect(service(appSettings().keys())).toEqual(expected);
  });

  it('AUTH_ISSUER and AUTH_JWKS_URI are empty by default and AUTH_TENANT_ID defaults to the deployment tenant', () => {
    const settings = appSettings();
    const app = site();
    for (const name of ['AUTH_ISSUER', 'AUTH_JWKS_URI']) {
      expect({ name, default: mainDefault(traced(app, settings.get(name))) }).toEqual({ name, default: '' });
    }
    expect(templateText(traced(app, settings.get('AUTH_TENANT_ID')))).toContain('tenant().tenantId');
    expect(traced(app, settings.get('AUTH_AUDIENCE'))).toBe('param:authAudience');
    expect(mainTemplate().parameters?.authAudience?.defaultValue).toBeUndefined();
  });

  it('new settings: SMS sign-in numbers container, profile phone quota (100) and PUBLIC_BASE_URL = https://<default host name>', () => {
    const settings = appSettings();
    const app = site();
    const cosmosModule = theResource('Microsoft.DocumentDB/databaseAccounts').module;
    expect(traced(app, settings.get('COSMOS_SMS_SIGN_IN_NUMBERS_CONTAINER'))).toBe(
      `${cosmosModule}.outputs.smsSignInNumbersContainerName`,
    );
    const quota =
      /^\[string\((parameters\('\w+'\))\)\]$/.exec(templateText(settings.get('MAX_PROFILE_PHONES_PER_USER')))?.[1] ??
      '';
    expect(mainDefault(traced(app, `[${quota}]`))).toBe(100);
    const appName = /^\[(.*)\]$/.exec(app.resource.name)?.[1] ?? '';
    const defaultHost = `format('https://{0}', reference(resourceId('Microsoft.Web/sites', ${appName}), '${app.resource.apiVersion}').defaultHostName)`;
    const publicBaseUrl = templateText(settings.get('PUBLIC_BASE_URL'));
    const override = /^\[if\(empty\((parameters\('\w+'\))\), (.*), (parameters\('\w+'\))\)\]$/.exec(publicBaseUrl);
    expect({ default: override?.[2], sameParameter: override?.[1] === override?.[3] }).toEqual({
      default: defaultHost,
      sameParameter: true,
    });
    expect(mainDefault(traced(app, `[${override?.[1] ?? ''}]`))).toBe('');
  });

  it('local.settings.sample.json lists every service variable plus the local host settings', () => {
    if (!fs.existsSync(localSettingsSampleFile)) {
      throw new Error(
        'local.settings.sample.json is missing at the repository root: it must list every name of configVariableNames (shared/config.ts) plus FUNCTIONS_WORKER_RUNTIME and AzureWebJobsStorage in "Values"',
      );
    }
    const sample = JSON.parse(fs.readFileSync(localSettingsSampleFile, 'utf8')) as { Values?: Record<string, unknown> };
    const names = Object.keys(sample.Values ?? {});
    expect(names).toEqual(
      expect.arrayContaining([...configVariableNames, 'FUNCTIONS_WORKER_RUNTIME', 'AzureWebJobsStorage']),
    );
    expect(service(names)).toEqual([...configVariableNames].sort());
    // Bicep and the sample agree on every service name that applies in Azure.
    expect(service(appSettings().keys()).every((n) => names.includes(n))).toBe(true);
  });

  it('main.parameters.json only sets parameters main.bicep declares, with the azd variables', () => {
    const file = JSON.parse(fs.readFileSync(path.join(infraDir, 'main.parameters.json'), 'utf8')) as {
      parameters: Record<string, { value: unknown }>;
    };
    const declared = mainTemplate().parameters ?? {};
    for (const name of Object.keys(file.parameters))
      expect({ name, declared: name in declared }).toEqual({ name, declared: true });
    expect(file.parameters.environmentName?.value).toBe('${AZURE_ENV_NAME}');
    expect(file.parameters.location?.value).toBe('${AZURE_LOCATION}');
    expect(file.parameters.principalId?.value).toBe('${AZURE_PRINCIPAL_ID}');
    // Every main.bicep parameter without a default must be supplied.
    for (const [name, p] of Object.entries(declared)) {
      if (p.defaultValue === undefined)
        expect({ name, supplied: name in file.parameters }).toEqual({ name, supplied: true });
    }
  });
});
