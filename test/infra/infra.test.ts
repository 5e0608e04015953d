/**
 * Static checks of the infrastructure code (infra/*.bicep) against the security baseline and against
 * the service's configuration contract. No Bicep CLI is needed: the test parses the Bicep declarations
 * it relies on (resources, modules, params, vars and their object/array bodies) and checks each
 * property inside the resource it belongs to, so a property that is missing, wrong, set from a
 * parameter, or written elsewhere in the file makes the check fail.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { configVariableNames } from '../../shared/config';

const repoRoot = path.resolve(__dirname, '..', '..');
const infraDir = path.join(repoRoot, 'infra');
const mainFile = path.join(infraDir, 'main.bicep');
const indexingPolicyFile = path.join(repoRoot, 'shared', 'storage', 'indexingPolicy.json');
const localSettingsSampleFile = path.join(repoRoot, 'local.settings.sample.json');

// ---------------------------------------------------------------------------------------------
// A small parser for the subset of Bicep this repository uses.
// ---------------------------------------------------------------------------------------------

type BicepValue =
  | { kind: 'object'; props: Map<string, BicepValue>; text: string }
  | { kind: 'array'; items: BicepValue[]; text: string }
  | { kind: 'expr'; text: string };

interface Declaration {
  file: string;
  keyword: 'resource' | 'module';
  symbol: string;
  /** Resource type (without the API version) or module path. */
  target: string;
  apiVersion?: string;
  existing: boolean;
  /** Text of the `if (...)` condition, when the declaration is conditional. */
  condition?: string;
  loop: boolean;
  body: Extract<BicepValue, { kind: 'object' }>;
}

interface BicepFile {
  file: string;
  source: string;
  declarations: Declaration[];
  params: Map<string, { type: string; defaultText?: string }>;
  vars: Map<string, string>;
}

const closers: Record<string, string> = { '{': '}', '[': ']', '(': ')' };

function fail(file: string, source: string, index: number, message: string): never {
  const line = source.slice(0, index).split('\n').length;
  throw new Error(`${path.relative(repoRoot, file)}:${line}: ${message}`);
}

/** `i` is at a `'`; returns the index after the closing quote (handles escapes and `${...}`). */
function skipString(file: string, src: string, i: number): number {
  if (src.startsWith("'''", i)) {
    const end = src.indexOf("'''", i + 3);
    if (end < 0) fail(file, src, i, 'unterminated multi-line string');
    return end + 3;
  }
  let j = i + 1;
  while (j < src.length) {
    const c = src[j];
    if (c === '\\') {
      j += 2;
    } else if (c === "'") {
      return j + 1;
    } else if (c === '$' && src[j + 1] === '{') {
      j = skipBalanced(file, src, j + 1);
    } else if (c === '\n') {
      fail(file, src, i, 'unterminated string');
    } else {
      j += 1;
    }
  }
  return fail(file, src, i, 'unterminated string');
}

/** Returns the index after a comment starting at `i`, or `i` when there is none. */
function skipComment(src: string, i: number): number {
  if (src.startsWith('//', i)) {
    const end = src.indexOf('\n', i);
    return end < 0 ? src.length : end;
  }
  if (src.startsWith('/*', i)) {
    const end = src.indexOf('*/', i + 2);
    return end < 0 ? src.length : end + 2;
  }
  return i;
}

/** `i` is at `{`, `[` or `(`; returns the index after the matching closer. */
function skipBalanced(file: string, src: string, i: number): number {
  const stack: string[] = [];
  let j = i;
  while (j < src.length) {
    const c = src[j] ?? '';
    const afterComment = skipComment(src, j);
    if (afterComment !== j) {
      j = afterComment;
      continue;
    }
    if (c === "'") {
      j = skipString(file, src, j);
      continue;
    }
    if (c in closers) {
      stack.push(closers[c] ?? '');
    } else if (c === '}' || c === ']' || c === ')') {
      if (stack.pop() !== c) fail(file, src, j, `unbalanced '${c}'`);
      if (stack.length === 0) return j + 1;
    }
    j += 1;
  }
  return fail(file, src, i, `no closing bracket for '${src[i] ?? ''}'`);
}

