// `migrate verify` — placeholder until the PSP engine lands.
import type { Command } from "commander";
import type { CommandContext } from "./main.js";
export function registerVerify(_program: Command, _ctx: CommandContext): void {}
