/**
 * The compiled ARM templates of infra/ and the queries the infra tests ask of them: finding the Bicep
 * CLI, compiling every .bicep file, and reading resources, values, parameters and variables out of the
 * compiled JSON (following module parameters and variables back to where a value comes from).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const infraDir = path.join(repoRoot, 'infra');

// ---------------------------------------------------------------------------------------------
// Finding and running the Bicep CLI
// ---------------------------------------------------------------------------------------------

interface BicepCli {
  /** How it was found, for messages. */
  description: string;
  build(file: string, outfile: string): SpawnSyncReturns<string>;
  lint(file: string): SpawnSyncReturns<string>;
}

function run(command: string, args: string[]): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd: repoRoot, encoding: 'utf8', timeout: 180_000 });
}

export function findBicep(): BicepCli | undefined {
  const direct = (command: string, description: string): BicepCli => ({
    description,
    build: (file, outfile) => run(command, ['build', file, '--outfile', outfile]),
    lint: (file) => run(command, ['lint', file]),
  });
  const fromEnv = process.env.BICEP_PATH;
  if (fromEnv) {
    // An explicit path that does not work is a mistake to report, not a reason to look elsewhere.
    const version = run(fromEnv, ['--version']);
    if (version.status !== 0)
      throw new Error(`BICEP_PATH=${fromEnv} does not run: ${version.error?.message ?? version.stderr}`);
    return direct(fromEnv, `BICEP_PATH (${version.stdout.trim()})`);
  }
  const onPath = run('bicep', ['--version']);
  if (onPath.status === 0) return direct('bicep', `bicep on PATH (${onPath.stdout.trim()})`);
  const az = run('az', ['bicep', 'version']);
  if (az.status === 0) {
    return {
      description: `az bicep (${az.stdout.trim()})`,
      build: (file, outfile) => run('az', ['bicep', 'build', '--file', file, '--outfile', outfile]),
      lint: (file) => run('az', ['bicep', 'lint', '--file', file]),
    };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The compiled templates
// ---------------------------------------------------------------------------------------------

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** A template value as text: an ARM expression is a string; any other value is shown as JSON. */
export const templateText = (value: Json | undefined): string =>
  typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined');

interface ArmParameter {
  type: string;
  defaultValue?: Json;
}

interface ArmResource {
  type: string;
  apiVersion: string;
  name: string;
  condition?: string;
  scope?: string;
  dependsOn?: string[];
  kind?: string;
  sku?: JsonObject;
  tags?: Json;
  identity?: JsonObject;
  properties?: JsonObject;
}

interface ArmTemplate {
  metadata?: { _generator?: { templateHash?: string } };
  parameters?: Record<string, ArmParameter>;
  variables?: Record<string, Json>;
  resources: ArmResource[];
  outputs?: Record<string, { type: string; value: Json }>;
}

/** A resource together with the template it is declared in (main, or a module's nested template). */
export interface Located {
  resource: ArmResource;
  template: ArmTemplate;
  /** The module deployment's name in main.bicep (e.g. `cosmos`); undefined for main.bicep itself. */
  module?: string;
}

const DEPLOYMENTS = 'Microsoft.Resources/deployments';

interface Compiled {
  main: ArmTemplate;
  /** Every .bicep file under infra/ (relative to infra/), compiled on its own. */
  files: Map<string, ArmTemplate>;
  buildOutput: string;
  lintOutput: string;
}

let compiled: Compiled | undefined;

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

function compileAll(cli: BicepCli): Compiled {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'graph-phones-bicep-'));
  try {
    const files = new Map<string, ArmTemplate>();
    let buildOutput = '';
    for (const file of allBicepFiles(infraDir)) {
      const relative = path.relative(infraDir, file);
      const outfile = path.join(outDir, relative.replace(/\.bicep$/, '.json'));
      fs.mkdirSync(path.dirname(outfile), { recursive: true });
      const result = cli.build(file, outfile);
      if (result.status !== 0) {
        throw new Error(
          `${cli.description}: bicep build ${relative} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stdout}${result.stderr}`,
        );
      }
      buildOutput += result.stdout + result.stderr;
      files.set(relative.split(path.sep).join('/'), JSON.parse(fs.readFileSync(outfile, 'utf8')) as ArmTemplate);
    }
    const lint = cli.lint(path.join(infraDir, 'main.bicep'));
    if (lint.status !== 0 && lint.stdout === '' && lint.stderr === '') {
      throw new Error(`${cli.description}: bicep lint failed: ${lint.error?.message ?? `exit ${lint.status}`}`);
    }
    const main = files.get('main.bicep');
    if (!main) throw new Error('infra/main.bicep is missing');
    return { main, files, buildOutput, lintOutput: lint.stdout + lint.stderr };
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

/** Compiles every Bicep file with `cli`; the queries below read the result. */
export function compileInfra(cli: BicepCli): void {
  compiled = compileAll(cli);
}

export function theCompiled(): Compiled {
  if (!compiled) throw new Error('the Bicep files were not compiled');
  return compiled;
}

export function mainTemplate(): ArmTemplate {
  return theCompiled().main;
}

/** Module deployments of main.bicep by name. */
export function modules(): Map<string, { resource: ArmResource; template: ArmTemplate }> {
  const found = new Map<string, { resource: ArmResource; template: ArmTemplate }>();
  for (const resource of mainTemplate().resources) {
    if (resource.type !== DEPLOYMENTS) continue;
    const template = (resource.properties?.template ?? null) as unknown as ArmTemplate | null;
    if (!template) throw new Error(`module ${resource.name} has no nested template`);
    found.set(resource.name, { resource, template });
  }
  return found;
}

/** Every resource main.bicep deploys, through its modules (one level: the modules deploy no modules). */
export function allResources(): Located[] {
  const located: Located[] = mainTemplate().resources.map((resource) => ({ resource, template: mainTemplate() }));
  for (const [name, { template }] of modules()) {
    for (const resource of template.resources) located.push({ resource, template, module: name });
  }
  return located;
}

export function resources(type: string): Located[] {
  return allResources().filter((r) => r.resource.type.toLowerCase() === type.toLowerCase());
}

export function theResource(type: string): Located {
  const found = resources(type);
  if (found.length !== 1)
    throw new Error(`expected exactly one ${type} resource in the compiled template, found ${found.length}`);
  return found[0] as Located;
}

/** The value at a dotted path of a resource (e.g. `properties.siteConfig.minTlsVersion`). */
export function at(located: Located, dotted: string): Json | undefined {
  let current: Json | undefined = located.resource as unknown as Json;
  for (const key of dotted.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = current[key];
  }
  return current;
}

export const PARAMETER = /^\[parameters\('(\w+)'\)\]$/;

/** The expression main.bicep passes as parameter `name` of module `module`. */
function moduleArgument(module: string, name: string): Json | undefined {
  const deployment = modules().get(module);
  if (!deployment) throw new Error(`main.bicep deploys no module named ${module}`);
  const parameters = (deployment.resource.properties?.parameters ?? {}) as JsonObject;
  const argument = parameters[name];
  if (argument === undefined) return undefined;
  // Usually { value: <expression> }; a conditional argument compiles to one expression building that object.
  if (argument !== null && typeof argument === 'object' && !Array.isArray(argument) && 'value' in argument)
    return argument.value;
  return argument;
}

/**
 * What a value in a resource comes from, as main.bicep sees it: a module parameter is replaced by the
 * argument main.bicep passes, and then `[parameters('x')]` of main.bicep becomes `param:x`, a module
 * output `<module>.outputs.<name>`, and a main.bicep variable its value. Anything else is returned as is.
 */
export function traced(located: Located, value: Json | undefined): Json | undefined {
  let current = value;
  if (located.module && typeof current === 'string') {
    const parameter = PARAMETER.exec(current)?.[1];
    if (parameter) current = moduleArgument(located.module, parameter);
  }
  if (typeof current !== 'string') return current;
  const mainParameter = PARAMETER.exec(current)?.[1];
  if (mainParameter) return `param:${mainParameter}`;
  const output =
    /^\[reference\(extensionResourceId\(.*'Microsoft\.Resources\/deployments', '(\w+)'\), '[\d-]+'\)\.outputs\.(\w+)\.value\]$/.exec(
      current,
    );
  if (output) return `${output[1]}.outputs.${output[2]}`;
  const variable = /^\[variables\('(\w+)'\)\]$/.exec(current)?.[1];
  if (variable) return mainTemplate().variables?.[variable];
  return current;
}

/** The default value of a main.bicep parameter named by `param:<name>`. */
export function mainDefault(tracedValue: Json | undefined): Json | undefined {
  if (typeof tracedValue !== 'string' || !tracedValue.startsWith('param:')) {
    throw new Error(`expected a main.bicep parameter, got ${JSON.stringify(tracedValue)}`);
  }
  return mainTemplate().parameters?.[tracedValue.slice('param:'.length)]?.defaultValue;
}

/** A template variable, following `[variables('other')]` chains. */
export function variable(template: ArmTemplate, name: string): Json | undefined {
  const value = template.variables?.[name];
  const next = typeof value === 'string' ? /^\[variables\('([^']+)'\)\]$/.exec(value)?.[1] : undefined;
  return next ? variable(template, next) : value;
}

/** An expression with every `variables('x')` whose value is a string replaced by that string. */
export function withVariables(template: ArmTemplate, expression: string): string {
  return expression.replace(/variables\('([^']+)'\)/g, (whole, name: string) => {
    const value = variable(template, name);
    return typeof value === 'string' && !value.startsWith('[') ? `'${value}'` : whole;
  });
}

