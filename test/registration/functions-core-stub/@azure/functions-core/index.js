'use strict';
/**
 * Stand-in for `@azure/functions-core`, the module the Azure Functions Node.js worker provides at run
 * time. `@azure/functions` requires it lazily inside a try/catch; finding it is what takes the library
 * out of "test mode" and makes `app.http(...)` call `registerFunction`. This stand-in records what a
 * worker would receive, so a test can see what `func start` would index.
 */
const registrations = [];
const hooks = [];
let programmingModel;

class Disposable {
  constructor(callOnDispose) {
    this.callOnDispose = callOnDispose;
  }
  dispose() {
    this.callOnDispose?.();
    this.callOnDispose = undefined;
  }
}

function registerFunction(metadata, callback) {
  if (typeof callback !== 'function')
    throw new TypeError(`function ${metadata.name} was registered without a callback`);
  registrations.push(metadata);
  return new Disposable(() => registrations.splice(registrations.indexOf(metadata), 1));
}

function registerHook(hookName, callback) {
  const hook = { hookName, callback };
  hooks.push(hook);
  return new Disposable(() => hooks.splice(hooks.indexOf(hook), 1));
}

module.exports = {
  version: 'stub',
  Disposable,
  registerFunction,
  registerHook,
  setProgrammingModel: (model) => {
    programmingModel = model;
  },
  getProgrammingModel: () => programmingModel,
  log: (level, category, message) => process.stderr.write(`[${level}/${category}] ${message}\n`),
  // Not part of the worker's API: what the runner reports.
  recorded: () => ({
    programmingModel: programmingModel ? { name: programmingModel.name, version: programmingModel.version } : null,
    functions: registrations,
    hooks: hooks.map((hook) => hook.hookName),
  }),
};