/** Skips spaces, newlines, commas and comments. */
function skipTrivia(src: string, i: number): number {
  let j = i;
  for (;;) {
    const afterComment = skipComment(src, j);
    if (afterComment !== j) {
      j = afterComment;
    } else if (j < src.length && /[\s,]/.test(src[j] ?? '')) {
      j += 1;
    } else {
      return j;
    }
  }
}

/**
 * The end of the expression starting at `i`: the first newline, comma, comment or unmatched closer at
 * bracket depth 0, except that a following line starting with `?`, `:`, `.`, `&&` or `||` continues
 * a multi-line expression.
 */
function scanExpression(file: string, src: string, i: number): number {
  let j = i;
  while (j < src.length) {
    const c = src[j] ?? '';
    if (src.startsWith('//', j) || src.startsWith('/*', j)) return j;
    if (c === "'") {
      j = skipString(file, src, j);
    } else if (c in closers) {
      j = skipBalanced(file, src, j);
    } else if (c === ',' || c === '}' || c === ']' || c === ')') {
      return j;
    } else if (c === '\n' || c === '\r') {
      const next = src.slice(j).match(/^\s*/)?.[0].length ?? 0;
      const rest = src.slice(j + next);
      if (/^(\?|:(?!:)|\.|&&|\|\|)/.test(rest)) {
        j += next;
      } else {
        return j;
      }
    } else {
      j += 1;
    }
  }
  return j;
}