/** `[resourceId('<type>', <the name arguments>)]` of a resource declared in the same template. */
export function resourceIdOf(located: Located): string {
  const name = located.resource.name;
  const formatted = /^\[format\('\{0\}(?:\/\{\d\})+', (.*)\)\]$/.exec(name)?.[1];
  const nameArguments = formatted ?? /^\[(.*)\]$/.exec(name)?.[1] ?? `'${name}'`;
  return `[resourceId('${located.resource.type}', ${nameArguments})]`;
}

/** Source file (relative to infra/) of a module deployment: the file whose own compilation is the same template. */
export function moduleFile(module: string): string {
  const hash = modules().get(module)?.template.metadata?._generator?.templateHash;
  const matches = [...theCompiled().files].filter(
    ([file, t]) => file !== 'main.bicep' && t.metadata?._generator?.templateHash === hash,
  );
  if (!hash || matches.length !== 1) throw new Error(`cannot tell which file module ${module} was compiled from`);
  return (matches[0] as [string, ArmTemplate])[0];
}

/** The module that deploys the user-assigned identity (e.g. `identity`). */
export function identityModule(): string {
  const module = theResource('Microsoft.ManagedIdentity/userAssignedIdentities').module;
  if (!module) throw new Error('the user-assigned identity must be deployed by a module');
  return module;
}

export function collectStrings(value: Json | undefined, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) collectStrings(item, out);
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      out.push(key);
      collectStrings(item, out);
    }
  }
  return out;
}

/** The function app. */
export function site(): Located {
  return theResource('Microsoft.Web/sites');
}

/**
 * The function app's settings: the one `Microsoft.Web/sites/config` resource named `appsettings` of
 * the app (it can name the app's default host name), and none in siteConfig.appSettings.
 */
function appSettingsResource(): Located {
  const app = site();
  const configs = resources('Microsoft.Web/sites/config').filter(
    (c) => c.template === app.template && /'appsettings'\)\]$/.test(c.resource.name),
  );
  if (configs.length !== 1)
    throw new Error(`expected one appsettings resource beside the function app, found ${configs.length}`);
  return configs[0] as Located;
}

export function appSettings(): Map<string, Json> {
  const settings = appSettingsResource().resource.properties;
  if (!settings || typeof settings !== 'object' || Array.isArray(settings)) {
    throw new Error('the appsettings resource must list its settings as a literal object');
  }
  return new Map(Object.entries(settings));
}
