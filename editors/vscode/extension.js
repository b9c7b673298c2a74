// Starts `kok lsp` (pip install 'kokdsl[lsp]') for .kok files and connects
// VS Code to it over stdio. The command is a setting (kok.command), so a
// project's virtual environment can be named.
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const settings = vscode.workspace.getConfiguration("kok");
  const [command, ...args] = settings.get("command", ["kok", "lsp"]);
  const language = settings.get("language", "sv");
  const server = { command, args: [...args, "--lang", language], transport: TransportKind.stdio };
  client = new LanguageClient(
    "kok",
    "KoK rulebooks",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "kok" }, { scheme: "untitled", language: "kok" }] }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