function parseValue(file: string, src: string, start: number, end: number): BicepValue {
  let s = start;
  let e = end;
  while (s < e && /\s/.test(src[s] ?? '')) s += 1;
  while (e > s && /\s/.test(src[e - 1] ?? '')) e -= 1;
  const text = src.slice(s, e);
  const c = src[s] ?? '';
  if ((c === '{' || c === '[') && skipBalanced(file, src, s) === e && !/^\[\s*for\b/.test(text)) {
    return c === '{' ? parseObject(file, src, s) : parseArray(file, src, s);
  }
  return { kind: 'expr', text };
}

/** `i` is at `{`. */
function parseObject(file: string, src: string, i: number): Extract<BicepValue, { kind: 'object' }> {
  const end = skipBalanced(file, src, i);
  const props = new Map<string, BicepValue>();
  let j = i + 1;
  for (;;) {
    j = skipTrivia(src, j);
    if (j >= end - 1) break;
    let key: string;
    if (src[j] === "'") {
      const keyEnd = skipString(file, src, j);
      key = src.slice(j + 1, keyEnd - 1);
      j = keyEnd;
    } else {
      const match = /^[A-Za-z_$][\w$]*/.exec(src.slice(j, end));
      if (!match) fail(file, src, j, 'expected a property name');
      key = match[0];
      j += key.length;
    }
    while (src[j] === ' ' || src[j] === '\t') j += 1;
    if (src[j] !== ':') fail(file, src, j, `expected ':' after '${key}'`);
    j += 1;
    while (src[j] === ' ' || src[j] === '\t') j += 1;
    const valueEnd = scanExpression(file, src, j);
    if (props.has(key)) fail(file, src, j, `property '${key}' is set twice`);
    props.set(key, parseValue(file, src, j, valueEnd));
    j = valueEnd;
  }
  return { kind: 'object', props, text: src.slice(i, end) };
}

/** `i` is at `[`. */
function parseArray(file: string, src: string, i: number): Extract<BicepValue, { kind: 'array' }> {
  const end = skipBalanced(file, src, i);
  const items: BicepValue[] = [];
  let j = i + 1;
  for (;;) {
    j = skipTrivia(src, j);
    if (j >= end - 1) break;
    const itemEnd = scanExpression(file, src, j);
    items.push(parseValue(file, src, j, itemEnd));
    j = itemEnd;
  }
  return { kind: 'array', items, text: src.slice(i, end) };
}

const fileCache = new Map<string, BicepFile>();

function loadBicep(file: string): BicepFile {
  const cached = fileCache.get(file);
  if (cached) return cached;
  if (!fs.existsSync(file)) throw new Error(`missing ${path.relative(repoRoot, file)}`);
  const source = fs.readFileSync(file, 'utf8').replace(/\r\n/g, '\n');
  const declarations: Declaration[] = [];
  const params = new Map<string, { type: string; defaultText?: string }>();
  const vars = new Map<string, string>();

  // Walk the top level only: skip strings, comments and bracketed bodies between statements.
  let i = 0;
  while (i < source.length) {
    i = skipTrivia(source, i);
    if (i >= source.length) break;
    const rest = source.slice(i);
    const decl =
      /^(resource|module)\s+(\w+)\s+'([^'@]+)(?:@([^']+))?'\s*(existing\s*)?=\s*(\[\s*for\s[^:]+:\s*)?(?:if\s*\(([^\n]*)\)\s*)?\{/.exec(rest);
    const param = /^param\s+(\w+)\s+([\w.]+)(?:[ \t]*=[ \t]*)?/.exec(rest);
    const variable = /^var\s+(\w+)\s*=\s*/.exec(rest);
    if (decl) {
      const bodyStart = i + decl[0].length - 1;
      const body = parseObject(file, source, bodyStart);
      declarations.push({
        file,
        keyword: decl[1] as 'resource' | 'module',
        symbol: decl[2] ?? '',
        target: decl[3] ?? '',
        apiVersion: decl[4],
        existing: decl[5] !== undefined,
        loop: decl[6] !== undefined,
        condition: decl[7]?.trim(),
        body,
      });
      i = bodyStart + body.text.length;
      if (decl[6] !== undefined) i = skipTrivia(source, i) + 1; // the loop's closing ']'
    } else if (param) {
      const valueStart = i + param[0].length;
      const hasDefault = /=\s*$/.test(param[0]);
      const end = hasDefault ? scanExpression(file, source, valueStart) : valueStart;
      params.set(param[1] ?? '', {
        type: param[2] ?? '',
        defaultText: hasDefault ? source.slice(valueStart, end).trim() : undefined,
      });
      i = Math.max(end, i + 1);
    } else if (variable) {
      const valueStart = i + variable[0].length;
      const end = scanExpression(file, source, valueStart);
      vars.set(variable[1] ?? '', source.slice(valueStart, end).trim());
      i = end;
    } else {
      // Anything else (targetScope, decorators, outputs, metadata): skip to the end of the statement.
      const c = source[i] ?? '';
      if (c === "'") i = skipString(file, source, i);
      else if (c in closers) i = skipBalanced(file, source, i);
      else if (c === '@') i = scanExpression(file, source, i + 1);
      else i = scanExpression(file, source, i) === i ? i + 1 : scanExpression(file, source, i);
    }
  }
  const parsed: BicepFile = { file, source, declarations, params, vars };
  fileCache.set(file, parsed);
  return parsed;
}

function allBicepFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return allBicepFiles(full);
      return entry.name.endsWith('.bicep') ? [full] : [];
    })
    .sort();
}

/** The Bicep files deployed by main.bicep: main plus every module it references, transitively. */
function deployedFiles(): BicepFile[] {
  const seen = new Map<string, BicepFile>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    const parsed = loadBicep(file);
    seen.set(file, parsed);
    for (const decl of parsed.declarations) {
      if (decl.keyword === 'module' && !decl.target.startsWith('br:') && !decl.target.startsWith('br/')) {
        visit(path.resolve(path.dirname(file), decl.target));
      }
    }
  };
  visit(mainFile);
  return [...seen.values()];
}

function resources(type: string): Declaration[] {
  return deployedFiles()
    .flatMap((f) => f.declarations)
    .filter((d) => d.keyword === 'resource' && !d.existing && d.target.toLowerCase() === type.toLowerCase());
}

function theResource(type: string): Declaration {
  const found = resources(type);
  if (found.length !== 1) {
    throw new Error(`expected exactly one ${type} resource in the deployed Bicep, found ${found.length}`);
  }
  return found[0] as Declaration;
}

function get(value: BicepValue | undefined, dotted: string): BicepValue | undefined {
  let current = value;
  for (const key of dotted.split('.')) {
    if (current?.kind !== 'object') return undefined;
    current = current.props.get(key);
  }
  return current;
}

