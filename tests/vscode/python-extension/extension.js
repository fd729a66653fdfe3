// A test stand-in for the Python extension (ms-python.python), installed by
// tests/vscode/test_vscode_e2e.py: the part of its API Orchestra uses,
// `environments.getActiveEnvironmentPath(resource)`, answers the interpreter named by
// ORCHESTRA_TEST_INTERPRETER (an absolute path, as the real extension gives).
'use strict';

function activate() {
  const interpreter = process.env.ORCHESTRA_TEST_INTERPRETER || '';
  return {
    environments: {
      getActiveEnvironmentPath(_resource) {
        return { id: interpreter, path: interpreter };
      },
    },
  };
}

module.exports = { activate, deactivate() {} };
