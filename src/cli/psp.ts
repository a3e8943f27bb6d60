// `migrate psp` — placeholder until the PSP converter lands.
import type { Command } from "commander";
import type { CommandContext } from "./main.js";
export function registerPsp(_program: Command, _ctx: CommandContext): void {}
