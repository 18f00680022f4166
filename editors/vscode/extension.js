// Starts `specdsl lsp` (the command is the setting specdsl.command) for *.spec files.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("specdsl");
  const [command, ...args] = config.get("command");
  client = new LanguageClient(
    "specdsl",
    "specdsl",
    { command, args },
    {
      documentSelector: [{ scheme: "file", language: "specdsl" }, { scheme: "untitled", language: "specdsl" }],
      initializationOptions: { endOfLineHints: config.get("endOfLineHints") },
    }
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
