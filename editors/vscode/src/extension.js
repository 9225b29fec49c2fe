// A thin client: starts `ritc lsp` for .rit files and lets it do the work
// (diagnostics, hover, go to definition, completion, outline). Plain JavaScript,
// so the folder runs as it is, without a build step.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function serverOptions() {
  const config = vscode.workspace.getConfiguration("rit");
  const command = config.get("server.path") || "ritc";
  const args = ["lsp", ...(config.get("server.extraArgs") || [])];
  return { command, args, transport: TransportKind.stdio };
}

async function start(context) {
  const clientOptions = {
    documentSelector: [
      { scheme: "file", language: "rit" },
      { scheme: "untitled", language: "rit" },
    ],
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher("**/*.rit"),
    },
  };
  client = new LanguageClient("rit", "ritc lsp", serverOptions(), clientOptions);
  try {
    await client.start();
  } catch (error) {
    vscode.window.showErrorMessage(
      `Could not start \`ritc lsp\` (${error}). Install ritc or set "rit.server.path".`
    );
  }
}

async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("rit.restartServer", async () => {
      if (client) {
        await client.stop();
      }
      await start(context);
    })
  );
  await start(context);
}

async function deactivate() {
  if (client) {
    await client.stop();
  }
}

module.exports = { activate, deactivate };
