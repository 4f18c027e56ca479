// Runs the CLI from source (tests spawn it this way; bin/lth.js runs the bundle instead).
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