/** A literal string, bool or int; anything computed (a parameter, a function call) is `undefined`. */
function literal(value: BicepValue | undefined): string | boolean | number | undefined {
  if (value?.kind !== 'expr') return undefined;
  const text = value.text;
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^-?\d+$/.test(text)) return Number(text);
  const str = /^'((?:[^'\\$]|\\.|\$(?!\{))*)'$/.exec(text);
  return str ? (str[1] ?? '').replace(/\\(.)/g, '$1') : undefined;
}

function prop(decl: Declaration, dotted: string): string | boolean | number | undefined {
  return literal(get(decl.body, dotted));
}

/** Text of an expression; a bare identifier naming a `var` of the same file is replaced by its value. */
function resolvedText(decl: Declaration, value: BicepValue | undefined): string {
  if (!value) return '';
  const text = value.text;
  const vars = loadBicep(decl.file).vars;
  return /^\w+$/.test(text) && vars.has(text) ? (vars.get(text) ?? '') : text;
}

/** The declaration in main.bicep of the module at `modulePath` (relative to infra/). */
function moduleCall(modulePath: string): Declaration {
  const calls = loadBicep(mainFile).declarations.filter(
    (d) => d.keyword === 'module' && path.resolve(infraDir, d.target) === path.resolve(infraDir, modulePath),
  );
  if (calls.length !== 1) throw new Error(`main.bicep must deploy ${modulePath} exactly once (found ${calls.length})`);
  return calls[0] as Declaration;
}

/** Expression main.bicep passes to the parameter `name` of the module at `modulePath`. */
function moduleArgument(modulePath: string, name: string): string {
  return get(moduleCall(modulePath).body, `params.${name}`)?.text ?? '';
}

/** The module-level `param` that a resource property reads, followed back to main.bicep's argument. */
function argumentFor(decl: Declaration, value: BicepValue | undefined): string {
  const text = value?.text ?? '';
  const modulePath = path.relative(infraDir, decl.file);
  if (decl.file === mainFile || !/^\w+$/.test(text) || !loadBicep(decl.file).params.has(text)) return text;
  return moduleArgument(modulePath, text);
}

function stripComments(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const afterComment = skipComment(source, i);
    if (afterComment !== i) {
      i = afterComment;
    } else if (source[i] === "'") {
      const end = skipString(source, source, i);
      out += source.slice(i, end);
      i = end;
    } else {
      out += source[i] ?? '';
      i += 1;
    }
  }
  return out;
}

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

function site(): Declaration {
  return theResource('Microsoft.Web/sites');
}

function appSettings(): Map<string, BicepValue | undefined> {
  const list = get(site().body, 'properties.siteConfig.appSettings');
  if (list?.kind !== 'array') {
    throw new Error('the function app must list its settings as a literal array in properties.siteConfig.appSettings');
  }
  const settings = new Map<string, BicepValue | undefined>();
  for (const item of list.items) {
    const name = literal(get(item, 'name'));
    if (typeof name !== 'string') throw new Error(`app setting without a literal name: ${item.text}`);
    if (settings.has(name)) throw new Error(`app setting ${name} is listed twice`);
    settings.set(name, get(item, 'value'));
  }
  return settings;
}

/** The identity module symbol in main.bicep, e.g. `identity` for `module identity 'modules/identity.bicep'`. */
function identityModule(): string {
  const identities = resources('Microsoft.ManagedIdentity/userAssignedIdentities');
  if (identities.length !== 1) throw new Error(`expected one user-assigned identity, found ${identities.length}`);
  return moduleCall(path.relative(infraDir, (identities[0] as Declaration).file)).symbol;
}

function roleAssignments(): Declaration[] {
  return resources('Microsoft.Authorization/roleAssignments');
}

function roleIdOf(decl: Declaration): string {
  const text = resolvedText(decl, get(decl.body, 'properties.roleDefinitionId'));
  const ids = [text, ...[...loadBicep(decl.file).vars.entries()].filter(([k]) => new RegExp(`\\b${k}\\b`).test(text)).map(([, v]) => v)]
    .join(' ')
    .match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi);
  if (!ids || new Set(ids.map((id) => id.toLowerCase())).size !== 1) {
    throw new Error(`cannot tell the role definition of role assignment ${decl.symbol}: ${text}`);
  }
  return (ids[0] as string).toLowerCase();
}

// ---------------------------------------------------------------------------------------------

describe('infra: Bicep files', () => {
  it('parse, and main.bicep deploys every module under infra/', () => {
    const deployed = new Set(deployedFiles().map((f) => f.file));
    for (const file of allBicepFiles(infraDir)) {
      loadBicep(file);
      expect({ file: path.relative(repoRoot, file), deployed: deployed.has(file) }).toEqual({
        file: path.relative(repoRoot, file),
        deployed: true,
      });
    }
  });

  it('use GA API versions (no -preview) on every resource', () => {
    const all = deployedFiles().flatMap((f) => f.declarations.filter((d) => d.keyword === 'resource'));
    expect(all.length).toBeGreaterThan(10);
    for (const decl of all) {
      expect(`${decl.target}@${decl.apiVersion ?? ''}`).toMatch(/@\d{4}-\d{2}-\d{2}$/);
    }
  });

  it('never read or emit keys or connection strings with secrets', () => {
    for (const f of deployedFiles()) {
      const code = stripComments(f.source);
      expect({ file: path.relative(repoRoot, f.file), hits: code.match(/\blist\w*\(|AccountKey=|primaryMasterKey|listConnectionStrings|InstrumentationKey=/g) }).toEqual({
        file: path.relative(repoRoot, f.file),
        hits: null,
      });
    }
  });
});

describe('infra: function app', () => {
  it('runs on the Flex Consumption plan (FC1) with Node.js 22 and blob deployment storage', () => {
    const plan = theResource('Microsoft.Web/serverfarms');
    expect(prop(plan, 'sku.name')).toBe('FC1');
    expect(prop(plan, 'sku.tier')).toBe('FlexConsumption');
    expect(prop(plan, 'properties.reserved')).toBe(true);
    const app = site();
    expect(prop(app, 'kind')).toBe('functionapp,linux');
    expect(get(app.body, 'properties.serverFarmId')?.text).toBe(`${plan.symbol}.id`);
    expect(prop(app, 'properties.functionAppConfig.runtime.name')).toBe('node');
    expect(prop(app, 'properties.functionAppConfig.runtime.version')).toBe('22');
    expect(prop(app, 'properties.functionAppConfig.deployment.storage.type')).toBe('blobContainer');
    expect(get(app.body, 'properties.functionAppConfig.scaleAndConcurrency.instanceMemoryMB')).toBeDefined();
    const alwaysReady = get(app.body, 'properties.functionAppConfig.scaleAndConcurrency.alwaysReady')?.text ?? '';
    expect(alwaysReady).toMatch(/name:\s*'http'/);
    // The always-ready count is a parameter whose default in main.bicep is 0 (scale to zero).
    const countParam = argumentFor(app, { kind: 'expr', text: /instanceCount:\s*(\w+)/.exec(alwaysReady)?.[1] ?? '' });
    expect(loadBicep(mainFile).params.get(countParam)?.defaultText).toBe('0');
  });

  it('is HTTPS only with TLS 1.2, FTP(S) disabled and remote debugging off', () => {
    const app = site();
    expect(prop(app, 'properties.httpsOnly')).toBe(true);
    expect(prop(app, 'properties.siteConfig.minTlsVersion')).toBe('1.2');
    expect(prop(app, 'properties.siteConfig.ftpsState')).toBe('Disabled');
    expect(prop(app, 'properties.siteConfig.remoteDebuggingEnabled')).toBe(false);
  });

  it('disables basic publishing credentials for both ftp and scm', () => {
    const app = site();
    const policies = resources('Microsoft.Web/sites/basicPublishingCredentialsPolicies');
    for (const name of ['ftp', 'scm']) {
      const matching = policies.filter((p) => prop(p, 'name') === name);
      expect({ name, count: matching.length }).toEqual({ name, count: 1 });
      const policy = matching[0] as Declaration;
      expect({ name, parent: get(policy.body, 'parent')?.text, condition: policy.condition, allow: prop(policy, 'properties.allow') }).toEqual({
        name,
        parent: app.symbol,
        condition: undefined,
        allow: false,
      });
    }
  });

  it('runs under the user-assigned identity, which also authenticates the deployment storage', () => {
    const app = site();
    expect(prop(app, 'identity.type')).toBe('UserAssigned');
    const identities = get(app.body, 'identity.userAssignedIdentities');
    expect(identities?.kind).toBe('object');
    const keys = identities?.kind === 'object' ? [...identities.props.keys()] : [];
    expect(keys).toHaveLength(1);
    const identityParam = /^\$\{(\w+)\}$/.exec(keys[0] ?? '')?.[1] ?? '';
    expect(prop(app, 'properties.functionAppConfig.deployment.storage.authentication.type')).toBe('UserAssignedIdentity');
    expect(get(app.body, 'properties.functionAppConfig.deployment.storage.authentication.userAssignedIdentityResourceId')?.text).toBe(identityParam);
    expect(argumentFor(app, { kind: 'expr', text: identityParam })).toBe(`${identityModule()}.outputs.id`);
  });

  it('is tagged for the azd service `api`', () => {
    const app = site();
    const tags = get(app.body, 'tags')?.text ?? '';
    const tagValue = /'azd-service-name':\s*('[^']*'|\w+)/.exec(tags)?.[1] ?? '';
    const value = tagValue.startsWith("'") ? tagValue.slice(1, -1) : literal({ kind: 'expr', text: argumentFor(app, { kind: 'expr', text: tagValue }) });
    expect(value).toBe('api');
    expect(fs.readFileSync(path.join(repoRoot, 'azure.yaml'), 'utf8')).toMatch(/\n {2}api:\n(?: {4}.*\n)*? {4}host: function\n/);
  });
});

describe('infra: host storage and monitoring', () => {
  it('storage account: no shared keys, no public blobs, TLS 1.2, HTTPS only', () => {
    const storage = theResource('Microsoft.Storage/storageAccounts');
    expect(prop(storage, 'properties.allowSharedKeyAccess')).toBe(false);
    expect(prop(storage, 'properties.allowBlobPublicAccess')).toBe(false);
    expect(prop(storage, 'properties.minimumTlsVersion')).toBe('TLS1_2');
    expect(prop(storage, 'properties.supportsHttpsTrafficOnly')).toBe(true);
  });

  it('the host reaches storage and Application Insights by identity only', () => {
    const settings = appSettings();
    const app = site();
    expect(literal(settings.get('AzureWebJobsStorage__credential'))).toBe('managedidentity');
    // AzureWebJobsStorage__accountName names the storage account that storage.bicep hardens.
    const existingStorage = storageInAppModule();
    expect(settings.get('AzureWebJobsStorage__accountName')?.text).toBe(`${existingStorage.symbol}.name`);
    const storageModule = moduleCall(path.relative(infraDir, theResource('Microsoft.Storage/storageAccounts').file)).symbol;
    expect(argumentFor(existingStorage, get(existingStorage.body, 'name'))).toBe(`${storageModule}.outputs.name`);
    const clientIdParam = settings.get('AzureWebJobsStorage__clientId')?.text ?? '';
    expect(argumentFor(app, { kind: 'expr', text: clientIdParam })).toBe(`${identityModule()}.outputs.clientId`);
    expect(settings.get('AZURE_CLIENT_ID')?.text).toBe(clientIdParam);
    expect(settings.get('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')?.text).toBe(`'ClientId=\${${clientIdParam}};Authorization=AAD'`);
    expect(settings.get('APPLICATIONINSIGHTS_CONNECTION_STRING')?.text).toMatch(/\.properties\.ConnectionString$/);
    for (const name of FORBIDDEN_IN_AZURE) expect({ name, present: settings.has(name) }).toEqual({ name, present: false });
  });

  it('Application Insights: local (key) authentication disabled, workspace-based', () => {
    const appInsights = theResource('Microsoft.Insights/components');
    expect(prop(appInsights, 'properties.DisableLocalAuth')).toBe(true);
    expect(get(appInsights.body, 'properties.WorkspaceResourceId')?.text).toBe(`${theResource('Microsoft.OperationalInsights/workspaces').symbol}.id`);
  });

  it('grants the app identity exactly Storage Blob Data Owner (storage) and Monitoring Metrics Publisher (App Insights)', () => {
    const assignments = roleAssignments().map((ra) => ({
      role: roleIdOf(ra),
      scope: get(ra.body, 'scope')?.text,
      principal: argumentFor(ra, get(ra.body, 'properties.principalId')),
      principalType: prop(ra, 'properties.principalType'),
      condition: ra.condition,
    }));
    const identity = `${identityModule()}.outputs.principalId`;
    expect(assignments).toEqual(
      expect.arrayContaining([
        { role: STORAGE_BLOB_DATA_OWNER, scope: theResource('Microsoft.Storage/storageAccounts').symbol, principal: identity, principalType: 'ServicePrincipal', condition: undefined },
        { role: MONITORING_METRICS_PUBLISHER, scope: theResource('Microsoft.Insights/components').symbol, principal: identity, principalType: 'ServicePrincipal', condition: undefined },
      ]),
    );
    // Least privilege: no queue, table, contributor or owner roles anywhere.
    expect(new Set(assignments.map((a) => a.role))).toEqual(new Set([STORAGE_BLOB_DATA_OWNER, MONITORING_METRICS_PUBLISHER]));
  });
});

/** The storage account as the function app module sees it (an `existing` reference). */
function storageInAppModule(): Declaration {
  const existing = loadBicep(site().file).declarations.filter(
    (d) => d.existing && d.target.toLowerCase() === 'microsoft.storage/storageaccounts',
  );
  if (existing.length !== 1) throw new Error('the function app module must reference the host storage account once');
  return existing[0] as Declaration;
}

describe('infra: Cosmos DB', () => {
  it('account: keys disabled for data and metadata, TLS 1.2, serverless by default', () => {
    const account = theResource('Microsoft.DocumentDB/databaseAccounts');
    expect(prop(account, 'properties.disableLocalAuth')).toBe(true);
    expect(prop(account, 'properties.disableKeyBasedMetadataWriteAccess')).toBe(true);
    expect(prop(account, 'properties.minimalTlsVersion')).toBe('Tls12');
    expect(get(account.body, 'properties.capabilities')?.text).toContain("'EnableServerless'");
    const modeParam = argumentFor(account, { kind: 'expr', text: /(\w+)\s*==\s*'serverless'/.exec(get(account.body, 'properties.capabilities')?.text ?? '')?.[1] ?? '' });
    expect(loadBicep(mainFile).params.get(modeParam)?.defaultText).toBe("'serverless'");
  });

  it('database and containers have the contract names, /userId hash partitioning and the shared indexing policy', () => {
    const mainDefaults = [...loadBicep(mainFile).params.values()].map((p) => p.defaultText);
    expect(mainDefaults).toEqual(expect.arrayContaining(["'graph-phones'", "'phoneMethods'", "'profilePhones'"]));
    const database = theResource('Microsoft.DocumentDB/databaseAccounts/sqlDatabases');
    expect(loadBicep(mainFile).params.get(argumentFor(database, get(database.body, 'name')))?.defaultText).toBe("'graph-phones'");

    const containers = resources('Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers');
    const names = containers.map((c) => loadBicep(mainFile).params.get(argumentFor(c, get(c.body, 'name')))?.defaultText).sort();
    expect(names).toEqual(["'phoneMethods'", "'profilePhones'"]);
    expect(fs.existsSync(indexingPolicyFile)).toBe(true);
    for (const c of containers) {
      const pk = get(c.body, 'properties.resource.partitionKey');
      const paths = get(pk, 'paths');
      expect({ container: c.symbol, paths: paths?.kind === 'array' ? paths.items.map((p) => literal(p)) : paths?.text, kind: literal(get(pk, 'kind')) }).toEqual({
        container: c.symbol,
        paths: ['/userId'],
        kind: 'Hash',
      });
      expect(get(c.body, 'properties.resource.id')?.text).toBe(get(c.body, 'name')?.text);
      const policy = resolvedText(c, get(c.body, 'properties.resource.indexingPolicy'));
      const loaded = /^loadJsonContent\('([^']+)'\)$/.exec(policy);
      expect({ container: c.symbol, indexingPolicy: policy, loadsFile: loaded ? path.resolve(path.dirname(c.file), loaded[1] ?? '') : null }).toEqual({
        container: c.symbol,
        indexingPolicy: policy,
        loadsFile: indexingPolicyFile,
      });
    }
  });

  it('grants the built-in Data Contributor role to the app identity (and only to the optional user besides)', () => {
    const assignments = resources('Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments');
    expect(assignments.length).toBeGreaterThanOrEqual(1);
    for (const ra of assignments) {
      expect(resolvedText(ra, get(ra.body, 'properties.roleDefinitionId'))).toContain(COSMOS_DATA_CONTRIBUTOR);
    }
    const app = assignments.filter((ra) => argumentFor(ra, get(ra.body, 'properties.principalId')) === `${identityModule()}.outputs.principalId`);
    expect(app).toHaveLength(1);
    expect((app[0] as Declaration).condition).toBeUndefined();
    for (const other of assignments.filter((ra) => !app.includes(ra))) {
      // The deploying user's assignment exists only when a principal id is given.
      const principal = get(other.body, 'properties.principalId')?.text ?? '';
      expect(other.condition).toBe(`!empty(${principal})`);
      expect(argumentFor(other, { kind: 'expr', text: principal })).toMatch(/^(grantDeployerDataAccess \? )?principalId( : '')?$/);
    }
  });
});

describe('infra: configuration names', () => {
  const service = (names: Iterable<string>): string[] => [...names].filter((n) => !isPlatformSetting(n)).sort();

  it('the function app sets every service variable except the local-only ones, and nothing else', () => {
    const expected = configVariableNames.filter((n) => !LOCAL_ONLY.has(n)).sort();
    expect(service(appSettings().keys())).toEqual(expected);
  });

  it('AUTH_ISSUER and AUTH_JWKS_URI are empty by default and AUTH_TENANT_ID defaults to the deployment tenant', () => {
    const settings = appSettings();
    const app = site();
    const mainParams = loadBicep(mainFile).params;
    for (const name of ['AUTH_ISSUER', 'AUTH_JWKS_URI']) {
      const arg = argumentFor(app, settings.get(name));
      expect({ name, default: mainParams.get(arg)?.defaultText }).toEqual({ name, default: "''" });
    }
    const tenantArg = argumentFor(app, settings.get('AUTH_TENANT_ID'));
    const tenantExpr = loadBicep(mainFile).vars.get(tenantArg) ?? tenantArg;
    expect(tenantExpr).toContain('tenant().tenantId');
    expect(mainParams.has(argumentFor(app, settings.get('AUTH_AUDIENCE')))).toBe(true);
  });

  it('local.settings.sample.json lists every service variable plus the local host settings', () => {
    if (!fs.existsSync(localSettingsSampleFile)) {
      throw new Error('local.settings.sample.json is missing at the repository root: it must list every name of configVariableNames (shared/config.ts) plus FUNCTIONS_WORKER_RUNTIME and AzureWebJobsStorage in "Values"');
    }
    const sample = JSON.parse(fs.readFileSync(localSettingsSampleFile, 'utf8')) as { Values?: Record<string, unknown> };
    const names = Object.keys(sample.Values ?? {});
    expect(names).toEqual(expect.arrayContaining([...configVariableNames, 'FUNCTIONS_WORKER_RUNTIME', 'AzureWebJobsStorage']));
    expect(service(names)).toEqual([...configVariableNames].sort());
    // Bicep and the sample agree on every service name that applies in Azure.
    expect(service(appSettings().keys()).every((n) => names.includes(n))).toBe(true);
  });

  it('main.parameters.json only sets parameters main.bicep declares, with the azd variables', () => {
    const file = JSON.parse(fs.readFileSync(path.join(infraDir, 'main.parameters.json'), 'utf8')) as {
      parameters: Record<string, { value: unknown }>;
    };
    const declared = loadBicep(mainFile).params;
    for (const name of Object.keys(file.parameters)) expect({ name, declared: declared.has(name) }).toEqual({ name, declared: true });
    expect(file.parameters.environmentName?.value).toBe('${AZURE_ENV_NAME}');
    expect(file.parameters.location?.value).toBe('${AZURE_LOCATION}');
    expect(file.parameters.principalId?.value).toBe('${AZURE_PRINCIPAL_ID}');
    // Every main.bicep parameter without a default must be supplied.
    for (const [name, p] of declared) {
      if (p.defaultText === undefined) expect({ name, supplied: name in file.parameters }).toEqual({ name, supplied: true });
    }
  });
});
